"""The fuzz harness (fuzz/harness.py): it finds what it is meant to find, and a small run over the corpus.

The harness's own checks are tested with planted faults: an escaper that raises, one that never returns, and one
that lets a value through unescaped. The run over the corpus must find nothing; see docs/fuzzing.md.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from _support import ROOT, SCHEMA

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fuzz import harness, hostile, outputs  # noqa: E402
from fuzz.fields import walk  # noqa: E402

BICEP_CHECK = os.environ.get(harness.BICEP_CHECK_ENV)


def _run(tmp_path, **options) -> dict:
    settings = harness.Settings(work=tmp_path, cli_every=0, **options)
    tally, fields, seconds = harness.run(settings)
    return harness.report(settings, tally, fields, seconds)


def _details(result: dict, kind: str) -> list[str]:
    return [e["detail"] for g in result["groups"] for e in g["examples"] if e["kind"] == kind]


# ---------------------------------------------------------------------------------------------------------------------
# The schema walk


def test_every_leaf_of_the_schema_is_a_field():
    names = {f.name for f in walk(json.loads(SCHEMA.read_text(encoding="utf-8")))}
    assert {"workload", "tags.{key}", "tags.{value}", "regions[].location", "regions[].app.privateLink.resourceId",
            "deployments[].name", "access.principals[].description", "apiManagement.oauth.audiences[]",
            "openai.allowedFqdns[]", "network.privateDnsZoneIds.openai", "naming.suffix",
            "openai.contentFilters[].prompt.hate.threshold", "openai.blocklists[].items[].term"} <= names
    assert len(names) == 123


def test_a_new_field_is_found_without_changing_the_harness():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    extended = copy.deepcopy(schema)
    extended["$defs"]["deployment"]["properties"]["note"] = {"type": "string"}
    extended["properties"]["labels"] = {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"},
                                        "additionalProperties": {"type": "array", "items": {"type": "string"}}}
    added = {f.name for f in walk(extended)} - {f.name for f in walk(schema)}
    assert added == {"deployments[].note", "labels.{key}", "labels.{value}[]"}


# ---------------------------------------------------------------------------------------------------------------------
# The writer of hostile specs and the readers of rendered files


def test_every_hostile_text_reads_back_exactly_from_the_spec():
    for text in hostile.STRINGS:
        assert yaml.safe_load("v: " + hostile.quoted(text))["v"] == text, repr(text)


def test_plain_scalars_mean_what_yaml_1_2_says():
    assert [hostile.yaml12(t) for t in ["no", "0777", "0o17", "1:30", "0x1F", "~", "True", "1e3", "2024-11-20"]] == \
        ["no", 777, 15, "1:30", 31, None, True, 1000.0, "2024-11-20"]
    assert hostile.yaml12("9" * 5000) > 10 ** 20


def test_the_bicep_reader_sees_a_string_that_breaks_out():
    good = outputs.read_bicep("param tags = {\n  'k\\n': 'v'\n}\n")
    assert ("string", "k\n") in good.atoms
    assert good.skeleton == ["param tags = {", "K: ''", "}"]
    broken = outputs.read_bicep("param tags = {\n  k\n: 'v'\n}\n")
    assert broken.skeleton != good.skeleton
    with pytest.raises(outputs.Broken):
        outputs.read_bicep("param x = 'a\nb'\n")
    with pytest.raises(outputs.Broken):
        outputs.read("main.bicepparam", "param tags = {\n  k\n: 'v'\n}\n")


def test_the_policy_reader_sees_named_values_and_expressions():
    reading = outputs.read_policy('<a x="@(context.Request.Url)"><b>{{ 7*7 }}</b><c>@("lit")</c></a>')
    assert reading.skeleton[0][1][0][1][0] == "expression"
    assert reading.skeleton[1][2] == ("literal", (" 7*7 ",))
    assert reading.skeleton[2][2] == ("literal", ())
    assert ("text", "lit") in reading.atoms
    with pytest.raises(outputs.Broken):
        outputs.read_policy("<a>\ufffe</a>")


def test_the_markdown_reader_reads_escapes_code_spans_cells_and_shell_words():
    reading = outputs.read_markdown("| `a|b` | x\\*y &amp; z |\n\n```bash\naz x --name 'a b' \"$c\"\n```\n")
    assert reading.skeleton == [("row", 3), ("fence", "bash"), ("command", 5), ("end",)]
    assert ("text", "x*y & z") in reading.atoms and ("shell", "a b") in reading.atoms
    assert outputs.inline("`` `owner ``") == "`owner"
    with pytest.raises(outputs.Broken):
        outputs.read_markdown("```bash\naz x 'open\n```\n")


# ---------------------------------------------------------------------------------------------------------------------
# Planted faults: the harness finds them


@pytest.fixture
def plant(monkeypatch):
    """Replace the Bicep string escaper; the Jinja filters call it at every use."""
    from azoai_gen import escape

    original = escape.bicep_string_body

    def _plant(behaviour):
        monkeypatch.setattr(escape, "bicep_string_body", lambda value: behaviour(value, original))

    return _plant


def test_it_finds_a_planted_traceback(tmp_path, plant):
    def fail(value, original):
        if "planted-fault" in value:
            raise RuntimeError("planted in the escaper")
        return original(value)

    plant(fail)
    result = _run(tmp_path, specs=3, seed=1, fields=("tags.{value}",), values=("planted-fault",))
    details = _details(result, "traceback")
    assert details and all("render: RuntimeError: planted in the escaper (azoai_gen/escape.py:" in d for d in details)
    assert result["findings"]["traceback"] == 3  # render only: validate prints nothing


def test_it_finds_a_planted_hang_and_goes_on(tmp_path, plant):
    def hang(value, original):
        if "planted-fault" in value:
            time.sleep(60)
        return original(value)

    plant(hang)
    started = time.monotonic()
    result = _run(tmp_path, specs=2, seed=1, fields=("tags.{value}",), values=("planted-fault",), time_limit=0.5)
    assert time.monotonic() - started < 20
    assert result["findings"]["hang"] == 2  # render, for both specs: validate prints nothing
    assert result["outcomes"] == {"failed": 2}


def test_it_finds_a_planted_value_that_becomes_code(tmp_path, plant):
    plant(lambda value, original: value)  # no escaping at all
    result = _run(tmp_path, specs=4, seed=1, fields=("tags.{value}",),
                  values=("x' } resource evil 'Microsoft.Storage/storageAccounts@2023-05-01' = { name: '",
                          "O'Brien"))
    assert result["findings"]["code"] >= 4
    assert any("main.bicepparam" in d for d in _details(result, "code"))


def test_it_finds_a_planted_value_that_changes(tmp_path, plant):
    plant(lambda value, original: original(value.replace("q", "")))
    result = _run(tmp_path, specs=2, seed=1, fields=("tags.{value}",), values=("quiet",))
    assert result["findings"]["value"] == 2
    assert all("does not reappear intact" in d for d in _details(result, "value"))
    assert result["findings"]["code"] == 0


def test_it_finds_a_planted_raw_character(tmp_path, plant):
    plant(lambda value, original: original(value.replace("planted", "")) + ("\u202e" if "planted" in value else ""))
    result = _run(tmp_path, specs=2, seed=1, fields=("tags.{value}",), values=("a-planted",))
    assert result["findings"]["raw"] == 2
    assert "RIGHT-TO-LEFT OVERRIDE" in _details(result, "raw")[0]


def test_it_finds_text_that_acts_on_the_terminal(tmp_path, monkeypatch):
    from azoai_gen import cli

    monkeypatch.setattr(cli, "shown", lambda text: text)
    result = _run(tmp_path, specs=2, seed=1, fields=("tags.{key}",), values=("\x1b[2J<",))
    assert result["findings"]["terminal"] >= 2
    assert "U+001B" in _details(result, "terminal")[0]


def test_a_benign_value_finds_nothing(tmp_path):
    result = _run(tmp_path, specs=6, seed=1, fields=("tags.{value}", "apiManagement.oauth.audiences[]"),
                  values=("plain words", "api://claims-other"))
    assert sum(result["findings"].values()) == 0, result["groups"]
    assert result["outcomes"] == {"accepted": 6}


# ---------------------------------------------------------------------------------------------------------------------
# The corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    """300 specs of the default mix (hostile values in every field, mutated examples, hostile file names), with one
    call of the Bicep checker when AZOAI_GEN_BICEP_CHECK names one."""
    settings = harness.Settings(specs=300, seed=0, work=tmp_path_factory.mktemp("fuzz"), cli_every=100,
                                bicep_check=BICEP_CHECK, batch=300)
    tally, fields, seconds = harness.run(settings)
    return harness.report(settings, tally, fields, seconds)


def test_the_corpus_run_covers_every_field_of_the_schema(corpus):
    coverage = corpus["coverage"]
    assert coverage["notInjected"] == []
    assert coverage["neverRenderedWithABenignValue"] == []
    assert corpus["processRuns"] == 3
    assert corpus["outcomes"].get("accepted", 0) > 30


def test_the_corpus_run_finds_nothing(corpus):
    found = {kind: count for kind, count in corpus["findings"].items() if count}
    assert found == {}, harness.summary(corpus)


def test_the_command_line_writes_a_report(tmp_path):
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    result = subprocess.run([sys.executable, str(ROOT / "fuzz" / "harness.py"), "--specs", "4", "--seed", "5",
                             "--report", str(report), "--work", str(tmp_path), "--process-every", "0"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode in (0, 1), result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["specs"] == 4 and data["seed"] == 5
    assert set(data["findings"]) == set(harness.KINDS)
    assert result.stdout.startswith("4 specs (seed 5)")
    assert result.returncode == (1 if sum(data["findings"].values()) else 0)
    assert list(tmp_path.iterdir()) == [report]


@pytest.mark.skipif(not BICEP_CHECK, reason=f"set {harness.BICEP_CHECK_ENV} to the offline Bicep checker")
def test_the_bicep_checker_sees_a_planted_break(tmp_path, plant):
    plant(lambda value, original: value)  # no escaping at all
    result = _run(tmp_path, specs=2, seed=1, fields=("tags.{value}",), values=("O'Brien",), bicep_check=BICEP_CHECK)
    assert result["bicepCheck"]["folders"] == 2
    assert result["findings"]["bicep"] >= 2
    assert any("BC001" in d and "main.bicepparam" in d for d in _details(result, "bicep"))
