"""The wheel: it ships the templates, schema and data, and an installed copy renders exactly the golden files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jinja2
import pytest

from _support import EXAMPLE_SPECS, GOLDEN, ROOT, snapshot

pytestmark = pytest.mark.wheel

# The only failure that skips: the isolated build cannot download its build backend (no package index reachable).
_BACKEND_UNAVAILABLE = re.compile(
    r"(No matching distribution found for hatchling"
    r"|Could not find a version that satisfies the requirement hatchling)",
    re.IGNORECASE,
)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP") and not k.startswith("PYTEST")}
    return env


def _run(args: list, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=_clean_env(), capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    result = _run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT], cwd=dist)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        match = _BACKEND_UNAVAILABLE.search(output)
        if match:
            pytest.skip(f"cannot build the wheel: the build backend cannot be fetched ({match.group(0)})")
        pytest.fail(f"python -m build failed with exit code {result.returncode}:\n{output[-4000:]}")
    wheels = list(dist.glob("azoai_gen-*.whl"))
    assert len(wheels) == 1, output
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    result = _run([sys.executable, "-m", "venv", venv], cwd=venv.parent)
    assert result.returncode == 0, result.stderr
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    result = _run([bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel],
                  cwd=venv.parent)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return bin_dir


def test_wheel_contains_templates_schema_and_data(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for required in ("azoai_gen/templates/main.bicep.j2", "azoai_gen/templates/main.bicepparam.j2",
                     "azoai_gen/templates/README.md.j2", "azoai_gen/templates/modules/openai.bicep.j2",
                     "azoai_gen/schemas/azoai-gen.schema.json", "azoai_gen/schemas/output/report.schema.json",
                     "azoai_gen/schemas/output/tiers.schema.json", "azoai_gen/schemas/output/schema.schema.json",
                     "azoai_gen/schemas/output/plan.schema.json",
                     "azoai_gen/data/regions.json",
                     "azoai_gen/data/models.json", "azoai_gen/cli.py"):
        assert required in names, required
    templates = {p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*.j2")}
    assert {"azoai_gen/" + t for t in templates} <= names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    assert any(n.endswith(".dist-info/entry_points.txt") for n in names)


def test_installed_wheel_renders_the_golden_files(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The installed package is the wheel's, not the checkout's.
    result = _run([installed / "python", "-c", "import azoai_gen; print(azoai_gen.__file__)"], cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    module_file = Path(result.stdout.strip()).resolve()
    assert installed.parent.resolve() in module_file.parents
    assert ROOT not in module_file.parents

    executable = shutil.which("azoai-gen", path=str(installed))
    assert executable, f"azoai-gen not installed in {installed}"
    for example in EXAMPLE_SPECS:
        spec_copy = elsewhere / example.name
        shutil.copyfile(example, spec_copy)
        out = elsewhere / f"out-{example.stem}"
        result = _run([executable, "render", spec_copy.name, "--out", out], cwd=elsewhere)
        assert result.returncode == 0, result.stderr
        golden = snapshot(GOLDEN / example.stem)
        assert golden, f"no golden files for {example.stem}"
        assert snapshot(out) == golden, example.name
        result = _run([executable, "render", spec_copy.name, "--out", out, "--check"], cwd=elsewhere)
        assert result.returncode == 0, result.stderr


def test_installed_wheel_prints_the_schema_and_writes_init(installed, tmp_path):
    executable = shutil.which("azoai-gen", path=str(installed))
    result = _run([executable, "schema"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "schemas" / "azoai-gen.schema.json").read_text(encoding="utf-8")
    result = _run([executable, "init", "new.yaml", "--no-input", "--tier", "1"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = _run([executable, "validate", "new.yaml"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "azoai-gen.schema.json").is_file()


def test_wheel_contains_every_template_compiled(wheel):
    from azoai_gen import templating

    with zipfile.ZipFile(wheel) as archive:
        compiled = {n.rsplit("/", 1)[1] for n in archive.namelist() if n.startswith("azoai_gen/_compiled/")}
    assert len(compiled) == len(list((ROOT / "templates").rglob("*.j2")))
    checkout = ROOT / "templates"
    env = templating.environment(None, {name: (lambda value: value) for name in templating.FILTERS})
    reader = jinja2.FileSystemLoader(str(checkout))
    assert compiled == {templating.module_name(templating.key(env, name, reader.get_source(env, name)[0]))
                        for name in reader.list_templates()}


# Renders the largest example and the CI pipelines, and counts Jinja's parses (every compile starts with one).
_COUNT_COMPILES = """
import sys, jinja2
from pathlib import Path
parses = []
parse = jinja2.Environment._parse
jinja2.Environment._parse = lambda self, source, name, filename: parses.append(name) or parse(self, source, name,
                                                                                                filename)
from azoai_gen import ci, render, resources
from azoai_gen.pipeline import validate_file
design = validate_file(Path(sys.argv[1])).design
render.render(design)
for platform in ci.PATHS:
    ci.render(ci.pipeline(platform, [("spec.yaml", "infra", design)]))
print(resources.compiled_dir() is not None, len(parses))
"""


def test_installed_wheel_renders_without_compiling_a_template(installed, tmp_path):
    example = max(EXAMPLE_SPECS, key=lambda p: p.stat().st_size)
    result = _run([installed / "python", "-c", _COUNT_COMPILES, example], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "0"]
