"""A render compared with the previous render of the same folder: what cannot change once deployed is refused with
located problems, and the role assignments a render stops making are listed with the commands that delete them."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _support import MANIFEST, TWO_REGIONS, bicep_declarations, plain, regions, render_bytes, snapshot, spec
from azoai_gen import api, cli
from azoai_gen.azure import ROLES
from azoai_gen.errors import RenameError

OPENAI_USER = ROLES["cognitiveServicesOpenAIUser"]
SECRETS_USER = ROLES["keyVaultSecretsUser"]
PRINCIPAL = "00000000-0000-0000-0000-0000000000aa"
ACCESS = f"access:\n  principals:\n    - objectId: {PRINCIPAL}\n      description: ops team\n"
RETENTION = "keyVault:\n  softDeleteRetentionInDays: {days}\n"


def run(*args: object):
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    return result.exit_code, plain(result.output)


def rendered(tmp_path: Path, *texts: str, **options) -> api.RenderOutcome:
    """Render each spec text in turn into tmp_path/infra; the outcome of the last."""
    path = tmp_path / "spec.yaml"
    outcome = None
    for text in texts:
        path.write_text(text, encoding="utf-8")
        outcome = api.render_spec(path, tmp_path / "infra", **options)
    assert outcome is not None
    return outcome


def words(command: str) -> list:
    """The words of a shell command line as a POSIX shell splits them, each ``$(...)`` as a nested list."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="()")
    lexer.whitespace_split = True
    stack: list[list] = [[]]
    tokens = list(lexer)
    for index, token in enumerate(tokens):
        if token == "$" and tokens[index + 1] == "(":
            continue
        if token == "(" and tokens[index - 1] == "$":
            stack.append([])
        elif token == ")":
            inner = stack.pop()
            stack[-1].append(inner)
        else:
            stack[-1].append(token)
    assert len(stack) == 1, command
    return stack[0]


def identity_lookup(name: str = "id-claims-prod") -> list[str]:
    return ["az", "identity", "show", "--name", name, "--resource-group", "rg-claims-prod", "--query", "principalId",
            "--output", "tsv"]


def account_lookup(short: str = "sdc") -> list[str]:
    stem = f"oai-claims-prod-{short}-"
    return ["az", "cognitiveservices", "account", "list", "--resource-group", "rg-claims-prod", "--query",
            f'[?starts_with(name, `"{stem}"`) && length(name) == `{len(stem) + 5}`].id', "--output", "tsv"]


def delete(assignee, role: str, scope) -> list:
    return ["az", "role", "assignment", "delete", "--assignee", assignee, "--role", role, "--scope", scope]


# ---------------------------------------------------------------------------------------------------------------------
# Role assignments left behind.


def test_raising_tier_2_to_5_lists_the_callers_role_assignments_with_exact_delete_commands(tmp_path):
    outcome = rendered(tmp_path, spec(2, extra=ACCESS), spec(5, regions=TWO_REGIONS, extra=ACCESS))
    assert [(a.role, a.principal, a.scope) for a in outcome.left_behind] == [
        ("Cognitive Services OpenAI User", "the managed identity id-claims-prod",
         "the Azure OpenAI account in swedencentral"),
        ("Cognitive Services OpenAI User", f"the principal {PRINCIPAL}", "the Azure OpenAI account in swedencentral"),
    ]
    assert [words(a.command) for a in outcome.left_behind] == [
        delete(identity_lookup(), OPENAI_USER, account_lookup()),
        delete(PRINCIPAL, OPENAI_USER, account_lookup()),
    ]
    # The manifest now records only the gateway's grants: the next render lists nothing.
    assert rendered(tmp_path, spec(5, regions=TWO_REGIONS, extra=ACCESS)).left_behind == []


def test_nothing_is_listed_when_no_grant_is_removed(tmp_path):
    first = rendered(tmp_path, spec(2, extra=ACCESS))
    assert first.left_behind == []  # nothing was rendered before
    assert rendered(tmp_path, spec(2, extra=ACCESS, replace={"capacity: 50": "capacity: 60"})).left_behind == []
    # Tier 3 grants the same roles to the same principals on the same accounts; a new region only adds grants.
    assert rendered(tmp_path, spec(3, regions=TWO_REGIONS, extra=ACCESS)).left_behind == []


def test_leaving_tier_1_lists_the_vault_role_assignments(tmp_path):
    outcome = rendered(tmp_path, spec(1, extra=ACCESS), spec(2, extra=ACCESS))
    vault = ["az", "keyvault", "list", "--resource-group", "rg-claims-prod", "--query",
             '[?starts_with(name, `"kv-claims-prod-"`) && length(name) == `20`].id', "--output", "tsv"]
    assert [(a.role, a.scope) for a in outcome.left_behind] == [("Key Vault Secrets User", "the Key Vault")] * 2
    assert [words(a.command) for a in outcome.left_behind] == [delete(identity_lookup(), SECRETS_USER, vault),
                                                              delete(PRINCIPAL, SECRETS_USER, vault)]


def test_a_fixed_suffix_names_the_account(tmp_path):
    naming = "naming:\n  suffix: abc12\n"
    outcome = rendered(tmp_path, spec(2, extra=naming), spec(2, extra=naming + "access:\n  managedIdentity: false\n"))
    account = ["az", "cognitiveservices", "account", "show", "--name", "oai-claims-prod-sdc-abc12", "--resource-group",
               "rg-claims-prod", "--query", "id", "--output", "tsv"]
    assert [words(a.command) for a in outcome.left_behind] == [delete(identity_lookup(), OPENAI_USER, account)]


def test_a_principal_removed_from_the_spec_is_listed(tmp_path):
    outcome = rendered(tmp_path, spec(2, extra=ACCESS), spec(2))
    assert [words(a.command) for a in outcome.left_behind] == [delete(PRINCIPAL, OPENAI_USER, account_lookup())]


def test_leaving_tier_5_lists_the_gateway_role_assignments(tmp_path):
    outcome = rendered(tmp_path, spec(5, regions=TWO_REGIONS), spec(4, regions=TWO_REGIONS), yes=True)
    gateway = ["az", "apim", "list", "--resource-group", "rg-claims-prod", "--query",
               '[?starts_with(name, `"apim-claims-prod-"`) && length(name) == `22`].identity.principalId',
               "--output", "tsv"]
    assert [words(a.command) for a in outcome.left_behind] == [
        delete(gateway, OPENAI_USER, account_lookup("frc")), delete(gateway, OPENAI_USER, account_lookup("sdc"))]


FAKE_AZ = """\
import json, os, sys
with open(os.environ["AZ_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if os.environ.get("AZ_FIND") and sys.argv[1:2] != ["role"]:
    print({"identity": "11111111-2222-3333-4444-555555555555"}.get(sys.argv[1], "/subscriptions/s/resourceGroups/"
          "rg-claims-prod/providers/Microsoft.CognitiveServices/accounts/oai-claims-prod-sdc-k3j2h"))
"""


@pytest.mark.skipif(shutil.which("bash") is None or sys.platform == "win32", reason="needs bash")
@pytest.mark.parametrize("found", [True, False])
def test_bash_runs_the_commands_as_printed(tmp_path, found):
    """Run each printed command in bash against a stand-in for az that records its arguments: the lookups run as
    written, and the delete gets the IDs they print. When a lookup finds nothing, its option is left without a value
    (which az refuses) rather than given an empty one (which would widen the deletion)."""
    outcome = rendered(tmp_path, spec(2, extra=ACCESS), spec(5, regions=TWO_REGIONS, extra=ACCESS))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "az").write_text(f"#!{sys.executable}\n{FAKE_AZ}", encoding="utf-8")
    (bin_dir / "az").chmod(0o755)
    log = tmp_path / "az.log"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "AZ_LOG": str(log),
           "AZ_FIND": "1" if found else ""}
    subprocess.run(["bash", "-c", outcome.left_behind[0].command], env=env, check=True)
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert sorted(calls[:2]) == sorted([identity_lookup()[1:], account_lookup()[1:]])
    account_id = "/subscriptions/s/resourceGroups/rg-claims-prod/providers/Microsoft.CognitiveServices/accounts/" \
                 "oai-claims-prod-sdc-k3j2h"
    if found:
        assert calls[2] == delete("11111111-2222-3333-4444-555555555555", OPENAI_USER, account_id)[1:]
    else:
        assert calls[2] == ["role", "assignment", "delete", "--assignee", "--role", OPENAI_USER, "--scope"]


def test_the_cli_prints_each_left_behind_assignment_in_dry_run_and_render(tmp_path):
    path = tmp_path / "spec.yaml"
    out = tmp_path / "infra"
    path.write_text(spec(2, extra=ACCESS), encoding="utf-8")
    code, output = run("render", path, "--out", out)
    assert code == 0 and "role assignment" not in output
    path.write_text(spec(5, regions=TWO_REGIONS, extra=ACCESS), encoding="utf-8")
    before = snapshot(out)
    for options, verb in ((["--dry-run"], "would no longer make"), ([], "no longer makes")):
        code, output = run("render", path, "--out", out, *options)
        assert code == 0, output
        assert f"warning: this render {verb} 2 role assignments that the previous one made" in output
        lines = output.splitlines()
        commands = [line.strip() for line in lines if line.startswith("  az role assignment delete ")]
        assert [words(c) for c in commands] == [delete(identity_lookup(), OPENAI_USER, account_lookup()),
                                                delete(PRINCIPAL, OPENAI_USER, account_lookup())]
        assert "  # Cognitive Services OpenAI User of the managed identity id-claims-prod on the Azure OpenAI " \
               "account in swedencentral" in lines
        if options:
            assert snapshot(out) == before
    code, output = run("render", path, "--out", out)
    assert code == 0 and "role assignment" not in output


# ---------------------------------------------------------------------------------------------------------------------
# What cannot change once deployed.


def test_changing_the_vault_retention_is_refused_with_its_location(tmp_path):
    path = tmp_path / "spec.yaml"
    out = tmp_path / "infra"
    path.write_text(spec(1, extra=RETENTION.format(days=30)), encoding="utf-8")
    assert run("render", path, "--out", out)[0] == 0
    assert json.loads((out / MANIFEST).read_text())["names"]["keyVault/softDeleteRetentionInDays"] == "30"
    before = snapshot(out)
    path.write_text(spec(1, extra=RETENTION.format(days=60)), encoding="utf-8")
    for options in ([], ["--dry-run"], ["--check"]):
        code, output = run("render", path, "--out", out, *options)
        assert code == 1
        assert output.splitlines()[:3] == [
            f"{path}:14:30: keyVault.softDeleteRetentionInDays: the Key Vault's soft-delete retention in days was "
            "rendered as 30; this spec changes it to 60",
            "    hint: Key Vault fixes the retention when the vault is created, and no deployment can change it: set "
            "keyVault.softDeleteRetentionInDays back to 30, or use --force if the vault was never deployed",
            "error: 1 change to what cannot change once deployed; nothing was written",
        ]
        assert snapshot(out) == before
    code, output = run("render", path, "--out", out, "--force")
    assert code == 0, output
    assert f"{path}:14:30: keyVault.softDeleteRetentionInDays: warning: " in output
    assert snapshot(out) == render_bytes(path)
    vault = bicep_declarations((out / "main.bicep").read_text(encoding="utf-8"))["keyVault"]
    assert vault.body["params"]["softDeleteRetentionInDays"] == 60


def test_a_retention_left_to_its_default_is_located_at_the_vault_settings(tmp_path):
    with pytest.raises(RenameError) as info:
        rendered(tmp_path, spec(1, extra="keyVault:\n  sku: premium\n  softDeleteRetentionInDays: 30\n"),
                 spec(1, extra="keyVault:\n  sku: premium\n"))
    [problem] = info.value.problems
    assert (problem.path, problem.line, problem.column) == ("keyVault", 14, 3)
    assert problem.message.endswith("was rendered as 30; this spec changes it to 90")


def test_the_environment_is_one_problem_for_every_resource_it_renames(tmp_path):
    with pytest.raises(RenameError) as info:
        rendered(tmp_path, spec(5, regions=TWO_REGIONS), spec(5, regions=TWO_REGIONS,
                                                              replace={"environment: prod": "environment: test"}))
    [problem] = info.value.problems
    assert (problem.path, problem.line, problem.column) == ("environment", 3, 14)
    assert problem.message == "the environment was rendered as prod; this spec changes it to test, which renames " \
                              "8 deployed resources"
    assert [change.split(":")[0] for change in info.value.paths] == [
        "account/francecentral", "account/swedencentral", "apiManagement", "frontDoor", "logAnalytics",
        "resourceGroup", "vnet/francecentral", "vnet/swedencentral"]
    assert "frontDoor: afd-claims-prod/fde-claims-prod -> afd-claims-test/fde-claims-test" in info.value.paths


def test_setting_a_suffix_is_located_at_naming(tmp_path):
    with pytest.raises(RenameError) as info:
        rendered(tmp_path, spec(2), spec(2, extra="naming:\n  suffix: abc12\n"))
    [problem] = info.value.problems
    assert (problem.path, problem.line, problem.column) == ("naming.suffix", 14, 11)
    assert "was rendered as <uniqueString(resourceGroup().id)>; this spec changes it to abc12" in problem.message
    assert "the new suffix is the one the deployed names already end with" in problem.hint


def test_a_new_vnet_range_is_located_where_the_range_comes_from(tmp_path):
    own = {1: "addressSpace: 10.100.8.0/22\n"}
    with pytest.raises(RenameError) as info:
        rendered(tmp_path, spec(3, regions=TWO_REGIONS), spec(3, regions=regions("swedencentral", "francecentral",
                                                                                   network=own)))
    [problem] = info.value.problems
    assert (problem.path, problem.line) == ("regions[1].network.addressSpace", 9)
    assert problem.message == ("the VNet in francecentral (name and range) was rendered as vnet-claims-prod-frc "
                               "10.100.4.0/22; this spec changes it to vnet-claims-prod-frc 10.100.8.0/22")
    (tmp_path / "second").mkdir()
    with pytest.raises(RenameError) as info:
        rendered(tmp_path / "second", spec(3, regions=TWO_REGIONS),
                 spec(3, regions=TWO_REGIONS, extra="network:\n  addressSpace: 10.200.0.0/16\n"))
    assert {(p.path, p.line) for p in info.value.problems} == {("network.addressSpace", 15)}
    assert len(info.value.problems) == 2


def test_a_manifest_of_the_previous_version_still_refuses_renames(tmp_path):
    rendered(tmp_path, spec(2))
    recorded = json.loads((tmp_path / "infra" / MANIFEST).read_text())
    recorded["names"] = {k: v for k, v in recorded["names"].items()
                         if not k.startswith("naming/") and k != "resourceGroup"}
    recorded.pop("grants", None)
    (tmp_path / "infra" / MANIFEST).write_text(json.dumps(recorded), encoding="utf-8")
    with pytest.raises(RenameError) as info:
        rendered(tmp_path, spec(2, replace={"workload: claims": "workload: claimz"}))
    # Without the recorded name parts, each renamed resource is its own problem, at the workload.
    assert [(p.path, p.line, p.column) for p in info.value.problems] == [("workload", 2, 11)] * 3
    assert sorted(p.message.split(" was ")[0] for p in info.value.problems) == [
        "the Azure OpenAI account in swedencentral", "the Log Analytics workspace", "the managed identity"]
    assert all(p.hint.startswith("Azure cannot rename a resource") for p in info.value.problems)
