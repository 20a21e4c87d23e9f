"""Interrupted renders and renders at once: the journal, the lock, and real ``kill -9`` at random points.

The kill test forks a real process that renders into the folder and stops it with SIGKILL at a point chosen by a
seeded random generator among every point between two disk operations of the writer (the writer calls
``write._checkpoint`` there; the killed process replaces it with one that waits to be killed). Before the kill, the
test edits one generated file by hand. After the kill, the next render must report exactly that file as a conflict,
never the tool's own half-finished files; with the edit undone, the next render must exit 0 and leave exactly the new
render in the folder, without temporary files, journal or lock file. Some kills are followed by a second kill during
the recovering render. A second test kills forked renders after random delays instead, without pause points.

Environment: ``AZOAI_GEN_KILLS`` (default 200) kill points; ``AZOAI_GEN_KILL_SEED`` (default 10) the seed;
``AZOAI_GEN_KILL_CLI=1`` kills real ``azoai-gen render`` command processes instead of forked writers, and recovers
with the command too (slower: about two seconds a kill). ``AZOAI_GEN_KILL_TIMED`` (default 40) sets the number of
kills at random moments.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from _support import MANIFEST, ROOT, plain, render_bytes, render_path, snapshot, spec, tier5
from azoai_gen import api
from azoai_gen import write as writer
from azoai_gen.errors import ConflictError, DriftError, OutputError, RenameError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and kill")

#: The folder states the kill test moves between: updates only (t1 -> t1b), modules deleted (t1 -> t2), modules
#: created (t2 -> t3), and a second folder (t5 writes policies/).
STATES = {
    "t1": spec(1),
    "t1b": spec(1, replace={"capacity: 50": "capacity: 60"}),
    "t2": spec(2),
    "t3": spec(3),
    "t5": tier5(),
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, dict[str, str]]:
    folder = tmp_path_factory.mktemp("specs")
    found = {}
    for name, text in STATES.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
        found[name] = render_path(folder / f"{name}.yaml")
    return found


@pytest.fixture
def kill_folder(tmp_path: Path):
    """A scratch folder for the kill test, in memory where the system offers one (/dev/shm): kill -9 ends a process,
    not the machine, so the page cache is the disk that matters, and the test runs several times faster."""
    memory = Path("/dev/shm")
    if not (memory.is_dir() and os.access(memory, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="azoai-gen-kills-", dir=memory))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_folder(out: Path, files: dict[str, str]) -> None:
    """Render ``files`` into ``out`` the way ``render`` does after validation (the fast path of the kill test)."""
    with writer.open_output(out) as output:
        output.apply(output.plan(files))


def in_bytes(files: dict[str, str]) -> dict[str, bytes]:
    return {path: text.encode("utf-8") for path, text in files.items()}


# ---------------------------------------------------------------------------------------------------------------------
# A real process, stopped at a chosen point and killed.


@dataclass
class Killed:
    """A render process paused at a point, waiting for its kill (``paused`` is False if it finished first)."""

    pid: int
    paused: bool
    steps: list[str] = field(default_factory=list)
    #: The command's process (a forked writer has none: it is waited for by its ID).
    process: subprocess.Popen | None = None

    def kill(self) -> None:
        if self.paused:
            os.kill(self.pid, signal.SIGKILL)
        if self.process is not None:
            code = self.process.wait()
            assert code == (-signal.SIGKILL if self.paused else 0), "the render failed before its kill point"
            return
        _, status = os.waitpid(self.pid, 0)
        if self.paused:
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        else:
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "the render failed before its kill point"


def fork_render(out: Path, files: dict[str, str], at: int) -> Killed:
    """Fork a process that renders ``files`` into ``out`` and pauses at its ``at``-th point, awaiting SIGKILL."""
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns to pytest
        code = 1
        try:
            os.close(ready_read)
            seen = 0

            def pause(step: str) -> None:
                nonlocal seen
                seen += 1
                if seen == at:
                    os.write(ready_write, step.encode("utf-8", "replace")[:500] or b"?")
                    time.sleep(60)

            writer._checkpoint = pause
            write_folder(out, files)
            code = 0
        finally:
            os._exit(code)
    os.close(ready_write)
    try:
        step = os.read(ready_read, 500)
    finally:
        os.close(ready_read)
    return Killed(pid, bool(step), [step.decode("utf-8", "replace")] if step else [])


_PAUSING_COMMAND = """
import os, sys, time
from azoai_gen import cli, write
at, seen = int(sys.argv[1]), 0
def pause(step):
    global seen
    seen += 1
    if seen == at:
        os.write(1, b"k")
        time.sleep(60)
write._checkpoint = pause
sys.argv = ["azoai-gen", "render", "--yes", *sys.argv[2:]]
cli.main()
"""


def command_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    env.pop("AZOAI_GEN_KILLS", None)
    return env


def command_render(spec_path: Path, out: Path, at: int) -> Killed:
    """Start the real ``azoai-gen render`` command, pausing at its ``at``-th point of the writer."""
    process = subprocess.Popen([sys.executable, "-c", _PAUSING_COMMAND, str(at), str(spec_path), "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=command_env())
    paused = process.stdout.read(1) == b"k"
    process.stdout.close()
    return Killed(process.pid, paused, process=process)


def command(*args: object) -> tuple[int, str]:
    result = subprocess.run([sys.executable, "-m", "azoai_gen", *map(str, args)], capture_output=True, text=True,
                            env=command_env())
    return result.returncode, plain(result.stderr)


def count_points(tmp: Path, before: dict[str, str], after: dict[str, str]) -> int:
    """How many points a render from ``before`` to ``after`` passes, counted in a scratch folder."""
    scratch = tmp / f"count-{time.monotonic_ns()}"
    write_folder(scratch, before)
    steps: list[str] = []
    real = writer._checkpoint
    writer._checkpoint = steps.append
    try:
        write_folder(scratch, after)
    finally:
        writer._checkpoint = real
    return len(steps)


# ---------------------------------------------------------------------------------------------------------------------
# The kill test.


class Recovery:
    """One folder taken through kills: the checks made after every kill."""

    def __init__(self, tmp: Path, rendered: dict[str, dict[str, str]], through_command: bool) -> None:
        self.tmp = tmp
        self.out = tmp / "infra"
        self.rendered = rendered
        self.through_command = through_command
        self.specs = {}
        for name, text in STATES.items():
            self.specs[name] = tmp / f"{name}.yaml"
            self.specs[name].write_text(text, encoding="utf-8")
        self.points: dict[tuple[str, str], int] = {}
        self.stats = {"kills": 0, "second kills": 0, "other spec": 0}

    def points_between(self, before: str, after: str) -> int:
        key = (before, after)
        if key not in self.points:
            self.points[key] = count_points(self.tmp, self.rendered[before], self.rendered[after])
        return self.points[key]

    def start(self, state: str, at: int) -> Killed:
        if self.through_command:
            return command_render(self.specs[state], self.out, at)
        return fork_render(self.out, self.rendered[state], at)

    def render(self, state: str, real: bool) -> list[str]:
        """Render ``state``; the conflicts it reports (none means it wrote the folder)."""
        if self.through_command:
            code, output = command("render", self.specs[state], "--out", self.out, "--yes")
            conflicts = [line.split()[1] for line in output.splitlines() if line.startswith("  conflict ")]
            assert code == (1 if conflicts else 0), output
            return conflicts
        try:
            if real:
                api.render_spec(self.specs[state], self.out, yes=True)
            else:
                write_folder(self.out, self.rendered[state])
        except ConflictError as error:
            return error.paths
        return []

    def hand_edit(self, rng: random.Random, before: str, after: str) -> tuple[Path, bytes]:
        candidates = sorted(p for p in set(self.rendered[before]) | set(self.rendered[after])
                            if p != MANIFEST and (self.out / p).is_file())
        path = self.out / rng.choice(candidates)
        original = path.read_bytes()
        path.write_bytes(original + b"\n// changed by hand\n")
        return path, original

    def check_passes_only_when_exact(self, *states: str) -> None:
        """Whatever the kill left, --check passes for a spec only if the folder is exactly that spec's render."""
        for state in states:
            files = self.rendered[state]
            try:
                writer.check(self.out, files)
            except DriftError:
                continue
            assert snapshot(self.out) == in_bytes(files), f"--check passed for {state} on a mixed folder"


def run_kills(tmp: Path, rendered: dict[str, dict[str, str]], kills: int, seed: int, through_command: bool) -> dict:
    """Kill ``kills`` renders, each at a random point, and check the folder after each. The render after a kill is
    of the same spec half the time; otherwise of another one (the spec changed meanwhile, or was put back: then the
    interrupted render is rolled back), which only works if the files it left are recognised as the tool's own."""
    rng = random.Random(seed)
    folder = Recovery(tmp, rendered, through_command)
    state = "t1"
    write_folder(folder.out, rendered[state])
    for number in range(kills):
        target = rng.choice([s for s in STATES if s != state])
        at = rng.randint(1, folder.points_between(state, target))
        where = f"kill {number} at point {at} of {state} -> {target}"
        killed = folder.start(target, at)
        assert killed.paused, f"{where}: the render ended before its point"
        path, original = folder.hand_edit(rng, state, target)
        killed.kill()
        folder.stats["kills"] += 1
        folder.check_passes_only_when_exact(state, target)
        after = target if rng.random() < 0.5 else rng.choice([s for s in STATES if s != target])
        folder.stats["other spec"] += after != target
        # The hand edit made before the kill is reported, and nothing else: the tool's own files are recognised.
        conflicts = folder.render(after, real=number % 10 == 0)
        assert conflicts == [path.relative_to(folder.out).as_posix()], f"{where}, then {after}"
        path.write_bytes(original)
        if rng.random() < 0.25:  # the recovering render is killed too
            again = folder.start(after, rng.randint(1, folder.points_between(state, after) + 8))
            again.kill()
            folder.stats["second kills"] += again.paused
            folder.check_passes_only_when_exact(state, target, after)
        assert folder.render(after, real=number % 10 == 5) == [], f"{where}, then {after}"
        assert snapshot(folder.out) == in_bytes(rendered[after]), f"{where}, then {after}"
        writer.check(folder.out, rendered[after])
        state = after
    return folder.stats


KILLS = int(os.environ.get("AZOAI_GEN_KILLS", "200"))
SEED = int(os.environ.get("AZOAI_GEN_KILL_SEED", "10"))


def test_renders_killed_at_random_points_recover(kill_folder, rendered):
    through_command = os.environ.get("AZOAI_GEN_KILL_CLI") == "1"
    started = time.monotonic()
    stats = run_kills(kill_folder, rendered, KILLS, SEED, through_command)
    assert stats["kills"] == KILLS
    print(f"\n{KILLS} kills ({'command' if through_command else 'forked writer'}, seed {SEED}): "
          f"{stats['other spec']} followed by another spec, {stats['second kills']} second kills, "
          f"in {time.monotonic() - started:.1f} s")


def test_a_kill_of_the_real_command(kill_folder, rendered):
    """The same checks with the real ``azoai-gen render`` process and command-line recoveries."""
    stats = run_kills(kill_folder, rendered, 1, SEED + 1, through_command=True)
    assert stats["kills"] == 1


TIMED = int(os.environ.get("AZOAI_GEN_KILL_TIMED", "40"))


def test_renders_killed_at_random_moments_recover(kill_folder, rendered):
    """No pause point: a forked render is killed after a random delay spread over a render's duration, so kills
    also land inside a write or a rename."""
    rng = random.Random(SEED)
    folder = Recovery(kill_folder, rendered, through_command=False)
    state = "t1"
    write_folder(folder.out, rendered[state])
    started = time.perf_counter()
    write_folder(kill_folder / "timing", rendered["t5"])
    duration = time.perf_counter() - started
    mixed = 0
    for number in range(TIMED):
        target = rng.choice([s for s in STATES if s != state])
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns to pytest
            try:
                write_folder(folder.out, rendered[target])
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0, duration * 1.5))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        left = snapshot(folder.out)
        mixed += left not in (in_bytes(rendered[state]), in_bytes(rendered[target]))
        folder.check_passes_only_when_exact(state, target)
        after = target if rng.random() < 0.5 else rng.choice([s for s in STATES if s != target])
        assert folder.render(after, real=False) == [], f"timed kill {number} of {state} -> {target}, then {after}"
        assert snapshot(folder.out) == in_bytes(rendered[after])
        state = after
    print(f"\n{TIMED} timed kills, {mixed} of them part way through a render")


# ---------------------------------------------------------------------------------------------------------------------
# Chosen points.


def kill_at(out: Path, files: dict[str, str], step: str) -> None:
    """Kill a render of ``files`` into ``out`` right after its point named ``step``."""
    steps: list[str] = []
    real = writer._checkpoint
    scratch = out.parent / f"scratch-{time.monotonic_ns()}"
    write_folder(scratch, previous_files(out))
    writer._checkpoint = steps.append
    try:
        write_folder(scratch, files)
    finally:
        writer._checkpoint = real
    killed = fork_render(out, files, steps.index(step) + 1)
    assert killed.steps == [step]
    killed.kill()


def previous_files(out: Path) -> dict[str, str]:
    return {path: (out / path).read_text(encoding="utf-8") for path in snapshot(out)}


def test_a_kill_right_after_the_new_manifest_leaves_no_old_file_and_check_does_not_pass(spec_path, tmp_path):
    """The old writer deleted old files after renaming the manifest: a kill in between left them for good."""
    out = tmp_path / "out"
    api.render_spec(spec_path, out)
    tier_2 = tmp_path / "tier2.yaml"
    tier_2.write_text(spec(2), encoding="utf-8")
    kill_at(out, render_path(tier_2), f"renamed {MANIFEST}")
    assert not (out / "modules" / "keyvault.bicep").exists()
    with pytest.raises(DriftError) as info:
        api.render_spec(tier_2, out, check=True)
    # The killed render left its journal and its lock file; everything else is the new render already.
    assert info.value.changes == [(writer.JOURNAL, writer.REMOVE), (writer.LOCK, writer.REMOVE)]
    outcome = api.render_spec(tier_2, out)
    assert [(c.path, c.action, c.reason) for c in outcome.plan.pending] == [
        (writer.JOURNAL, writer.REMOVE, "left by an interrupted render")]
    assert snapshot(out) == render_bytes(tier_2)
    api.render_spec(tier_2, out, check=True)


@pytest.mark.parametrize("step", ["journal written", "renamed main.bicep", f"renamed {MANIFEST}"])
def test_an_interrupted_render_is_compared_with_the_last_render_that_finished(spec_path, tmp_path, step):
    """A render killed part way confirms nothing: what cannot change once deployed is still compared with the last
    render that finished, even after the interrupted one renamed its manifest into place."""
    out = tmp_path / "out"
    api.render_spec(spec_path, out)
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(spec(1, replace={"workload: claims": "workload: claimz"}), encoding="utf-8")
    with pytest.raises(RenameError):
        api.render_spec(renamed, out)
    kill_at(out, render_path(renamed), step)  # as if 'render --force' had been killed
    with pytest.raises(RenameError):
        api.render_spec(renamed, out)
    # The spec of the last finished render is still at home, and finishes the folder without --force.
    api.render_spec(spec_path, out)
    assert snapshot(out) == render_bytes(spec_path)


def test_temporary_files_of_ours_are_removed_and_others_are_left(spec_path, tmp_path):
    out = tmp_path / "out"
    api.render_spec(spec_path, out)
    ours = [".main.bicep.azoai-gen-0123456789abcdef.tmp", "modules/.apim.bicep.azoai-gen-00000000ffffffff.tmp",
            ".main.bicep.x8f2ab_c.tmp", "modules/.openai.bicep.k2j4h5g6.tmp"]
    theirs = [".notes.x8f2ab_c.tmp", ".main.bicep.tmp", "main.bicep.azoai-gen-0123456789abcdef.tmp",
              ".main.bicep.azoai-gen-0123.tmp"]
    for name in ours + theirs:
        (out / name).write_text("partial", encoding="utf-8")
    with pytest.raises(DriftError) as info:
        api.render_spec(spec_path, out, check=True)
    assert sorted(info.value.changes) == sorted((name, writer.REMOVE) for name in ours)
    outcome = api.render_spec(spec_path, out)
    assert sorted(c.path for c in outcome.plan.pending) == sorted(ours)
    assert set(snapshot(out)) == set(render_bytes(spec_path)) | set(theirs)


def test_a_journal_azoai_gen_did_not_write_is_refused(spec_path, tmp_path):
    out = tmp_path / "out"
    api.render_spec(spec_path, out)
    (out / writer.JOURNAL).write_text('{"mine": true}\n', encoding="utf-8")
    for mode in ({}, {"check": True}, {"force": True}):
        with pytest.raises(OutputError) as info:
            api.render_spec(spec_path, out, **mode)
        assert info.value.message == f"{out / writer.JOURNAL} is not a journal that azoai-gen wrote"
    assert (out / writer.JOURNAL).read_text(encoding="utf-8") == '{"mine": true}\n'


def test_a_journal_entry_that_leaves_the_folder_is_ignored(spec_path, tmp_path):
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    api.render_spec(spec_path, out)
    known = {"../victim.txt": [writer.manifest.sha256(b"precious\n")], str(victim): ["x"]}
    (out / writer.JOURNAL).write_text(writer._journal_text(None, {k: frozenset(v) for k, v in known.items()}),
                                      encoding="utf-8")
    api.render_spec(spec_path, out)
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert snapshot(out) == render_bytes(spec_path)


# ---------------------------------------------------------------------------------------------------------------------
# Two renders into one folder.


def test_a_second_render_waits_then_refuses_with_a_clear_message(spec_path, tmp_path, monkeypatch):
    out = tmp_path / "out"
    api.render_spec(spec_path, out)
    monkeypatch.delenv("AZOAI_GEN_LOCK_WAIT", raising=False)
    monkeypatch.setattr(writer, "LOCK_WAIT", 0.2)
    (tmp_path / "t2.yaml").write_text(spec(2), encoding="utf-8")
    before = snapshot(out)
    with writer.open_output(out):  # another render holds the folder
        started = time.monotonic()
        with pytest.raises(OutputError) as info:
            api.render_spec(tmp_path / "t2.yaml", out)
        assert time.monotonic() - started >= 0.2
        assert info.value.message == (f"another azoai-gen render (process {os.getpid()}) is writing {out}; "
                                      "nothing was written")
        assert info.value.hint == "wait for it to finish, then run again (azoai-gen waited 0.2 seconds)"
        with pytest.raises(OutputError) as info:
            api.render_spec(spec_path, out, check=True)
        assert info.value.message.endswith("nothing was read")
        assert {p: d for p, d in snapshot(out).items() if p != writer.LOCK} == before
    assert snapshot(out) == before  # the lock file goes with its render
    api.render_spec(tmp_path / "t2.yaml", out)


def test_a_second_render_waits_for_the_first_to_finish(spec_path, tmp_path, monkeypatch):
    monkeypatch.delenv("AZOAI_GEN_LOCK_WAIT", raising=False)
    out = tmp_path / "out"
    api.render_spec(spec_path, out)
    holding = writer.open_output(out)
    holding.__enter__()
    releaser = threading.Timer(0.3, lambda: holding.__exit__(None, None, None))
    releaser.start()
    try:
        started = time.monotonic()
        (tmp_path / "t2.yaml").write_text(spec(2), encoding="utf-8")
        outcome = api.render_spec(tmp_path / "t2.yaml", out)
        assert outcome.written
        assert time.monotonic() - started >= 0.25
    finally:
        releaser.join()
    assert snapshot(out) == render_bytes(tmp_path / "t2.yaml")


def test_two_render_processes_at_once(spec_path, tmp_path, monkeypatch, rendered):
    """A real process holds the folder part way through its render; the command run beside it refuses."""
    out = tmp_path / "out"
    write_folder(out, rendered["t1"])
    (tmp_path / "t2.yaml").write_text(STATES["t2"], encoding="utf-8")
    killed = fork_render(out, rendered["t3"], 5)
    try:
        monkeypatch.setenv("AZOAI_GEN_LOCK_WAIT", "0")
        code, output = command("render", tmp_path / "t2.yaml", "--out", out)
        assert code == 1
        assert f"error: another azoai-gen render (process {killed.pid}) is writing {out}; nothing was written" \
            in output
    finally:
        killed.kill()
    assert command("render", tmp_path / "t2.yaml", "--out", out)[0] == 0
    assert snapshot(out) == in_bytes(rendered["t2"])


def test_a_lock_file_left_by_a_killed_render_is_reported_by_check_and_removed_by_render(spec_path, tmp_path):
    out = tmp_path / "out"
    api.render_spec(spec_path, out)
    (out / writer.LOCK).write_text("12345\n", encoding="utf-8")  # nobody holds it
    with pytest.raises(DriftError) as info:
        api.render_spec(spec_path, out, check=True)
    assert info.value.changes == [(writer.LOCK, writer.REMOVE)]
    api.render_spec(spec_path, out)
    assert snapshot(out) == render_bytes(spec_path)


def test_the_command_says_what_an_interrupted_render_left_and_removes_it(spec_path, tmp_path):
    from typer.testing import CliRunner

    from azoai_gen import cli

    out = tmp_path / "out"
    api.render_spec(spec_path, out)
    tier_2 = tmp_path / "tier2.yaml"
    tier_2.write_text(spec(2), encoding="utf-8")
    kill_at(out, render_path(tier_2), "renamed main.bicep")
    result = CliRunner().invoke(cli.app, ["render", str(tier_2), "--out", str(out)])
    output = plain(result.output)
    assert result.exit_code == 0, output
    assert f"  remove    {writer.JOURNAL}  (left by an interrupted render)\n" in output
    assert "  delete    modules/keyvault.bicep" in output
    assert "conflict" not in output
    assert snapshot(out) == render_bytes(tier_2)


def test_a_render_writes_its_own_number_over_a_longer_one_left_in_the_lock_file(spec_path, tmp_path):
    """A lock file left by a killed render is emptied before the new render writes its process number in it; a fresh
    one is written as it is."""
    out = tmp_path / "out"
    api.render_spec(spec_path, out)
    (out / writer.LOCK).write_text("1234567890123\n", encoding="utf-8")
    with writer.open_output(out):
        assert (out / writer.LOCK).read_text(encoding="utf-8") == f"{os.getpid()}\n"
    with writer.open_output(tmp_path / "fresh"):
        assert (tmp_path / "fresh" / writer.LOCK).read_text(encoding="utf-8") == f"{os.getpid()}\n"
