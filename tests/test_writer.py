"""Writing the output folder: plan, conflicts, deletions, check, dry run and failure safety."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from _support import MANIFEST, render_bytes, render_path, snapshot, spec, tier5
from azoai_gen import api, manifest
from azoai_gen import write as writer
from azoai_gen.errors import ConflictError, DriftError, OutputError, RenameError, SpecError


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def actions(outcome) -> dict[str, str]:
    return {c.path: c.action for c in outcome.plan.changes}


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]


def set_capacity(spec_path: Path, capacity: int) -> None:
    text = spec_path.read_text(encoding="utf-8")
    lines = [f"    capacity: {capacity}" if line.startswith("    capacity:") else line for line in text.splitlines()]
    spec_path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_first_render_creates_every_file(spec_path, out):
    outcome = api.render_spec(spec_path, out)
    assert outcome.written
    assert outcome.tier == 1
    assert set(actions(outcome).values()) == {writer.CREATE}
    assert snapshot(out) == render_bytes(spec_path)
    assert all(c.added > 0 for c in outcome.plan.changes)


def test_default_output_folder_is_infra_beside_the_spec(spec_path):
    outcome = api.render_spec(spec_path)
    assert outcome.out_dir == spec_path.parent / "infra"
    assert snapshot(spec_path.parent / "infra") == render_bytes(spec_path)


def test_second_render_changes_nothing(spec_path, out):
    api.render_spec(spec_path, out)
    before = {p: (out / p).stat().st_ino for p in snapshot(out)}
    outcome = api.render_spec(spec_path, out)
    assert set(actions(outcome).values()) == {writer.IDENTICAL}
    assert outcome.plan.pending == []
    # Not even rewritten with the same bytes.
    assert {p: (out / p).stat().st_ino for p in snapshot(out)} == before


def test_spec_change_updates_the_files_that_change(spec_path, out):
    api.render_spec(spec_path, out)
    set_capacity(spec_path, 60)
    outcome = api.render_spec(spec_path, out)
    changed = {p for p, a in actions(outcome).items() if a == writer.UPDATE}
    # main.bicep too: the token alert's threshold follows the capacity.
    assert changed == {"main.bicepparam", "main.bicep", "README.md", MANIFEST}
    param_change = next(c for c in outcome.plan.changes if c.path == "main.bicepparam")
    assert (param_change.added, param_change.removed) == (1, 1)
    assert snapshot(out) == render_bytes(spec_path)


def test_hand_edited_file_is_a_conflict_and_nothing_is_written(spec_path, out):
    api.render_spec(spec_path, out)
    with (out / "main.bicep").open("a", encoding="utf-8") as handle:
        handle.write("// my change\n")
    set_capacity(spec_path, 60)  # other files would be updated too
    before = snapshot(out)
    with pytest.raises(ConflictError) as info:
        api.render_spec(spec_path, out)
    assert info.value.paths == ["main.bicep"]
    assert "nothing was written" in info.value.message
    assert "--force" in info.value.hint
    assert snapshot(out) == before
    assert temp_files(out) == []


def test_force_overwrites_hand_edits(spec_path, out):
    api.render_spec(spec_path, out)
    (out / "main.bicep").write_text("edited\n", encoding="utf-8")
    outcome = api.render_spec(spec_path, out, force=True)
    assert actions(outcome)["main.bicep"] == writer.OVERWRITE
    assert snapshot(out) == render_bytes(spec_path)


def test_existing_file_with_a_generated_name_and_no_manifest_is_a_conflict(spec_path, out):
    out.mkdir()
    (out / "main.bicep").write_text("my own main.bicep\n", encoding="utf-8")
    with pytest.raises(ConflictError) as info:
        api.render_spec(spec_path, out)
    assert info.value.paths == ["main.bicep"]
    assert snapshot(out) == {"main.bicep": b"my own main.bicep\n"}
    plan = writer.plan(out, render_path(spec_path))
    assert [(c.action, c.reason) for c in plan.conflicts] == [(writer.CONFLICT, "not written by azoai-gen")]


def test_unreadable_manifest_makes_every_differing_file_a_conflict(spec_path, out):
    api.render_spec(spec_path, out)
    (out / MANIFEST).write_text("{not json", encoding="utf-8")
    set_capacity(spec_path, 60)
    with pytest.raises(ConflictError) as info:
        api.render_spec(spec_path, out)
    assert info.value.paths == ["README.md", "main.bicep", "main.bicepparam"]


def test_tier_change_deletes_files_no_longer_generated(spec_path, out):
    api.render_spec(spec_path, out)
    assert (out / "modules/keyvault.bicep").exists()
    spec_path.write_text(spec(2), encoding="utf-8")
    outcome = api.render_spec(spec_path, out)
    assert actions(outcome)["modules/keyvault.bicep"] == writer.DELETE
    assert snapshot(out) == render_bytes(spec_path)
    assert "modules/keyvault.bicep" not in json.loads((out / MANIFEST).read_text())["files"]


def test_edited_file_no_longer_generated_is_a_conflict(spec_path, out):
    api.render_spec(spec_path, out)
    (out / "modules/keyvault.bicep").write_text("kept by hand\n", encoding="utf-8")
    spec_path.write_text(spec(2), encoding="utf-8")
    before = snapshot(out)
    with pytest.raises(ConflictError) as info:
        api.render_spec(spec_path, out)
    assert info.value.paths == ["modules/keyvault.bicep"]
    assert snapshot(out) == before
    # --force deletes it.
    api.render_spec(spec_path, out, force=True)
    assert snapshot(out) == render_bytes(spec_path)


def test_unrelated_files_are_left_alone(spec_path, out):
    out.mkdir()
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    (out / "modules").mkdir()
    (out / "modules" / "custom.bicep").write_text("// mine\n", encoding="utf-8")
    api.render_spec(spec_path, out)
    spec_path.write_text(spec(2), encoding="utf-8")
    api.render_spec(spec_path, out, force=True)
    files = snapshot(out)
    assert files["notes.txt"] == b"mine\n"
    assert files["modules/custom.bicep"] == b"// mine\n"
    assert {p: d for p, d in files.items() if p not in ("notes.txt", "modules/custom.bicep")} == \
        render_bytes(spec_path)


def test_manifest_entries_outside_the_folder_are_never_deleted(spec_path, out, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    api.render_spec(spec_path, out)
    recorded = json.loads((out / MANIFEST).read_text())
    digest = manifest.sha256(victim.read_bytes())
    recorded["files"]["../victim.txt"] = digest
    recorded["files"][str(victim)] = digest
    (out / MANIFEST).write_text(json.dumps(recorded), encoding="utf-8")
    api.render_spec(spec_path, out)
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_file_mode_is_kept_on_update(spec_path, out):
    api.render_spec(spec_path, out)
    os.chmod(out / "main.bicepparam", 0o640)
    set_capacity(spec_path, 60)
    api.render_spec(spec_path, out)
    assert stat.S_IMODE((out / "main.bicepparam").stat().st_mode) == 0o640


# ---------------------------------------------------------------------------------------------------------------------
# Renames of deployed resources.


def test_render_that_would_rename_deployed_resources_is_refused(spec_path, out):
    api.render_spec(spec_path, out)
    spec_path.write_text(spec(1, replace={"workload: claims": "workload: claimz"}), encoding="utf-8")
    before = snapshot(out)
    with pytest.raises(RenameError) as info:
        api.render_spec(spec_path, out)
    assert isinstance(info.value, ConflictError)
    # One problem, at the workload, for every resource it renames.
    assert [p.format() for p in info.value.problems] == [
        f"{spec_path}:2:11: workload: the workload was rendered as claims; this spec changes it to claimz, which "
        "renames 5 deployed resources\n    hint: every deployed name contains it, and Azure cannot rename a resource: "
        "a new name creates a second one beside the first. Set workload back to claims, or use --force if nothing "
        "was deployed yet"]
    assert ("account/swedencentral: oai-claims-prod-sdc-<uniqueString(resourceGroup().id)> -> "
            "oai-claimz-prod-sdc-<uniqueString(resourceGroup().id)>") in info.value.paths
    assert snapshot(out) == before
    api.render_spec(spec_path, out, force=True)
    assert snapshot(out) == render_bytes(spec_path)


def test_moving_the_primary_region_is_refused(spec_path, out):
    api.render_spec(spec_path, out)
    spec_path.write_text(spec(1, regions="  - location: francecentral\n  - location: swedencentral\n"),
                         encoding="utf-8")
    with pytest.raises(RenameError) as info:
        api.render_spec(spec_path, out)
    [problem] = info.value.problems
    assert (problem.line, problem.column, problem.path) == (6, 15, "regions[0].location")
    assert problem.message == ("the primary region (home of the shared resources) was rendered as swedencentral; "
                               "this spec changes it to francecentral")
    assert "keep swedencentral first in regions" in problem.hint


def test_adding_a_region_and_raising_the_tier_rename_nothing(spec_path, out):
    api.render_spec(spec_path, out)
    spec_path.write_text(spec(2, regions="  - location: swedencentral\n  - location: francecentral\n"),
                         encoding="utf-8")
    outcome = api.render_spec(spec_path, out)
    assert outcome.written


# ---------------------------------------------------------------------------------------------------------------------
# Check and dry run.


def test_check_passes_when_clean(spec_path, out):
    api.render_spec(spec_path, out)
    before = snapshot(out)
    outcome = api.render_spec(spec_path, out, check=True)
    assert not outcome.written
    assert outcome.plan.pending == []
    assert snapshot(out) == before


def test_check_fails_on_drift_and_writes_nothing(spec_path, out):
    api.render_spec(spec_path, out)
    set_capacity(spec_path, 60)
    before = snapshot(out)
    with pytest.raises(DriftError) as info:
        api.render_spec(spec_path, out, check=True)
    assert dict(info.value.changes) == {"README.md": writer.UPDATE, "main.bicepparam": writer.UPDATE,
                                        "main.bicep": writer.UPDATE, MANIFEST: writer.UPDATE}
    assert "out of date" in info.value.message
    assert snapshot(out) == before


def test_check_fails_on_hand_edits_and_extra_generated_files(spec_path, out):
    api.render_spec(spec_path, out)
    (out / "main.bicep").write_text("edited\n", encoding="utf-8")
    with pytest.raises(DriftError) as info:
        api.render_spec(spec_path, out, check=True)
    assert dict(info.value.changes) == {"main.bicep": writer.CONFLICT}


def test_check_of_a_missing_folder_is_drift_and_creates_nothing(spec_path, out):
    with pytest.raises(DriftError):
        api.render_spec(spec_path, out, check=True)
    assert not out.exists()


def test_dry_run_writes_nothing(spec_path, out):
    outcome = api.render_spec(spec_path, out, dry_run=True)
    assert not outcome.written
    assert not out.exists()
    assert set(actions(outcome).values()) == {writer.CREATE}
    api.render_spec(spec_path, out)
    set_capacity(spec_path, 60)
    before = snapshot(out)
    outcome = api.render_spec(spec_path, out, dry_run=True)
    assert {p for p, a in actions(outcome).items() if a == writer.UPDATE} == {"README.md", "main.bicepparam",
                                                                            "main.bicep", MANIFEST}
    assert snapshot(out) == before


def test_dry_run_plan_shows_conflicts(spec_path, out):
    api.render_spec(spec_path, out)
    (out / "main.bicep").write_text("edited\n", encoding="utf-8")
    before = snapshot(out)
    outcome = api.render_spec(spec_path, out, dry_run=True)
    assert [c.path for c in outcome.plan.conflicts] == ["main.bicep"]
    assert not outcome.written
    assert snapshot(out) == before


# ---------------------------------------------------------------------------------------------------------------------
# Output folder problems and failure safety.


@pytest.mark.parametrize("mode", [{}, {"check": True}, {"dry_run": True}, {"force": True}])
def test_output_path_that_is_a_file(spec_path, tmp_path, mode):
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, target, **mode)
    assert "not a folder" in info.value.message
    assert target.read_text(encoding="utf-8") == "x"


def test_generated_path_that_is_a_folder(spec_path, out):
    (out / "main.bicep").mkdir(parents=True)
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, out)
    assert "is not a file" in info.value.message


def _prepare_update(spec_path: Path, out: Path) -> dict[str, bytes]:
    """Render, then change the spec so that several files (and the manifest) would be rewritten."""
    api.render_spec(spec_path, out)
    spec_path.write_text(spec(1, replace={"capacity: 50": "capacity: 60"},
                              extra="tags:\n  owner: ops\naccess:\n  managedIdentity: false\n"), encoding="utf-8")
    return snapshot(out)


def fail_at(monkeypatch, step: str, number: int = 1, error: BaseException | None = None) -> list[str]:
    """Make the writer fail with ``error`` at the ``number``-th step whose name starts with ``step``; return the
    steps it went through."""
    seen: list[str] = []

    def checkpoint(name: str) -> None:
        seen.append(name)
        if name.startswith(step) and sum(s.startswith(step) for s in seen) == number:
            raise error or OSError(5, "Input/output error")

    monkeypatch.setattr(writer, "_checkpoint", checkpoint)
    return seen


def test_failure_while_staging_leaves_the_folder_as_it_was(spec_path, out, monkeypatch):
    before = _prepare_update(spec_path, out)
    # The first temporary file is the journal's; the third is the second generated file's.
    fail_at(monkeypatch, "wrote ", 3, OSError(28, "No space left on device"))
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, out)
    assert "No space left on device" in info.value.message
    assert "nothing was changed" in info.value.hint
    assert snapshot(out) == before
    assert temp_files(out) == []


def test_failure_writing_a_staged_file_leaves_the_folder_as_it_was(spec_path, out, monkeypatch):
    before = _prepare_update(spec_path, out)
    real_fsync = os.fsync
    calls = 0

    def failing_fsync(fd):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(5, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OutputError):
        api.render_spec(spec_path, out)
    assert calls == 3
    assert snapshot(out) == before
    assert temp_files(out) == []


@pytest.mark.parametrize("failing_call", [1, 2], ids=["journal", "first-file"])
def test_failure_on_the_first_rename_leaves_the_folder_as_it_was(spec_path, out, monkeypatch, failing_call):
    before = _prepare_update(spec_path, out)
    real_replace = os.replace
    calls = 0

    def failing_replace(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == failing_call:
            raise OSError(13, "Permission denied")
        return real_replace(*args, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError):
        api.render_spec(spec_path, out)
    # Nothing was renamed into place: the journal goes too, and the folder is as it was.
    assert snapshot(out) == before
    assert temp_files(out) == []


def test_interrupted_renames_leave_no_temp_files_and_the_next_render_completes(spec_path, out, monkeypatch):
    before = _prepare_update(spec_path, out)
    with monkeypatch.context() as patch:
        fail_at(patch, "renamed ", 2)
        with pytest.raises(OutputError) as info:
            api.render_spec(spec_path, out)
    assert "part way" in info.value.message
    assert temp_files(out) == []
    # The manifest is written last, so it still describes the previous render, and the journal says what the
    # interrupted render was writing ...
    assert (out / MANIFEST).read_bytes() == before[MANIFEST]
    assert (out / writer.JOURNAL).exists()
    # ... so the next render finishes the job without conflicts, and removes the journal.
    outcome = api.render_spec(spec_path, out)
    assert outcome.plan.conflicts == []
    assert snapshot(out) == render_bytes(spec_path)


def test_invalid_spec_never_touches_the_folder(spec_path, out):
    api.render_spec(spec_path, out)
    before = snapshot(out)
    spec_path.write_text(spec(1, replace={"capacity: 50": "capacity: 0"}), encoding="utf-8")
    for mode in ({}, {"force": True}, {"check": True}, {"dry_run": True}):
        with pytest.raises(SpecError):
            api.render_spec(spec_path, out, **mode)
    assert snapshot(out) == before
    fresh = out.parent / "fresh"
    with pytest.raises(SpecError):
        api.render_spec(spec_path, fresh)
    assert not fresh.exists()


def test_apply_refuses_a_plan_with_conflicts(spec_path, out):
    api.render_spec(spec_path, out)
    (out / "main.bicep").write_text("edited\n", encoding="utf-8")
    files = render_path(spec_path)
    plan = writer.plan(out, files)
    before = snapshot(out)
    with pytest.raises(ConflictError):
        writer.apply(plan)
    assert snapshot(out) == before
    forced = writer.plan(out, files, force=True)
    assert [c.action for c in forced.changes if c.path == "main.bicep"] == [writer.OVERWRITE]
    writer.apply(forced)
    assert (out / "main.bicep").read_text(encoding="utf-8") == files["main.bicep"]


def test_ctrl_c_while_writing_leaves_no_temporary_file_and_the_next_render_completes(spec_path, out, monkeypatch):
    _prepare_update(spec_path, out)
    with monkeypatch.context() as patch:
        fail_at(patch, "renamed ", 1, KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            api.render_spec(spec_path, out)
    assert temp_files(out) == []
    assert (out / writer.JOURNAL).exists()
    api.render_spec(spec_path, out)
    assert snapshot(out) == render_bytes(spec_path)


# ---------------------------------------------------------------------------------------------------------------------
# The order of the disk operations: every file is staged and fsynced before the first is renamed into place.


def record_disk(monkeypatch) -> list[tuple]:
    """Record the writer's fsyncs, renames, unlinks and steps, in order. A file or folder is known by its identity
    (device, inode): ("fsync", identity, is_folder), ("rename", identity of the file, new name, identity of its
    folder), ("unlink", name, identity of its folder), ("step", name)."""
    events: list[tuple] = []
    real_fsync, real_replace, real_unlink = os.fsync, os.replace, os.unlink

    def identity(info: os.stat_result) -> tuple[int, int]:
        return info.st_dev, info.st_ino

    def fsync(fd):
        info = os.fstat(fd)
        events.append(("fsync", identity(info), stat.S_ISDIR(info.st_mode)))
        return real_fsync(fd)

    def replace(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        moved = identity(os.stat(src, dir_fd=src_dir_fd, follow_symlinks=False))
        events.append(("rename", moved, dst, identity(os.fstat(dst_dir_fd))))
        return real_replace(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def unlink(path, *, dir_fd=None):
        events.append(("unlink", path, identity(os.fstat(dir_fd)) if dir_fd is not None else None))
        return real_unlink(path, dir_fd=dir_fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "unlink", unlink)
    monkeypatch.setattr(writer, "_checkpoint", lambda step: events.append(("step", step)))
    return events


def open_descriptors() -> set[str] | None:
    """The process's open file descriptors, where the system lists them."""
    return set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None


def test_every_file_is_fsynced_before_the_first_is_renamed_and_the_manifest_goes_last(spec_path, out, monkeypatch):
    spec_path.write_text(tier5(), encoding="utf-8")
    files = render_path(spec_path)
    events = record_disk(monkeypatch)
    api.render_spec(spec_path, out)
    root = (out.stat().st_dev, out.stat().st_ino)
    at = {event: number for number, event in enumerate(events)}
    renames = [e for e in events if e[0] == "rename"]
    # The journal first; then every generated file, the manifest last.
    assert renames[0][2] == writer.JOURNAL
    assert sorted(e[2] for e in renames[1:]) == sorted(path.rsplit("/", 1)[-1] for path in files)
    assert renames[-1][2] == MANIFEST
    # The journal is on disk, and so is its name, before the first temporary file of the render is created.
    journal_synced = next(n for n in range(at[renames[0]], len(events)) if events[n][:2] == ("fsync", root))
    first_created = next(n for n, e in enumerate(events) if e[0] == "step" and e[1].startswith("created ")
                         and writer.JOURNAL not in e[1])
    assert at[renames[0]] < journal_synced < first_created
    # Every file is fsynced before the first of them is renamed into place.
    first = at[renames[1]]
    synced = {e[1] for e in events[:first] if e[0] == "fsync" and not e[2]}
    assert {e[1] for e in renames[1:]} <= synced
    # Each folder that received a file is fsynced after its last rename and before the manifest's.
    body = renames[1:-1]
    for folder in {e[3] for e in body}:
        last = max(at[e] for e in body if e[3] == folder)
        assert ("fsync", folder, True) in events[last:at[renames[-1]]]
    # The manifest's rename is on disk before the journal goes, and the journal's removal after it.
    removed = next(n for n, e in enumerate(events) if e[:3] == ("unlink", writer.JOURNAL, root))
    assert ("fsync", root, True) in events[at[renames[-1]]:removed]
    assert ("fsync", root, True) in events[removed:]
    assert snapshot(out) == render_bytes(spec_path)


@pytest.mark.parametrize("failing", ["first", "last"])
def test_a_failing_fsync_of_any_staged_file_leaves_the_folder_as_it_was(spec_path, out, monkeypatch, failing):
    before = _prepare_update(spec_path, out)
    plan = writer.plan(out, render_path(spec_path))
    writes = [c.path for c in plan.changes if c.action in (writer.CREATE, writer.UPDATE, writer.OVERWRITE)]
    assert len(writes) > 2
    # The journal's is the first fsync of a file; then one for each file written, the manifest's last.
    target = 2 if failing == "first" else 1 + len(writes)
    events = record_disk(monkeypatch)
    recording = os.fsync
    files_synced = 0

    def fsync(fd):
        nonlocal files_synced
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            files_synced += 1
            if files_synced == target:
                raise OSError(5, "Input/output error")
        return recording(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    descriptors = open_descriptors()
    with pytest.raises(OutputError) as info:
        api.render_spec(spec_path, out)
    assert "Input/output error" in info.value.message
    assert "nothing was changed" in info.value.hint
    assert files_synced == target
    # No generated file was renamed into place: only the journal, which is gone again.
    assert [e[2] for e in events if e[0] == "rename"] == [writer.JOURNAL]
    assert snapshot(out) == before
    assert temp_files(out) == []
    assert open_descriptors() == descriptors


def test_ctrl_c_while_the_staged_files_are_fsynced_leaves_the_folder_as_it_was(spec_path, out, monkeypatch):
    before = _prepare_update(spec_path, out)
    # The journal's temporary file is the first staged; the second is the first generated file, fsynced after
    # every file was written.
    seen = fail_at(monkeypatch, "staged ", 2, KeyboardInterrupt())
    descriptors = open_descriptors()
    with pytest.raises(KeyboardInterrupt):
        api.render_spec(spec_path, out)
    created = [step for step in seen if step.startswith("created ")]
    assert len(created) > 2
    assert seen.index(created[-1]) < seen.index([step for step in seen if step.startswith("staged ")][1])
    assert snapshot(out) == before
    assert temp_files(out) == []
    assert open_descriptors() == descriptors
