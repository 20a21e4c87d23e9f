"""A hostile file system: links planted in the output folder, tampered manifests, files that are not ours, odd
output folders, and temporary names that someone could predict. Every case is planted on disk for real."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _support import MANIFEST, ROOT, SCHEMA, plain, render_bytes, render_path, snapshot, spec
from azoai_gen import api, cli, manifest
from azoai_gen import write as writer
from azoai_gen.errors import AzoaiError, ConflictError, OutputError

MODES = [{}, {"force": True}, {"check": True}, {"dry_run": True}]
MODE_IDS = ["render", "force", "check", "dry-run"]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the output folder, with a file that must survive everything."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "precious.txt").write_text("precious\n", encoding="utf-8")
    return folder


def run(*args: object):
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    return result, plain(result.output)


def to_tier_2(spec_path: Path) -> None:
    """Change the spec so that a render updates files and deletes modules/keyvault.bicep."""
    spec_path.write_text(spec(2), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------------
# Links anywhere on the way.


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_modules_folder_that_is_a_link_is_refused_and_nothing_is_written_or_deleted_there(
        spec_path, out, elsewhere, mode):
    api.render_spec(spec_path, out)
    # The modules move elsewhere, unchanged (so their hashes still match the manifest), and a link takes their place.
    for module in (out / "modules").iterdir():
        module.rename(elsewhere / module.name)
    (out / "modules").rmdir()
    (out / "modules").symlink_to(elsewhere, target_is_directory=True)
    to_tier_2(spec_path)
    before, outside = snapshot(out), snapshot(elsewhere)
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, out, **mode)
    assert info.value.message == f"{out / 'modules'} is a symbolic link; azoai-gen never reads, writes or deletes " \
                                 "through a link"
    assert "remove the link" in info.value.hint
    # keyvault.bicep, which tier 2 no longer generates, is still there, and so is everything else.
    assert snapshot(elsewhere) == outside
    assert "keyvault.bicep" in outside
    assert snapshot(out) == before


@pytest.mark.parametrize("force", [False, True])
def test_a_tampered_manifest_entry_under_a_link_never_deletes_outside_the_folder(spec_path, out, elsewhere, force):
    api.render_spec(spec_path, out)
    (out / "evil").symlink_to(elsewhere, target_is_directory=True)
    recorded = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    recorded["files"]["evil/precious.txt"] = manifest.sha256(b"precious\n")
    (out / MANIFEST).write_text(json.dumps(recorded), encoding="utf-8")
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, out, force=force)
    assert "evil is a symbolic link" in info.value.message
    assert (elsewhere / "precious.txt").read_text(encoding="utf-8") == "precious\n"


@pytest.mark.parametrize("force", [False, True])
def test_tampered_manifest_entries_that_leave_the_folder_are_ignored(spec_path, out, elsewhere, force):
    api.render_spec(spec_path, out)
    recorded = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for entry in ("../elsewhere/precious.txt", f"{elsewhere}/precious.txt", "modules/../../elsewhere/precious.txt",
                  "./../elsewhere/precious.txt", "modules//../../elsewhere/precious.txt"):
        recorded["files"][entry] = manifest.sha256(b"precious\n")
    (out / MANIFEST).write_text(json.dumps(recorded), encoding="utf-8")
    to_tier_2(spec_path)
    outcome = api.render_spec(spec_path, out, force=force)
    assert (elsewhere / "precious.txt").read_text(encoding="utf-8") == "precious\n"
    assert all("precious" not in c.path for c in outcome.plan.changes)
    assert snapshot(out) == render_bytes(spec_path)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_generated_file_that_is_a_link_is_refused(spec_path, out, elsewhere, mode):
    api.render_spec(spec_path, out)
    target = elsewhere / "precious.txt"
    (out / "main.bicepparam").unlink()
    (out / "main.bicepparam").symlink_to(target)
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, out, **mode)
    assert "main.bicepparam is a symbolic link" in info.value.message
    assert target.read_text(encoding="utf-8") == "precious\n"
    assert (out / "main.bicepparam").is_symlink()


def test_a_dangling_link_at_a_generated_name_is_refused(spec_path, out, tmp_path):
    out.mkdir()
    (out / "main.bicep").symlink_to(tmp_path / "would-be-created.txt")
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, out, force=True)
    assert "main.bicep is a symbolic link" in info.value.message
    assert not (tmp_path / "would-be-created.txt").exists()


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_an_output_folder_that_is_a_link_is_refused(spec_path, tmp_path, elsewhere, mode):
    link = tmp_path / "infra"
    link.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, link, **mode)
    assert info.value.message == f"{link} is a symbolic link; azoai-gen never writes through a link"
    assert snapshot(elsewhere) == {"precious.txt": b"precious\n"}


def test_a_fifo_at_a_generated_name_is_refused_without_waiting(spec_path, out):
    out.mkdir()
    os.mkfifo(out / "README.md")
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, out, force=True)
    assert "README.md exists and is not a file" in info.value.message


# ---------------------------------------------------------------------------------------------------------------------
# --force touches only files the manifest says azoai-gen generated.


def test_force_never_overwrites_a_readme_that_azoai_gen_did_not_write(spec_path, out):
    out.mkdir()
    (out / "README.md").write_text("# My project\n", encoding="utf-8")
    for force in (False, True):
        with pytest.raises(ConflictError) as info:
            api.render_spec(spec_path, out, force=force)
        assert info.value.paths == ["README.md"]
        # The way out is another folder: --force would not help, so the hint does not mention it.
        assert info.value.hint == (f"README.md is not written by azoai-gen: choose another --out, or move it out of "
                                   f"{out}; then render again")
    assert snapshot(out) == {"README.md": b"# My project\n"}
    plan = writer.plan(out, {"README.md": "generated\n"}, force=True)
    assert [(c.action, c.reason, c.forceable) for c in plan.changes] == [
        (writer.CONFLICT, "not written by azoai-gen", False)]


def test_force_overwrites_a_hand_edit_but_not_a_foreign_file_in_the_same_render(spec_path, out):
    api.render_spec(spec_path, out)
    (out / "main.bicep").write_text("edited\n", encoding="utf-8")
    recorded = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    del recorded["files"]["README.md"]  # as if README.md had been the user's all along
    (out / MANIFEST).write_text(json.dumps(recorded), encoding="utf-8")
    (out / "README.md").write_text("mine\n", encoding="utf-8")
    with pytest.raises(ConflictError) as info:
        api.render_spec(spec_path, out, force=True)
    assert info.value.paths == ["README.md"]
    assert "for the files edited by hand" not in info.value.hint
    assert (out / "main.bicep").read_text(encoding="utf-8") == "edited\n"
    (out / "README.md").unlink()
    api.render_spec(spec_path, out, force=True)
    assert snapshot(out) == render_bytes(spec_path)


def test_a_spec_saved_under_a_generated_name_is_never_overwritten(tmp_path, out):
    out.mkdir()
    saved = out / "main.bicepparam"
    saved.write_text(spec(1), encoding="utf-8")
    for force in (False, True):
        with pytest.raises(ConflictError) as info:
            api.render_spec(saved, out, force=force)
        assert info.value.paths == ["main.bicepparam"]
    assert saved.read_text(encoding="utf-8") == spec(1)


def test_a_spec_saved_over_a_generated_file_is_neither_overwritten_nor_deleted(tmp_path, out):
    """Even where the manifest lists the path: the spec being rendered is never touched."""
    first = tmp_path / "spec.yaml"
    first.write_text(spec(1), encoding="utf-8")
    api.render_spec(first, out)
    # Saved over a file that the next render rewrites ...
    saved = out / "README.md"
    saved.write_text(spec(1, replace={"capacity: 50": "capacity: 60"}), encoding="utf-8")
    with pytest.raises(ConflictError) as info:
        api.render_spec(saved, out, force=True)
    assert info.value.paths == ["README.md"]
    plan = writer.plan(out, render_path(saved), force=True, spec=saved)
    assert [(c.reason, c.forceable) for c in plan.conflicts] == [("the spec being rendered", False)]
    # ... and over one that it no longer generates: it stays, and the new manifest no longer lists it.
    saved.write_text(render_path(first)["README.md"], encoding="utf-8")
    kept = out / "modules" / "keyvault.bicep"
    kept.write_text(spec(2), encoding="utf-8")
    outcome = api.render_spec(kept, out, force=True)
    assert all(c.path != "modules/keyvault.bicep" for c in outcome.plan.changes)
    assert kept.read_text(encoding="utf-8") == spec(2)
    assert "modules/keyvault.bicep" not in json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]


# ---------------------------------------------------------------------------------------------------------------------
# Folders that are not an output folder.


def test_the_root_folder_is_refused(spec_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the root folder must be refused before anything is locked or written")

    monkeypatch.setattr(writer, "_lock", never)
    for mode in MODES:
        with pytest.raises(OutputError) as info:
            api.render_spec(spec_path, "/", **mode)
        assert info.value.message == "/ is the root folder; azoai-gen renders only into a folder of its own"
        assert "--out infra" in info.value.hint


def test_a_home_folder_and_the_folder_holding_it_are_refused(spec_path, tmp_path, monkeypatch):
    home = tmp_path / "home" / "ana"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, home)
    assert info.value.message == f"{home} is a home folder; azoai-gen renders only into a folder of its own"
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, tmp_path / "home")
    assert info.value.message == (f"{tmp_path / 'home'} is a folder that holds a home folder ({home}); azoai-gen "
                                  "renders only into a folder of its own")
    assert snapshot(tmp_path / "home") == {}
    # A folder inside the home folder is fine.
    api.render_spec(spec_path, home / "claims" / "infra")
    assert snapshot(home / "claims" / "infra") == render_bytes(spec_path)


@pytest.mark.parametrize("git", ["folder", "file"])
def test_the_top_of_the_specs_work_tree_is_refused(tmp_path, git):
    repo = tmp_path / "repo"
    (repo / "deploy").mkdir(parents=True)
    if git == "folder":
        (repo / ".git").mkdir()
    else:  # a linked work tree or a submodule
        (repo / ".git").write_text("gitdir: /somewhere/else\n", encoding="utf-8")
    spec_path = repo / "deploy" / "claims.yaml"
    spec_path.write_text(spec(1), encoding="utf-8")
    for folder in (repo, tmp_path):
        with pytest.raises(OutputError) as info:
            api.render_spec(spec_path, folder)
        assert "the top of the git work tree that holds the spec" in info.value.message
    assert sorted(p.name for p in repo.iterdir()) == [".git", "deploy"]
    # Beside the spec, or anywhere else inside the repository, is fine.
    api.render_spec(spec_path)
    api.render_spec(spec_path, repo / "infra")
    assert snapshot(repo / "infra") == render_bytes(spec_path)


def test_a_refused_folder_that_holds_our_manifest_already_is_fine(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    spec_path = repo / "claims.yaml"
    spec_path.write_text(spec(1), encoding="utf-8")
    api.render_spec(spec_path, repo)  # not a repository yet
    (repo / ".git").mkdir()
    to_tier_2(spec_path)
    outcome = api.render_spec(spec_path, repo)
    assert outcome.written
    # A file that merely has the manifest's name does not count.
    other = tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    (other / MANIFEST).write_text('{"files": {}}\n', encoding="utf-8")
    (other / "claims.yaml").write_text(spec(1), encoding="utf-8")
    with pytest.raises(OutputError):
        api.render_spec(other / "claims.yaml", other)


def test_an_empty_out_is_a_usage_error(spec_path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result, output = run("render", spec_path, "--out", "")
    assert result.exit_code == 2
    assert "error: --out is empty" in output
    assert "--out infra" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


# ---------------------------------------------------------------------------------------------------------------------
# Temporary files: unpredictable names, created exclusively, one writer for init and render.


def test_links_planted_at_predictable_temporary_names_are_never_written_through(spec_path, out, elsewhere):
    api.render_spec(spec_path, out)
    victim = elsewhere / "precious.txt"
    for name in ("main.bicep", "main.bicepparam", "README.md", MANIFEST, writer.JOURNAL):
        (out / f".{name}.tmp").symlink_to(victim)
    to_tier_2(spec_path)
    api.render_spec(spec_path, out)
    assert victim.read_text(encoding="utf-8") == "precious\n"
    # The links are not ours: they stay, untouched, beside the render.
    assert {p.name for p in out.iterdir() if p.is_symlink()} == {
        ".main.bicep.tmp", ".main.bicepparam.tmp", ".README.md.tmp", f".{MANIFEST}.tmp", f".{writer.JOURNAL}.tmp"}
    assert {p: d for p, d in snapshot(out).items() if not (out / p).is_symlink()} == render_bytes(spec_path)


def test_a_temporary_name_is_never_reused_even_if_it_were_guessed(spec_path, out, elsewhere, monkeypatch):
    api.render_spec(spec_path, out)
    victim = elsewhere / "precious.txt"
    monkeypatch.setattr(writer, "_token", lambda: "0" * 16)
    guessed = out / f".{writer.JOURNAL}.azoai-gen-{'0' * 16}.tmp"
    guessed.symlink_to(victim)
    to_tier_2(spec_path)
    before = snapshot(out)
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, out)
    assert "File exists" in info.value.message
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert guessed.is_symlink()
    assert snapshot(out) == before


def test_temporary_names_are_random_and_follow_one_pattern(spec_path, out, monkeypatch):
    names: list[str] = []
    monkeypatch.setattr(writer, "_checkpoint", lambda step: names.append(step.split(" ", 1)[1])
                        if step.startswith("created ") else None)
    api.render_spec(spec_path, out)
    first = list(names)
    names.clear()
    api.render_spec(spec_path, out, force=True)  # nothing to write
    assert names == []
    to_tier_2(spec_path)
    api.render_spec(spec_path, out)
    assert all(writer._TEMP.fullmatch(name) for name in first + names)
    assert len(set(first + names)) == len(first + names)


def test_init_never_writes_through_a_link_at_its_old_temporary_names(tmp_path, elsewhere):
    victim = elsewhere / "precious.txt"
    target = tmp_path / "azoai-gen.yaml"
    for name in (".azoai-gen.yaml.tmp", ".azoai-gen.schema.json.tmp"):
        (tmp_path / name).symlink_to(victim)
    result, output = run("init", target, "--no-input")
    assert result.exit_code == 0, output
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert (tmp_path / "azoai-gen.schema.json").read_text(encoding="utf-8") == SCHEMA.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".azoai-gen.yaml.tmp", ".azoai-gen.schema.json.tmp", "azoai-gen.yaml", "azoai-gen.schema.json", "elsewhere"])


def test_init_does_not_replace_a_schema_that_differs_without_force(tmp_path):
    schema = tmp_path / "azoai-gen.schema.json"
    schema.write_text('{"my": "schema"}\n', encoding="utf-8")
    target = tmp_path / "claims.yaml"
    result, output = run("init", target, "--no-input")
    assert result.exit_code == 1
    assert f"{schema} already exists and differs from this version's" in output
    assert "--force" in output
    assert schema.read_text(encoding="utf-8") == '{"my": "schema"}\n'
    assert not target.exists()  # nothing at all was written
    result, output = run("init", target, "--no-input", "--force")
    assert result.exit_code == 0, output
    assert schema.read_text(encoding="utf-8") == SCHEMA.read_text(encoding="utf-8")


def test_init_leaves_a_schema_that_is_already_this_versions(tmp_path):
    run("init", tmp_path / "first.yaml", "--no-input")
    schema = tmp_path / "azoai-gen.schema.json"
    inode = schema.stat().st_ino
    result, output = run("init", tmp_path / "second.yaml", "--no-input")
    assert result.exit_code == 0, output
    assert schema.stat().st_ino == inode


def test_init_replaces_a_link_at_the_spec_path_only_with_force_and_never_writes_through_it(tmp_path, elsewhere):
    victim = elsewhere / "precious.txt"
    target = tmp_path / "claims.yaml"
    target.symlink_to(victim)
    result, output = run("init", target, "--no-input")
    assert result.exit_code == 1
    assert "already exists" in output
    result, output = run("init", target, "--no-input", "--force")
    assert result.exit_code == 0, output
    assert not target.is_symlink()
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_init_refuses_an_empty_spec_path(tmp_path, monkeypatch):
    """An empty path is not the current folder (a folder gets azoai-gen.yaml written inside it: tests/test_init.py)."""
    monkeypatch.chdir(tmp_path)
    for extra in ([], ["--force"]):
        result, output = run("init", "", "--no-input", *extra)
        assert result.exit_code == 2
        assert "the spec path is empty" in output
    assert list(tmp_path.iterdir()) == []


def test_init_creates_the_spec_only_if_nothing_appeared_meanwhile(tmp_path, monkeypatch):
    """Between init's check and its write, a file appears at the spec's path: it is kept, not replaced."""
    target = tmp_path / "claims.yaml"

    def appear(step: str) -> None:
        if step.startswith("staged ") and not target.exists():
            target.write_text("mine\n", encoding="utf-8")

    monkeypatch.setattr(writer, "_checkpoint", appear)
    with pytest.raises(AzoaiError) as info:
        api.init_spec(target, tier=2, regions=["swedencentral"], workload="app", environment="dev")
    assert info.value.message == f"{target} already exists"
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.yaml"]


# Calls that write, rename or delete on disk. Only azoai_gen/write.py makes them.
_WRITING_CALLS = {"write_text", "write_bytes", "mkdir", "makedirs", "unlink", "rmdir", "link", "symlink_to", "symlink",
                  "mkstemp", "mkdtemp", "NamedTemporaryFile", "chmod", "fchmod", "touch", "rmtree", "copy", "move",
                  "mkfifo", "truncate"}


def writing_calls(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            # os.replace(a, b) and Path.replace(b) rename files; str.replace(old, new) is text.
            renames = isinstance(node.func, ast.Attribute) and name in ("replace", "rename") and (
                len(node.args) == 1 or getattr(node.func.value, "id", "") == "os")
            if name in _WRITING_CALLS or renames:
                found.append(f"line {node.lineno}: {name}")
            if name == "open" and any(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                      and set(a.value) & set("wax+") for a in node.args[1:]):
                found.append(f"line {node.lineno}: open for writing")
    return found


def test_the_writing_call_finder_finds_writes():
    assert writing_calls("p.write_text('x')\nos.replace(a, b)\nopen(p, 'w')\nopen(p)\ntemp.replace(p)\n"
                         "text.replace('a', 'b')\n") == [
        "line 1: write_text", "line 2: replace", "line 3: open for writing", "line 5: replace"]


@pytest.mark.parametrize("path", sorted((ROOT / "azoai_gen").rglob("*.py")), ids=lambda p: p.name)
def test_only_the_writer_touches_the_disk(path):
    if path == ROOT / "azoai_gen" / "write.py":
        return
    assert writing_calls(path.read_text(encoding="utf-8")) == []
