"""Golden files: the rendered output of every example, compared byte for byte.

Set AZOAI_GEN_UPDATE_GOLDEN=1 to rewrite them after an intended change (see golden/README.md).
"""

from __future__ import annotations

import os
import shutil

import pytest

from _support import EXAMPLE_SPECS, GOLDEN, render_bytes, snapshot

UPDATE = os.environ.get("AZOAI_GEN_UPDATE_GOLDEN") == "1"


def test_there_are_examples():
    assert {p.name for p in EXAMPLE_SPECS} >= {"tier1.yaml", "tier2.yaml"}


@pytest.mark.parametrize("example", EXAMPLE_SPECS, ids=lambda p: p.stem)
def test_example_matches_golden_files(example):
    files = render_bytes(example)
    folder = GOLDEN / example.stem
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
            f"{example.stem}/{path} differs from the golden file; if the change is intended, "
            "rerun with AZOAI_GEN_UPDATE_GOLDEN=1 and review the diff")


def test_every_golden_folder_belongs_to_an_example():
    stems = {p.stem for p in EXAMPLE_SPECS}
    folders = {p.name for p in GOLDEN.iterdir() if p.is_dir()}
    if UPDATE:
        for stale in folders - stems:
            shutil.rmtree(GOLDEN / stale)
        folders &= stems
    assert folders == stems
