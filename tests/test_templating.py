"""Templates compiled once: a compiled module serves a template only when its key matches the template's source."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest

from _support import EXAMPLE_SPECS, GOLDEN, render_bytes, snapshot
from azoai_gen import render as render_module
from azoai_gen import resources, templating
from test_golden import CI, CI_CASES, ci_files


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The name of every template Jinja parses (a parse is the first step of every compile)."""
    names: list[str] = []
    parse = jinja2.Environment._parse

    def counting(self, source, name, filename):
        names.append(name)
        return parse(self, source, name, filename)

    monkeypatch.setattr(jinja2.Environment, "_parse", counting)
    return names


def use(monkeypatch, templates: Path, compiled: Path | None) -> jinja2.Environment:
    """Render with the templates in ``templates`` and the modules in ``compiled``, in a fresh environment."""
    env = render_module.environment(templates, compiled)
    monkeypatch.setattr(render_module, "_environment", lambda: env)
    return env


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    """The shipped templates compiled by the build's own function."""
    out = tmp_path_factory.mktemp("compiled")
    modules = templating.compile_all(resources.templates_dir())
    assert len(modules) == len(list(resources.templates_dir().rglob("*.j2")))
    for name, code in modules.items():
        (out / name).write_text(code, encoding="utf-8")
    return out


def test_compiled_templates_render_every_example_and_pipeline_exactly_without_compiling(monkeypatch, compiled,
                                                                                       compiles):
    use(monkeypatch, resources.templates_dir(), compiled)
    for example in EXAMPLE_SPECS:
        assert render_bytes(example) == snapshot(GOLDEN / example.stem), example.name
    for case in CI_CASES:
        assert ci_files(case) == snapshot(GOLDEN / CI / case), case
    assert compiles == []


def test_without_compiled_templates_each_is_compiled_once_a_process(monkeypatch, compiles):
    use(monkeypatch, resources.templates_dir(), None)
    for example in EXAMPLE_SPECS:
        render_bytes(example)
    assert compiles
    assert len(compiles) == len(set(compiles))


@pytest.fixture
def edited(tmp_path) -> Path:
    """A copy of the templates in which the README's first line says something else."""
    templates = tmp_path / "templates"
    shutil.copytree(resources.templates_dir(), templates)
    readme = templates / "README.md.j2"
    readme.write_text("EDITED\n" + readme.read_text(encoding="utf-8"), encoding="utf-8")
    return templates


def test_an_edited_template_is_compiled_from_its_source_never_served_stale(monkeypatch, compiled, compiles, edited):
    use(monkeypatch, edited, compiled)
    example = EXAMPLE_SPECS[0]
    files = render_bytes(example)
    assert files["README.md"].startswith(b"EDITED\n")
    assert compiles == ["README.md.j2"]
    expected = snapshot(GOLDEN / example.stem)
    assert {k: v for k, v in files.items() if k not in ("README.md", "azoai-gen.manifest.json")} == {
        k: v for k, v in expected.items() if k not in ("README.md", "azoai-gen.manifest.json")}


def test_a_module_whose_recorded_key_does_not_match_its_name_is_ignored(monkeypatch, compiled, compiles, tmp_path):
    # The README's module, renamed to the key of another template's source: its recorded key betrays it.
    env = render_module.environment(resources.templates_dir(), None)
    stale = tmp_path / "stale"
    shutil.copytree(compiled, stale)
    source = (resources.templates_dir() / "README.md.j2").read_text(encoding="utf-8")
    readme_module = stale / templating.module_name(templating.key(env, "README.md.j2", source))
    edited_key = templating.key(env, "README.md.j2", "EDITED\n" + source)
    readme_module.rename(stale / templating.module_name(edited_key))
    templates = tmp_path / "templates"
    shutil.copytree(resources.templates_dir(), templates)
    (templates / "README.md.j2").write_text("EDITED\n" + source, encoding="utf-8")
    use(monkeypatch, templates, stale)
    files = render_bytes(EXAMPLE_SPECS[0])
    assert files["README.md"].startswith(b"EDITED\n")
    assert compiles == ["README.md.j2"]


def test_the_key_changes_with_the_source_the_jinja_version_and_the_settings(monkeypatch):
    env = render_module.environment(resources.templates_dir(), None)
    base = templating.key(env, "a.j2", "{{ x | bicep }}")
    assert templating.key(env, "a.j2", "{{ x | bicep }}") == base
    assert templating.key(env, "b.j2", "{{ x | bicep }}") != base
    assert templating.key(env, "a.j2", "{{ x | bicep }} ") != base
    other = render_module.environment(resources.templates_dir(), None)
    other.trim_blocks = False
    assert templating.key(other, "a.j2", "{{ x | bicep }}") != base
    other = render_module.environment(resources.templates_dir(), None)
    other.filters["extra"] = str
    assert templating.key(other, "a.j2", "{{ x | bicep }}") != base
    monkeypatch.setattr(jinja2, "__version__", "0.0.0")
    assert templating.key(env, "a.j2", "{{ x | bicep }}") != base


def test_the_build_s_stand_in_filters_key_templates_as_the_render_does(compiled):
    env = render_module.environment(resources.templates_dir(), None)
    reader = jinja2.FileSystemLoader(str(resources.templates_dir()))
    expected = {templating.module_name(templating.key(env, name, reader.get_source(env, name)[0]))
                for name in reader.list_templates()}
    assert {p.name for p in compiled.iterdir() if p.suffix == ".py"} == expected


def test_the_render_uses_every_filter_of_the_shared_table():
    env = render_module._environment()
    for name, function in templating.FILTERS.items():
        assert env.filters[name].__name__ == function
