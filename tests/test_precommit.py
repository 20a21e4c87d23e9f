"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit in a temporary repository.

pre-commit clones the hooks' repository at a commit and installs azoai-gen into a virtual environment of its own with
pip (from PyPI), so the test commits a copy of this checkout, points a user repository's .pre-commit-config.yaml at
it, and runs ``pre-commit run``: a valid spec passes, an invalid one fails with its located message, and a spec whose
committed Bicep is out of date fails the drift check. It is skipped only where pre-commit is not installed (it comes
with the test extras: pip install '.[test]').
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from _support import ROOT, spec

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install '.[test]')")

HOOKS = ROOT / ".pre-commit-hooks.yaml"
#: What pip needs to install azoai-gen from the hooks' repository.
PACKAGE = ["pyproject.toml", "hatch_build.py", "README.md", ".pre-commit-hooks.yaml", "azoai_gen", "templates", "schemas"]
GIT = ["git", "-c", "user.name=azoai-gen tests", "-c", "user.email=tests@azoai-gen.invalid", "-c", "commit.gpgsign=false",
       "-c", "init.defaultBranch=main"]


def git(folder: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=folder, check=True, capture_output=True, text=True).stdout.strip()


def test_the_hooks_file_is_a_valid_pre_commit_manifest():
    result = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert hooks["azoai-gen-validate"]["entry"] == "azoai-gen validate --strict"
    assert hooks["azoai-gen-render-check"]["entry"] == "azoai-gen render --check"
    assert {hook["language"] for hook in hooks.values()} == {"python"}
    assert not any(hook["pass_filenames"] for hook in hooks.values())


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory) -> tuple[Path, str]:
    """A git repository holding this checkout's package and hooks, and the commit to use."""
    folder = tmp_path_factory.mktemp("hooks")
    for name in PACKAGE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, folder / name)
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "hooks")
    return folder, git(folder, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory, hooks_repo) -> Path:
    """A user's repository with a valid spec, its committed render, and a config that runs both hooks on it."""
    folder = tmp_path_factory.mktemp("user")
    repo, rev = hooks_repo
    (folder / "claims.yaml").write_text(spec(2), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "azoai_gen", "render", "claims.yaml"], cwd=folder, check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    config = {"repos": [{"repo": str(repo), "rev": rev, "hooks": [
        {"id": "azoai-gen-validate", "args": ["claims.yaml"]},
        {"id": "azoai-gen-render-check", "args": ["claims.yaml"]},
    ]}]}
    (folder / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "claims")
    return folder


def pre_commit(folder: Path, hook: str) -> subprocess.CompletedProcess:
    """``pre-commit run HOOK --all-files``, with pre-commit's environments kept beside the repositories."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(folder.parent / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", hook, "--all-files"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=900)


def pre_commit_with_edit(folder: Path, hook: str, old: str, new: str) -> subprocess.CompletedProcess:
    """Run ``hook`` with ``old`` replaced by ``new`` in the spec, then put the spec back."""
    path = folder / "claims.yaml"
    valid = path.read_text(encoding="utf-8")
    path.write_text(valid.replace(old, new), encoding="utf-8")
    try:
        return pre_commit(folder, hook)
    finally:
        path.write_text(valid, encoding="utf-8")


def test_a_valid_spec_passes_the_validate_hook(user_repo):
    result = pre_commit(user_repo, "azoai-gen-validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "azoai-gen validate --strict" in result.stdout and "Passed" in result.stdout


def test_an_invalid_spec_fails_the_validate_hook_with_its_location(user_repo):
    result = pre_commit_with_edit(user_repo, "azoai-gen-validate", "tier: 2", "tier: 9")
    assert result.returncode == 1
    assert "Failed" in result.stdout
    assert "claims.yaml:4:7: tier:" in result.stdout


def test_committed_bicep_that_matches_the_spec_passes_the_drift_hook(user_repo):
    result = pre_commit(user_repo, "azoai-gen-render-check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "azoai-gen render --check" in result.stdout and "Passed" in result.stdout


def test_a_spec_changed_without_rendering_fails_the_drift_hook(user_repo):
    result = pre_commit_with_edit(user_repo, "azoai-gen-render-check", "capacity: 50", "capacity: 60")
    assert result.returncode == 1
    assert "Failed" in result.stdout
    assert "is out of date with the spec" in result.stdout and "main.bicepparam" in result.stdout
