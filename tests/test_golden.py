"""Golden files: the rendered output of every example, and the CI pipelines of a few sets of specs, compared byte
for byte.

Set AZOAI_GEN_UPDATE_GOLDEN=1 to rewrite them after an intended change (see golden/README.md).
"""

from __future__ import annotations

import os
import posixpath
import shutil

import pytest

from _support import EXAMPLE_SPECS, EXAMPLES, GOLDEN, render_bytes, snapshot

UPDATE = os.environ.get("AZOAI_GEN_UPDATE_GOLDEN") == "1"


def test_there_are_examples():
    assert {p.name for p in EXAMPLE_SPECS} >= {"tier1.yaml", "tier2.yaml"}


@pytest.mark.parametrize("example", EXAMPLE_SPECS, ids=lambda p: p.stem)
def test_example_matches_golden_files(example):
    matches_golden(render_bytes(example), GOLDEN / example.stem, example.stem)


def test_every_golden_folder_belongs_to_an_example():
    stems = {p.stem for p in EXAMPLE_SPECS}
    folders = {p.name for p in GOLDEN.iterdir() if p.is_dir()} - {CI}
    if UPDATE:
        for stale in folders - stems:
            shutil.rmtree(GOLDEN / stale)
        folders &= stems
    assert folders == stems


# ---------------------------------------------------------------------------------------------------------------------
# CI pipelines: golden/ci/<case>/ holds the pipeline file of each platform for the case's specs, at the path where
# azoai-gen ci writes it in the repository.

CI = "ci"


def _example(name: str, **replace: str) -> str:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


#: case -> (spec path in the repository, spec text), in deployment order.
CI_CASES = {
    "one-spec": [("azoai-gen.yaml", _example("tier2.yaml"))],
    "three-specs": [
        ("dev/claims.yaml", _example("tier2.yaml", **{"environment: prod": "environment: dev"})),
        ("prod/claims.yaml", _example("tier5.yaml")),
        ("search/prod.yaml", _example("tier3-byo-network.yaml", **{"workload: claims": "workload: search"})),
    ],
}


def ci_files(case: str) -> dict[str, bytes]:
    from azoai_gen import ci
    from azoai_gen.pipeline import validate_text

    specs = [(path, posixpath.join(posixpath.dirname(path), "infra"),
              validate_text(text, posixpath.basename(path)).design) for path, text in CI_CASES[case]]
    return {ci.PATHS[platform]: ci.render(ci.pipeline(platform, specs)).encode("utf-8") for platform in ci.PATHS}


@pytest.mark.parametrize("case", sorted(CI_CASES))
def test_ci_pipelines_match_golden_files(case):
    matches_golden(ci_files(case), GOLDEN / CI / case, f"ci/{case}")


def test_every_ci_golden_folder_is_a_case():
    folders = {p.name for p in (GOLDEN / CI).iterdir() if p.is_dir()}
    if UPDATE:
        for stale in folders - set(CI_CASES):
            shutil.rmtree(GOLDEN / CI / stale)
        folders &= set(CI_CASES)
    assert folders == set(CI_CASES)


def matches_golden(files: dict, folder, label: str) -> None:
    """Assert that ``files`` are the golden files in ``folder``, byte for byte; with AZOAI_GEN_UPDATE_GOLDEN=1,
    write them there first."""
    if UPDATE:
        shutil.rmtree(folder, ignore_errors=True)
        for path, data in files.items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    expected = snapshot(folder)
    assert expected, f"no golden files in {folder}; run with AZOAI_GEN_UPDATE_GOLDEN=1"
    assert sorted(files) == sorted(expected)
    for path in sorted(files):
        assert files[path] == expected[path], (
            f"{label}/{path} differs from the golden file; if the change is intended, "
            "rerun with AZOAI_GEN_UPDATE_GOLDEN=1 and review the diff")
