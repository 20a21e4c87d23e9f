"""``azoai-gen ci``: the pipelines it writes for GitHub Actions and Azure Pipelines, read back as YAML and shell, and
how it writes them. The exact text is pinned by the golden files (tests/test_golden.py)."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from _support import EXAMPLES, ROOT, plain, spec, tier5
from azoai_gen import __version__, api, ci, cli
from azoai_gen.pipeline import validate_file, validate_text
from azoai_gen.render import render

runner = CliRunner()

#: The actions and tasks a pipeline may use, and their inputs: exactly those docs/architecture.md cites (## CI
#: pipelines), where each has its documentation.
GITHUB_ACTIONS = {
    "actions/checkout@v4": set(),
    "actions/setup-python@v5": {"python-version"},
    "azure/login@v2": {"client-id", "tenant-id", "subscription-id"},
}
AZURE_TASKS = {
    "UsePythonVersion@0": {"versionSpec"},
    "AzureCLI@2": {"azureSubscription", "scriptType", "scriptLocation", "inlineScript"},
}
#: The only values from outside the file: identifiers of the identity that signs in, never a secret.
GITHUB_EXPRESSIONS = {"vars.AZURE_CLIENT_ID", "vars.AZURE_TENANT_ID", "vars.AZURE_SUBSCRIPTION_ID"}


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with two specs: dev (tier 2, one region) and prod (tier 5, two regions), in that order."""
    write(tmp_path, "dev/claims.yaml", spec(2).replace("environment: prod", "environment: dev"))
    write(tmp_path, "prod/claims.yaml", tier5(extra="apiManagement:\n  publisherEmail: ops@contoso.com\n"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


SPECS = ["dev/claims.yaml", "prod/claims.yaml"]


def generate(platform: str, specs: list[str] = SPECS) -> dict:
    outcome = api.ci_pipeline(platform, [Path(s) for s in specs])
    return yaml.safe_load(outcome.path.read_text(encoding="utf-8"))


def lines(script: str) -> list[list[str]]:
    """A script's commands, each split as the shell splits it (blank lines and braces left out)."""
    return [shlex.split(line) for line in script.splitlines() if line.strip() and line.strip() not in "{}"]


# ---------------------------------------------------------------------------------------------------------------------
# GitHub Actions


def test_github_runs_on_pull_requests_and_pushes_to_main(repo):
    workflow = generate("github")
    assert workflow["on"] == {"pull_request": {"branches": ["main"]}, "push": {"branches": ["main"]}}
    assert workflow["permissions"] == {"contents": "read"}
    assert list(workflow["jobs"]) == ["check", "what_if_claims_dev", "what_if_claims_prod", "deploy_claims_dev",
                                      "deploy_claims_prod"]


def test_github_checks_every_spec_with_the_strict_drift_and_checkov_gates(repo):
    steps = generate("github")["jobs"]["check"]["steps"]
    assert steps[1]["with"] == {"python-version": "3.12"}
    runs = [lines(step["run"]) for step in steps if "run" in step]
    assert runs[0] == [["python", "-m", "pip", "install", f"azoai-gen=={__version__}", "checkov==3.3.30"]]
    # One command for all specs, so that every spec is reported; findings become annotations at their lines.
    assert runs[1] == [["azoai-gen", "validate", "--strict", "--output", "github", *SPECS]]
    assert runs[2] == [["azoai-gen", "render", "--check", "--output", "github", *SPECS]]
    assert runs[3] == [["status=0"]] + [
        ["checkov", "--directory", folder, "--framework", "bicep", "--skip-download", "--compact", "||", "status=1"]
        for folder in ("dev/infra", "prod/infra")] + [["exit", "$status"]]
    # A failed check does not hide the others.
    assert [step.get("if") for step in steps[3:]] == [None, "success() || failure()", "success() || failure()"]


def test_github_posts_what_if_of_each_resource_group_on_pull_requests(repo):
    jobs = generate("github")["jobs"]
    for name, group, folder, environment in (("dev", "rg-claims-dev", "dev/infra", "dev-what-if"),
                                             ("prod", "rg-claims-prod", "prod/infra", "prod-what-if")):
        job = jobs[f"what_if_claims_{name}"]
        assert job["if"] == "github.event_name == 'pull_request'"
        assert job["needs"] == "check"
        assert job["environment"] == environment
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        script = job["steps"][-1]["run"]
        what_if = lines(script)[1]
        assert what_if[:12] == ["az", "deployment", "group", "what-if", "--resource-group", group, "--template-file",
                                f"{folder}/main.bicep", "--parameters", f"{folder}/main.bicepparam",
                                "--validation-level", "ProviderNoRbac"]
        assert '>> "$GITHUB_STEP_SUMMARY"' in script and 'exit "$status"' in script
        assert job["steps"][-1]["env"] == {"AZURE_CORE_NO_COLOR": "true"}


def test_github_deploys_each_spec_in_turn_in_its_environment_on_main(repo):
    jobs = generate("github")["jobs"]
    dev, prod = jobs["deploy_claims_dev"], jobs["deploy_claims_prod"]
    assert dev["needs"] == ["check"] and prod["needs"] == ["check", "deploy_claims_dev"]
    for job, group, folder, environment in ((dev, "rg-claims-dev", "dev/infra", "dev"),
                                            (prod, "rg-claims-prod", "prod/infra", "prod")):
        assert job["if"] == "github.event_name == 'push'"
        assert job["environment"] == environment
        assert job["concurrency"] == {"group": f"azoai-gen-{group}", "cancel-in-progress": False}
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert [step.get("uses") for step in job["steps"]] == ["actions/checkout@v4", "azure/login@v2", None]
        assert lines(job["steps"][-1]["run"]) == [[
            "az", "deployment", "group", "create", "--resource-group", group, "--template-file",
            f"{folder}/main.bicep", "--parameters", f"{folder}/main.bicepparam", "--output", "none"]]


def test_github_signs_in_with_openid_connect_and_identifiers_only(repo):
    workflow = generate("github")
    text = (repo / ci.PATHS["github"]).read_text(encoding="utf-8")
    assert "secrets." not in text and "creds" not in text and "client-secret" not in text
    assert set(re.findall(r"\$\{\{\s*([^}]*?)\s*\}\}", text)) == GITHUB_EXPRESSIONS
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if step.get("uses") == "azure/login@v2":
                assert step["with"] == {"client-id": "${{ vars.AZURE_CLIENT_ID }}",
                                        "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
                                        "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}"}
                assert job["permissions"]["id-token"] == "write"


def test_github_uses_only_the_documented_actions_and_inputs(repo):
    for job in generate("github")["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert step["uses"] in GITHUB_ACTIONS
                assert set(step.get("with", {})) <= GITHUB_ACTIONS[step["uses"]]
            else:
                assert set(step) <= {"name", "run", "env", "if"}


# ---------------------------------------------------------------------------------------------------------------------
# Azure Pipelines


def test_azure_devops_runs_on_main_and_its_pull_requests(repo):
    pipeline = generate("azure-devops")
    assert pipeline["trigger"] == {"branches": {"include": ["main"]}}
    assert pipeline["pr"] == {"branches": {"include": ["main"]}}
    assert [stage["stage"] for stage in pipeline["stages"]] == ["check", "what_if", "deploy_claims_dev",
                                                                "deploy_claims_prod"]


def test_azure_devops_checks_every_spec(repo):
    check = generate("azure-devops")["stages"][0]
    steps = check["jobs"][0]["steps"]
    assert steps[1] == {"task": "UsePythonVersion@0", "inputs": {"versionSpec": "3.12"}}
    scripts = [lines(step["bash"]) for step in steps if "bash" in step]
    assert scripts[0] == [["python", "-m", "pip", "install", f"azoai-gen=={__version__}", "checkov==3.3.30"]]
    assert scripts[1] == [["azoai-gen", "validate", "--strict", *SPECS]]
    assert scripts[2] == [["azoai-gen", "render", "--check", *SPECS]]
    assert [line[:3] for line in scripts[3][1:-1]] == [["checkov", "--directory", "dev/infra"],
                                                       ["checkov", "--directory", "prod/infra"]]
    assert [step.get("condition") for step in steps[3:]] == [None, "succeededOrFailed()", "succeededOrFailed()"]


def test_azure_devops_uploads_what_if_on_pull_requests_with_a_read_only_connection(repo):
    stage = generate("azure-devops")["stages"][1]
    assert stage["dependsOn"] == "check"
    assert stage["condition"] == "and(succeeded(), eq(variables['Build.Reason'], 'PullRequest'))"
    for job, name, group in zip(stage["jobs"], ("dev", "prod"), ("rg-claims-dev", "rg-claims-prod")):
        task = job["steps"][-1]
        assert task["task"] == "AzureCLI@2"
        assert task["inputs"]["azureSubscription"] == f"azoai-gen-{name}-what-if"
        assert (task["inputs"]["scriptType"], task["inputs"]["scriptLocation"]) == ("bash", "inlineScript")
        commands = lines(task["inputs"]["inlineScript"])
        assert commands[1][:6] == ["az", "deployment", "group", "what-if", "--resource-group", group]
        assert "--validation-level" in commands[1] and "ProviderNoRbac" in commands[1]
        assert ["printf", "##%s[task.uploadsummary]%s\\n", "vso", "$summary"] in commands
        # No line of the script is itself a logging command: the agent would act on it if it showed the script.
        assert "##vso[" not in task["inputs"]["inlineScript"]


def test_azure_devops_deploys_each_spec_in_turn_through_an_environment(repo):
    stages = generate("azure-devops")["stages"][2:]
    assert [stage["dependsOn"] for stage in stages] == [["check"], ["check", "deploy_claims_dev"]]
    for stage, name, group, folder in zip(stages, ("dev", "prod"), ("rg-claims-dev", "rg-claims-prod"),
                                          ("dev/infra", "prod/infra")):
        assert stage["condition"] == ("and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'), "
                                      "eq(variables['Build.SourceBranch'], 'refs/heads/main'))")
        (job,) = stage["jobs"]
        assert job["deployment"] == f"claims_{name}" and job["environment"] == name
        steps = job["strategy"]["runOnce"]["deploy"]["steps"]
        assert steps[0] == {"checkout": "self"}
        assert steps[1]["inputs"]["azureSubscription"] == f"azoai-gen-{name}"
        assert lines(steps[1]["inputs"]["inlineScript"]) == [[
            "az", "deployment", "group", "create", "--resource-group", group, "--template-file",
            f"{folder}/main.bicep", "--parameters", f"{folder}/main.bicepparam", "--output", "none"]]


def _steps(node):
    """Every step of an Azure Pipelines document, wherever it is nested."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "steps":
                yield from value
            else:
                yield from _steps(value)
    elif isinstance(node, list):
        for item in node:
            yield from _steps(item)


def test_azure_devops_uses_only_the_documented_tasks_and_inputs_and_no_secret(repo):
    pipeline = generate("azure-devops")
    for step in _steps(pipeline):
        if "task" in step:
            assert step["task"] in AZURE_TASKS
            assert set(step["inputs"]) <= AZURE_TASKS[step["task"]]
        else:
            assert set(step) <= {"checkout", "bash", "displayName", "condition"}
    text = (repo / ci.PATHS["azure-devops"]).read_text(encoding="utf-8")
    # Nothing is read from variables that could hold a secret: no macro, template or runtime expression.
    assert not re.search(r"\$\(|\$\{\{|\$\[", text)
    assert "variables:" not in text and "addSpnToEnvironment" not in text


# ---------------------------------------------------------------------------------------------------------------------
# What the pipelines take from the specs.


@pytest.mark.parametrize("platform", ["github", "azure-devops"])
def test_the_resource_groups_are_the_readme_s(repo, platform):
    """The pipeline deploys to the resource group, in the region, that the rendered README's commands name."""
    generate(platform)
    text = (repo / ci.PATHS[platform]).read_text(encoding="utf-8")
    for name in SPECS:
        design = validate_file(Path(name)).design
        command = f"az group create --name {design.resource_group} --location {design.primary.location}"
        assert command in render(design)["README.md"]
        assert command in text


def test_one_spec_by_default_is_azoai_gen_yaml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "azoai-gen.yaml", spec(2))
    jobs = generate("github", [])["jobs"]
    assert list(jobs) == ["check", "what_if_claims_prod", "deploy_claims_prod"]
    assert jobs["deploy_claims_prod"]["needs"] == ["check"]


def test_a_folder_stands_for_the_specs_in_it_in_name_order(repo):
    jobs = generate("github", ["."])["jobs"]
    assert [name for name in jobs if name.startswith("deploy")] == ["deploy_claims_dev", "deploy_claims_prod"]
    assert lines(jobs["check"]["steps"][3]["run"]) == [["azoai-gen", "validate", "--strict", "--output", "github",
                                                        *SPECS]]


def test_a_spec_path_with_spaces_and_quotes_reaches_the_scripts_exactly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "team's specs/claims app.yaml"
    write(tmp_path, name, spec(2))
    for platform in ("github", "azure-devops"):
        document = generate(platform, [name])
        text = yaml.safe_dump(document)
        scripts = [step.get("run") or step.get("bash") or step.get("inputs", {}).get("inlineScript", "")
                   for step in _steps(document) if isinstance(step, dict)]
        words = [word for script in scripts for line in lines(script or "") for word in line]
        assert name in words and "team's specs/infra/main.bicep" in words, text


@pytest.mark.parametrize("folder", ["$(System.AccessToken)", "${{ secrets.X }}", "$[ variables.x ]"])
def test_a_spec_path_a_ci_system_would_evaluate_is_refused(tmp_path, monkeypatch, folder):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, f"{folder}/claims.yaml", spec(2))
    result = runner.invoke(cli.app, ["ci", "github", f"{folder}/claims.yaml"])
    assert result.exit_code == 2
    assert "cannot be named in a pipeline" in plain(result.output)
    assert not (tmp_path / ".github").exists()


def test_two_specs_of_one_resource_group_are_refused(repo):
    write(repo, "again/claims.yaml", spec(2).replace("environment: prod", "environment: dev"))
    result = runner.invoke(cli.app, ["ci", "github", "dev/claims.yaml", "again/claims.yaml"])
    assert result.exit_code == 2
    assert "dev/claims.yaml and again/claims.yaml both deploy to rg-claims-dev" in plain(result.output)


def test_an_invalid_spec_is_reported_where_it_is_and_nothing_is_written(repo):
    write(repo, "bad.yaml", spec(2).replace("tier: 2", "tier: 9"))
    result = runner.invoke(cli.app, ["ci", "github", "dev/claims.yaml", "bad.yaml"])
    assert result.exit_code == 1
    assert "bad.yaml:4:7: tier:" in plain(result.output)
    assert not (repo / ".github").exists()


def test_a_spec_outside_the_repository_is_a_usage_error(repo, tmp_path_factory):
    elsewhere = write(tmp_path_factory.mktemp("elsewhere"), "claims.yaml", spec(2))
    result = runner.invoke(cli.app, ["ci", "github", str(elsewhere)])
    assert result.exit_code == 2
    assert "is outside" in plain(result.output)


def test_out_names_the_top_of_the_repository(repo):
    os.chdir(repo / "dev")
    result = runner.invoke(cli.app, ["ci", "github", "claims.yaml", "--out", ".."])
    assert result.exit_code == 0, result.output
    workflow = yaml.safe_load((repo / ci.PATHS["github"]).read_text(encoding="utf-8"))
    assert lines(workflow["jobs"]["check"]["steps"][3]["run"]) == [["azoai-gen", "validate", "--strict", "--output",
                                                                     "github", "dev/claims.yaml"]]


def test_unknown_platform_is_a_usage_error_with_the_choices(repo):
    result = runner.invoke(cli.app, ["ci", "gitlab", "dev/claims.yaml"])
    assert result.exit_code == 2
    assert "unknown CI platform 'gitlab'" in plain(result.output) and "github or azure-devops" in plain(result.output)


def test_warnings_are_shown_because_the_pipeline_fails_on_them(repo):
    write(repo, "warned.yaml", tier5().replace("workload: claims", "workload: other"))
    result = runner.invoke(cli.app, ["ci", "github", "warned.yaml"])
    assert result.exit_code == 0
    output = plain(result.output)
    assert "warning: apiManagement.publisherEmail is not set" in output
    assert "--strict" in output


# ---------------------------------------------------------------------------------------------------------------------
# Writing: never a hand-edited or foreign file without --force, never through a link.


def test_writing_again_leaves_the_file_and_new_specs_update_it(repo):
    first = runner.invoke(cli.app, ["ci", "github", "dev/claims.yaml"])
    assert first.exit_code == 0
    # The result goes to stdout, what to do next to stderr.
    assert plain(first.stdout) == "wrote .github/workflows/azoai-gen.yml (1 spec)\n"
    assert "next: commit it" in plain(first.stderr)
    again = runner.invoke(cli.app, ["ci", "github", "dev/claims.yaml"])
    assert again.exit_code == 0 and "is already up to date" in plain(again.output)
    more = runner.invoke(cli.app, ["ci", "github", *SPECS])
    assert more.exit_code == 0 and "updated .github/workflows/azoai-gen.yml (2 specs)" in plain(more.output)


@pytest.mark.parametrize("platform", ["github", "azure-devops"])
def test_a_hand_edited_pipeline_is_replaced_only_with_force(repo, platform):
    path = repo / ci.PATHS[platform]
    generate(platform)
    edited = path.read_text(encoding="utf-8").replace("ubuntu-latest", "my-runner", 1)
    path.write_text(edited, encoding="utf-8")
    assert not ci.is_ours(edited.encode("utf-8"))
    result = runner.invoke(cli.app, ["ci", platform, *SPECS])
    assert result.exit_code == 1
    output = plain(result.output)
    assert "exists and azoai-gen did not write it, or it was edited since" in output and "--force" in output
    assert path.read_text(encoding="utf-8") == edited
    forced = runner.invoke(cli.app, ["ci", platform, *SPECS, "--force"])
    assert forced.exit_code == 0 and "replaced" in plain(forced.output)
    assert ci.is_ours(path.read_bytes())


def test_a_foreign_file_is_never_taken_for_ours(repo):
    path = repo / ci.PATHS["github"]
    path.parent.mkdir(parents=True)
    path.write_text("name: mine\n# azoai-gen checksum: sha256:" + "0" * 64 + "\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["ci", "github", *SPECS])
    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8").startswith("name: mine")


def test_a_link_is_replaced_with_force_and_never_written_through(repo, tmp_path_factory):
    target = tmp_path_factory.mktemp("elsewhere") / "workflow.yml"
    target.write_text("theirs\n", encoding="utf-8")
    path = repo / ci.PATHS["github"]
    path.parent.mkdir(parents=True)
    path.symlink_to(target)
    assert runner.invoke(cli.app, ["ci", "github", *SPECS]).exit_code == 1
    assert runner.invoke(cli.app, ["ci", "github", *SPECS, "--force"]).exit_code == 0
    assert target.read_text(encoding="utf-8") == "theirs\n"
    assert not path.is_symlink() and ci.is_ours(path.read_bytes())
    assert sorted(p.name for p in path.parent.iterdir()) == ["azoai-gen.yml"]


def test_the_checksum_recognises_exactly_the_generated_text():
    design = validate_text(spec(2), "claims.yaml").design
    text = ci.render(ci.pipeline("github", [("claims.yaml", "infra", design)]))
    data = text.encode("utf-8")
    assert ci.is_ours(data)
    assert not ci.is_ours(data.replace(b"main", b"dev", 1))
    assert not ci.is_ours(data + b"\n")
    assert not ci.is_ours(b"")


def test_ci_help_names_its_arguments():
    result = runner.invoke(cli.app, ["ci", "--help"])
    output = plain(result.output)
    assert result.exit_code == 0
    assert "PLATFORM" in output and "[SPEC]..." in output and "DIR" in output and "Example" in output


def test_examples_render_a_pipeline_each(tmp_path):
    """Every example spec, alone, gives a pipeline that parses on both platforms."""
    for example in sorted(EXAMPLES.glob("*.yaml")):
        design = validate_file(example).design
        for platform in ci.PATHS:
            document = yaml.safe_load(ci.render(ci.pipeline(platform, [(example.relative_to(ROOT).as_posix(),
                                                                         "examples/infra", design)])))
            assert document


def test_the_documentation_cites_every_action_task_and_input():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## CI pipelines\n", 1)[1].split("\n## ", 1)[0]
    cited = {}
    for row in section.splitlines():
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[2].startswith("http"):
            cited[cells[0].strip("`")] = set(re.findall(r"`([^`]+)`", cells[1]))
    assert cited == {**GITHUB_ACTIONS, **AZURE_TASKS}


# ---------------------------------------------------------------------------------------------------------------------
# A spec whose alerts call a webhook: main.bicepparam reads its URL from the environment when the deployment runs.

WEBHOOK = "monitoring:\n  alerts:\n    webhook:\n      urlEnvironmentVariable: OPS_HOOK_URL\n"


@pytest.fixture
def hooked(repo: Path) -> Path:
    write(repo, "prod/claims.yaml", tier5(extra="apiManagement:\n  publisherEmail: ops@contoso.com\n" + WEBHOOK))
    return repo


def test_github_deploys_with_the_webhook_secret_and_what_if_gets_a_stand_in(hooked):
    workflow = generate("github")
    text = (hooked / ci.PATHS["github"]).read_text(encoding="utf-8")
    deploy = workflow["jobs"]["deploy_claims_prod"]["steps"][-1]
    assert deploy["env"] == {"OPS_HOOK_URL": "${{ secrets.OPS_HOOK_URL }}"}
    assert "env" not in workflow["jobs"]["deploy_claims_dev"]["steps"][-1]
    what_if = workflow["jobs"]["what_if_claims_prod"]["steps"][-1]
    assert what_if["env"] == {"AZURE_CORE_NO_COLOR": "true", "OPS_HOOK_URL": ci.WHAT_IF_STAND_IN}
    assert set(re.findall(r"\$\{\{\s*([^}]*?)\s*\}\}", text)) == GITHUB_EXPRESSIONS | {"secrets.OPS_HOOK_URL"}
    assert "#      OPS_HOOK_URL\n" in text


def test_azure_devops_maps_the_webhook_secret_into_the_deployment_only(hooked):
    document = generate("azure-devops")
    text = (hooked / ci.PATHS["azure-devops"]).read_text(encoding="utf-8")
    prod = document["stages"][-1]["jobs"][0]["strategy"]["runOnce"]["deploy"]["steps"][1]
    assert prod["env"] == {"OPS_HOOK_URL": "$(OPS_HOOK_URL)"}
    dev = document["stages"][-2]["jobs"][0]["strategy"]["runOnce"]["deploy"]["steps"][1]
    assert "env" not in dev
    what_if = [job for job in document["stages"][1]["jobs"] if job["job"] == "what_if_claims_prod"][0]["steps"][1]
    assert what_if["env"] == {"AZURE_CORE_NO_COLOR": "true", "OPS_HOOK_URL": ci.WHAT_IF_STAND_IN}
    assert text.count("$(OPS_HOOK_URL)") == 1 and "#      OPS_HOOK_URL\n" in text
