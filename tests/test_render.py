"""Rendering: determinism, the files of each tier, the security posture, stable names and the manifest."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shlex
import subprocess
import sys
from typing import Any

import pytest

from _support import (EXAMPLE_SPECS, MANIFEST, ROOT, TWO_REGIONS, Expression, Loop, Reference, bicep_declarations,
                      bicep_var, design_of, parse_bicepparam, render_files, render_path, render_text, spec)
from azoai_gen import __version__
from azoai_gen.azure import ROLES
from azoai_gen.pipeline import validate_file

WORKSPACE = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-logs/providers/"
             "Microsoft.OperationalInsights/workspaces/law-central")


def all_example_renders() -> list[tuple[str, dict[str, str]]]:
    renders = []
    for path in EXAMPLE_SPECS:
        renders.append((path.name, render_path(path)))
    for tier in (1, 2):
        for regions in ("  - location: swedencentral\n", TWO_REGIONS):
            for extra in ("", "access:\n  managedIdentity: false\n  principals:\n"
                              "    - objectId: 00000000-0000-0000-0000-0000000000AA\n"):
                text = spec(tier, regions=regions, extra=extra)
                renders.append((f"tier{tier}-{len(regions)}-{bool(extra)}", render_files(text)))
    return renders


# ---------------------------------------------------------------------------------------------------------------------
# Determinism.


def test_render_twice_gives_identical_files():
    text = spec(1, regions=TWO_REGIONS)
    assert render_files(text) == render_files(text)


_RENDER_SCRIPT = """
import json, sys
from pathlib import Path
from azoai_gen.render import render
from azoai_gen.pipeline import validate_file
path = Path(sys.argv[1])
sys.stdout.write(json.dumps(render(validate_file(path).design), sort_keys=True))
"""


@pytest.mark.parametrize("example", EXAMPLE_SPECS, ids=lambda p: p.name)
def test_render_is_byte_identical_across_processes(example):
    outputs = []
    for seed in ("1", "2"):
        result = subprocess.run([sys.executable, "-c", _RENDER_SCRIPT, str(example)], capture_output=True,
                                check=True, cwd=ROOT, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"})
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    in_process = render_path(example)
    assert json.loads(outputs[0]) == in_process


def test_no_timestamps_in_output():
    today = datetime.date.today()
    for name, files in all_example_renders():
        for path, text in files.items():
            assert today.isoformat() not in text, (name, path)
            assert today.strftime("%Y%m%d") not in text, (name, path)
            assert not re.search(r"\d{2}:\d{2}:\d{2}", text), (name, path)
            assert not re.search(r"\d{4}-\d{2}-\d{2}T\d", text), (name, path)


def test_no_file_holds_two_blank_lines_in_a_row_and_each_ends_in_one_line_break():
    # Templates leave runs of blank lines where optional blocks are left out; the renderer folds each run into one.
    for name, files in all_example_renders():
        for path, text in files.items():
            assert "\n\n\n" not in text and text.endswith("\n") and not text.endswith("\n\n"), (name, path)


# ---------------------------------------------------------------------------------------------------------------------
# Which files exist.

COMMON = {"main.bicep", "main.bicepparam", "modules/openai.bicep", "modules/action-group.bicep", "modules/workbook.bicep",
          "README.md", MANIFEST}


def test_tier1_files():
    assert set(render_files(spec(1))) == COMMON | {"modules/keyvault.bicep", "modules/monitoring.bicep",
                                                            "modules/identity.bicep"}


def test_tier2_files():
    assert set(render_files(spec(2))) == COMMON | {"modules/monitoring.bicep", "modules/identity.bicep"}


@pytest.mark.parametrize("tier", [1, 2])
def test_no_monitoring_module_with_an_existing_workspace(tier):
    files = render_files(spec(tier, extra=f"monitoring:\n  logAnalyticsWorkspaceId: {WORKSPACE}\n"))
    assert "modules/monitoring.bicep" not in files
    assert f"var logAnalyticsWorkspaceId = '{WORKSPACE}'" in files["main.bicep"]
    assert "module monitoring" not in files["main.bicep"]
    assert WORKSPACE in files["README.md"]


@pytest.mark.parametrize("tier", [1, 2])
def test_no_identity_module_without_managed_identity(tier):
    extra = "access:\n  managedIdentity: false\n  principals:\n    - objectId: 00000000-0000-0000-0000-0000000000AA\n"
    files = render_files(spec(tier, extra=extra))
    assert "modules/identity.bicep" not in files
    assert "identity.outputs" not in files["main.bicep"]
    assert "callerIdentityClientId" not in files["main.bicep"]
    # The principal is granted access instead, with its object ID lower-cased.
    assert "00000000-0000-0000-0000-0000000000aa" in files["main.bicepparam"]


def test_files_are_sorted_and_end_with_one_newline():
    files = render_files(spec(1))
    assert list(files) == sorted(files)
    for path, text in files.items():
        assert text.endswith("\n") and not text.endswith("\n\n"), path
        assert "\n\n\n" not in text, path
        assert "\r" not in text, path


# ---------------------------------------------------------------------------------------------------------------------
# Security posture.


def _resource_block(text: str, header: str) -> str:
    """The text of the top-level statement that starts with ``header``, comments included."""
    start = text.index(header)
    end = text.index("\n}", start)
    return text[start:end + 2]


def _skips(block: str) -> dict[str, str]:
    """The checkov findings a block accepts, with their reasons."""
    return dict(re.findall(r"^\s*// checkov:skip=(CKV_AZURE_\d+):(.*)$", block, re.M))


def test_tier1_keeps_keys_and_explains_each_accepted_finding():
    files = render_files(spec(1))
    openai = files["modules/openai.bicep"]
    declarations = bicep_declarations(openai)
    assert declarations["account"].body["properties"]["disableLocalAuth"] is False
    skips = _skips(_resource_block(openai, "resource account "))
    assert set(skips) == {"CKV_AZURE_236", "CKV_AZURE_134"}
    assert all(len(reason.strip()) > 20 for reason in skips.values())
    vault_skips = _skips(_resource_block(files["modules/keyvault.bicep"], "resource vault "))
    assert set(vault_skips) == {"CKV_AZURE_189", "CKV_AZURE_109"}
    assert all(len(reason.strip()) > 20 for reason in vault_skips.values())
    # The key goes straight into Key Vault.
    secret = declarations["keySecret"].body
    assert secret["parent"] == Reference("vault")
    assert secret["properties"]["value"] == Expression("account.listKeys().key1")
    vault = bicep_declarations(files["modules/keyvault.bicep"])["vault"].body["properties"]
    assert vault["enablePurgeProtection"] is True and vault["enableRbacAuthorization"] is True


def test_tier2_disables_keys_and_grants_roles():
    files = render_files(spec(2, extra="access:\n  principals:\n"
                                       "    - objectId: 00000000-0000-0000-0000-000000000001\n"
                                       "      type: Group\n"))
    openai = files["modules/openai.bicep"]
    assert bicep_declarations(openai)["account"].body["properties"]["disableLocalAuth"] is True
    assert "CKV_AZURE_236" not in openai
    assert set(_skips(_resource_block(openai, "resource account "))) == {"CKV_AZURE_134"}  # still a public endpoint
    for text in files.values():
        assert "listKeys" not in text
    # One loop assigns the role to what main.bicep hands over: the caller identity, then the spec's principals.
    entries, concatenated = bicep_var(files["main.bicep"], "accountRoleAssignments")
    assert entries == [{"principalId": Reference("identity.outputs.principalId"), "principalType": "ServicePrincipal",
                        "description": "Calling service of this workload (managed identity created by azoai-gen)."}]
    assert concatenated == ["principals"]
    assert parse_bicepparam(files["main.bicepparam"])["principals"] == [
        {"principalId": "00000000-0000-0000-0000-000000000001", "principalType": "Group", "description": ""}]
    calls = [d for d in bicep_declarations(files["main.bicep"]).values() if d.type == "modules/openai.bicep"]
    assert [call.body["params"]["roleAssignments"] for call in calls] == [Reference("accountRoleAssignments")]
    loop = bicep_declarations(openai)["roleAssignment"].body
    assert isinstance(loop, Loop) and (loop.variable, loop.items) == ("assignment", "roleAssignments")
    assert loop.body["name"] == Expression("guid(account.id, assignment.principalId, roleDefinitionId)")
    assert loop.body["properties"]["principalId"] == Reference("assignment.principalId")
    assert re.search(r"^var roleDefinitionId = subscriptionResourceId\('Microsoft.Authorization/roleDefinitions', "
                     r"'5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'\)$", openai, re.M)  # Cognitive Services OpenAI User
    assert re.search(r"^output callerIdentityClientId string = identity\.outputs\.clientId$", files["main.bicep"],
                     re.M)


def test_tier1_grants_key_vault_secrets_user_not_openai_user():
    files = render_files(spec(1))
    assert "'4633458b-17de-408a-b874-0445c86b69e6')" in files["modules/keyvault.bicep"]  # Key Vault Secrets User
    entries, concatenated = bicep_var(files["main.bicep"], "keyVaultRoleAssignments")
    assert [e["principalId"] for e in entries] == [Reference("identity.outputs.principalId")] and not concatenated
    assert "accountRoleAssignments" not in files["main.bicep"]
    assert "roleAssignments" not in bicep_declarations(files["main.bicep"])["openaiSwedencentral"].body["params"]


def _outputs(text: str) -> list[str]:
    """Every output statement, including the lines of multi-line object values."""
    statements = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("output "):
            block = [line]
            if line.rstrip().endswith("{"):
                for follow in lines[index + 1:]:
                    block.append(follow)
                    if follow == "}":
                        break
            statements.append("\n".join(block))
    return statements


def test_no_output_ever_exposes_a_key():
    seen = 0
    for name, files in all_example_renders():
        for path, text in files.items():
            if not path.endswith(".bicep"):
                continue
            for statement in _outputs(text):
                seen += 1
                assert "listKeys" not in statement, (name, path, statement)
                assert "key1" not in statement.lower() and "key2" not in statement.lower(), (name, path, statement)
        assert "listKeys" not in files["main.bicepparam"] and "listKeys" not in files[MANIFEST]
    assert seen > 50


def test_output_scanner_sees_multi_line_outputs():
    statements = _outputs("output a string = x\noutput b object = {\n  k: y.listKeys().key1\n}\n")
    assert statements[1].endswith("listKeys().key1\n}")


def test_deployments_are_created_one_at_a_time():
    openai = render_files(spec(1))["modules/openai.bicep"]
    assert re.search(r"^@batchSize\(1\)\nresource deployments 'Microsoft\.CognitiveServices/accounts/deployments@",
                     openai, re.M)


# ---------------------------------------------------------------------------------------------------------------------
# Stable names.


def test_names_do_not_depend_on_the_tier():
    designs = [design_of(spec(tier, regions=TWO_REGIONS)) for tier in (1, 2, 3, 4, 5)]
    for design in designs[1:]:
        for key in ("account_name", "module_name", "symbol"):
            assert [getattr(r, key) for r in design.regions] == [getattr(r, key) for r in designs[0].regions], key
        assert design.monitoring == designs[0].monitoring
    assert designs[0].regions[0].account_name.stem == "oai-claims-prod-sdc-"
    assert designs[0].regions[0].account_name.example == "oai-claims-prod-sdc-xxxxx"
    assert designs[0].identity == designs[1].identity
    # The shared names and the accounts are deployed, unchanged, by every tier.
    for design in designs:
        stems = {n.stem for n in design.names}
        assert {"rg-claims-prod", "log-claims-prod", "oai-claims-prod-sdc-", "oai-claims-prod-frc-",
                "claims-prod-openai-swedencentral", "claims-prod-openai-francecentral"} <= stems


def _names(module: Any) -> tuple[Any, Any]:
    """The deployment name of a module call and the resource name it hands the module."""
    return module.body["name"], module.body["params"]["name"]


def test_raising_the_tier_keeps_the_names():
    tier1 = bicep_declarations(render_files(spec(1))["main.bicep"])
    tier2 = bicep_declarations(render_files(spec(2))["main.bicep"])
    for symbol in ("openaiSwedencentral", "identity", "monitoring"):
        assert _names(tier1[symbol]) == _names(tier2[symbol]), symbol
    assert _names(tier2["openaiSwedencentral"]) == ("claims-prod-openai-swedencentral",
                                                    Expression("'oai-claims-prod-sdc-${nameSuffix}'"))
    # customSubDomainName is the account name, in both tiers.
    for tier in (1, 2):
        openai = bicep_declarations(render_files(spec(tier))["modules/openai.bicep"])
        assert openai["account"].body["properties"]["customSubDomainName"] == Reference("name")
        assert openai["account"].body["name"] == Reference("name")


def test_adding_a_region_keeps_the_first_regions_names():
    one = bicep_declarations(render_files(spec(1))["main.bicep"])
    two = bicep_declarations(render_files(spec(1, regions=TWO_REGIONS))["main.bicep"])
    assert one["openaiSwedencentral"] == two["openaiSwedencentral"]
    second = two["openaiFrancecentral"]
    assert _names(second) == ("claims-prod-openai-francecentral", Expression("'oai-claims-prod-frc-${nameSuffix}'"))
    assert second.body["params"]["location"] == "francecentral"
    # Shared resources stay in the primary region.
    assert two["keyVault"].body["params"]["location"] == "swedencentral"


def test_fixed_suffix_replaces_the_computed_one():
    main = render_files(spec(1, extra="naming:\n  suffix: abc12\n"))["main.bicep"]
    assert "var nameSuffix = 'abc12'" in main
    assert "uniqueString" not in main
    computed = render_files(spec(1))["main.bicep"]
    assert "var nameSuffix = take(uniqueString(resourceGroup().id), 5)" in computed


# ---------------------------------------------------------------------------------------------------------------------
# Parameters and README.


def test_parameters_carry_the_spec():
    text = spec(1, extra="tags:\n  costCenter: \"1234\"\nopenai:\n  allowedIpRanges: [1.2.3.4, 20.0.0.0/8]\n"
                         "keyVault:\n  allowedIpRanges: [5.6.7.8]\n")
    params = parse_bicepparam(render_files(text)["main.bicepparam"])
    assert params == {
        "tags": {"costCenter": "1234", "environment": "prod", "managed-by": "azoai-gen", "workload": "claims"},
        "modelDeployments": [{"name": "chat", "model": "gpt-5.4-mini", "version": "2026-03-17", "format": "OpenAI",
                              "sku": "GlobalStandard", "capacity": 50, "raiPolicy": "Microsoft.DefaultV2",
                              "versionUpgradeOption": "OnceCurrentVersionExpired"}],
        "openaiAllowedIpRanges": ["1.2.3.4", "20.0.0.0/8"],
        "keyVaultAllowedIpRanges": ["5.6.7.8"],
        "alertEmails": ["ops@contoso.com"],
    }


def test_allowed_ip_ranges_deny_by_default():
    open_account = render_files(spec(2))["modules/openai.bicep"]
    narrowed = render_files(spec(2, extra="openai:\n  allowedIpRanges: [1.2.3.4]\n"))["modules/openai.bicep"]
    assert "defaultAction: 'Allow'" in open_account
    assert "defaultAction: 'Deny'" in narrowed


def test_spec_tags_may_override_the_managed_tags():
    text = spec(1, extra="tags:\n  environment: production\n")
    assert parse_bicepparam(render_files(text)["main.bicepparam"])["tags"]["environment"] == "production"


def test_readme_names_the_spec_and_the_resources():
    readme = render_text(spec(1), spec_name="deep/folder/claims.yaml").files["README.md"]
    assert "from `claims.yaml`" in readme
    assert "folder" not in readme.split("\n")[0]
    assert "`oai-claims-prod-sdc-xxxxx`" in readme
    assert "`kv-claims-prod-xxxxx`" in readme
    assert "az group create --name rg-claims-prod --location swedencentral" in readme


@pytest.mark.parametrize("tier", [1, 2, 3, 4, 5])
def test_readme_says_how_long_the_deployment_takes(tier):
    from azoai_gen.catalogue import TIERS

    regions = "  - location: swedencentral\n" if tier < 4 else TWO_REGIONS
    readme = render_files(spec(tier, regions=regions))["README.md"]
    deploy = readme.split("\n## Deploy\n", 1)[1].split("\n## ", 1)[0]
    shown = re.sub(r"\\(.)", r"\1", " ".join(deploy.split()))  # as Markdown displays it
    assert f"**How long it takes.** {TIERS[tier].deploy_time}" in shown
    assert "minutes" in TIERS[tier].deploy_time


def test_tier5_deploy_time_is_set_by_api_management_and_cites_learn():
    from azoai_gen.catalogue import TIERS

    text = TIERS[5].deploy_time
    assert "30 to 40 minutes to create an instance" in text and "15 minutes or longer" in text
    assert "side by side" in text


def test_the_tier_5_readme_says_how_to_purge_a_deleted_gateway():
    readme = render_files(spec(5, regions=TWO_REGIONS))["README.md"]
    assert "`az apim deletedservice purge --service-name <name> --location swedencentral` (the name is in the " \
           "deployment\noutput `apiManagementName`)" in readme
    fixed = render_files(spec(5, regions=TWO_REGIONS, extra="naming:\n  suffix: abc12\n"))["README.md"]
    assert "`az apim deletedservice purge --service-name apim-claims-prod-abc12 --location swedencentral`." in fixed
    assert "az apim deletedservice" not in render_files(spec(4, regions=TWO_REGIONS))["README.md"]


def test_the_tier_5_readme_lists_who_holds_the_role_on_the_accounts():
    readme = render_files(spec(5, regions=TWO_REGIONS))["README.md"]
    [command] = [line for line in readme.splitlines() if line.startswith("az role assignment list")]
    assert shlex.split(command) == [
        "az", "role", "assignment", "list", "--all", "--role", ROLES["cognitiveServicesOpenAIUser"], "--query",
        '[?contains(scope, `"/resourceGroups/rg-claims-prod/"`)].{principal: principalName, '
        "principalId: principalId, scope: scope}", "--output", "table"]


# ---------------------------------------------------------------------------------------------------------------------
# Manifest.


@pytest.mark.parametrize("example", EXAMPLE_SPECS, ids=lambda p: p.name)
def test_manifest_records_version_spec_hash_and_every_file(example):
    validated = validate_file(example)
    files = render_path(example)
    manifest = json.loads(files[MANIFEST])
    assert set(manifest) == {"generator", "version", "spec", "names", "grants", "resources", "posture", "files"}
    assert manifest["generator"] == "azoai-gen"
    assert manifest["version"] == __version__
    assert manifest["spec"] == {"sha256": validated.spec.digest, "tier": validated.spec.tier}
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["spec"]["sha256"])
    assert set(manifest["files"]) == set(files) - {MANIFEST}
    for path, digest in manifest["files"].items():
        assert digest == hashlib.sha256(files[path].encode("utf-8")).hexdigest(), path
    assert files[MANIFEST] == json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    # The names of what gets deployed, so that a later render can refuse to rename them.
    names = manifest["names"]
    assert names["account/swedencentral"] == "oai-claims-prod-sdc-<uniqueString(resourceGroup().id)>"
    assert names["location/shared"] == "swedencentral"
    assert names.get("identity") == (None if validated.spec.tier == 5 else "id-claims-prod")
    assert names.get("logAnalytics") == (None if validated.spec.monitoring.workspace_id else "log-claims-prod")
    assert ("keyVault" in names) == (validated.spec.tier == 1)
    assert ("keyVault/softDeleteRetentionInDays" in names) == (validated.spec.tier == 1)
    assert names["naming/workload"] == "claims"
    assert names["resourceGroup"] == "rg-claims-prod"
    # The role assignments, sorted, with the role definition IDs of azure.py.
    grants = manifest["grants"]
    assert grants == sorted(grants, key=lambda g: (g["scope"], g["principal"], g["role"]))
    assert {g["role"] for g in grants} <= set(ROLES.values())
    assert all(set(g) == {"scope", "principal", "role"} for g in grants)


def test_manifest_names_use_a_fixed_suffix():
    manifest = json.loads(render_files(spec(1, extra="naming:\n  suffix: abc12\n"))[MANIFEST])
    assert manifest["names"]["account/swedencentral"] == "oai-claims-prod-sdc-abc12"
    assert manifest["names"]["keyVault"] == "kv-claims-prod-abc12"


def test_spec_hash_ignores_comments_and_layout_but_not_values():
    base = design_of(spec(1)).spec.digest
    commented = design_of("# a comment\n" + spec(1).replace("tier: 1", "tier: 1   # inline")).spec.digest
    defaults_written = design_of(spec(1, extra="access:\n  managedIdentity: true\n")).spec.digest
    changed = design_of(spec(1, replace={"capacity: 50": "capacity: 51"})).spec.digest
    assert base == commented == defaults_written
    assert base != changed


def test_manifest_holds_no_secrets_tags_or_descriptions():
    text = spec(1, extra="tags:\n  secret-ish: s3cr3t-value\naccess:\n  principals:\n"
                         "    - objectId: 00000000-0000-0000-0000-000000000001\n      description: hidden words\n")
    manifest_text = render_files(text)[MANIFEST]
    for word in ("s3cr3t-value", "hidden words", "listKeys", "key1"):
        assert word not in manifest_text
    # A principal's object ID is no secret: the manifest names it only in the grants, to say later which role
    # assignment a render no longer makes.
    recorded = json.loads(manifest_text)
    assert "00000000-0000-0000-0000-000000000001" not in json.dumps({k: v for k, v in recorded.items() if k != "grants"})
    assert {"scope": "keyVault", "principal": "principals/00000000-0000-0000-0000-000000000001",
            "role": ROLES["keyVaultSecretsUser"]} in recorded["grants"]
