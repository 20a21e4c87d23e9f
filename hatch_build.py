"""Build hook: compile every template into the wheel, so that an installed azoai-gen never compiles one.

Each template becomes a module ``azoai_gen/_compiled/t_<key>.py``, its key a hash of the template's source, the jinja2
version and the environment's settings (``azoai_gen/templating.py``); at run time a template whose key has no module
is compiled from its source, so an edited template is never served stale.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _templating(root: Path):
    """``azoai_gen/templating.py`` on its own: the build has jinja2 but not the package's other dependencies."""
    spec = importlib.util.spec_from_file_location("_azoai_gen_templating", root / "azoai_gen" / "templating.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class CompileTemplates(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        self._out = tempfile.TemporaryDirectory()
        out = Path(self._out.name)
        for name, code in _templating(root).compile_all(root / "templates").items():
            (out / name).write_text(code, encoding="utf-8")
            build_data["force_include"][str(out / name)] = f"azoai_gen/_compiled/{name}"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        out = getattr(self, "_out", None)
        if out is not None:
            out.cleanup()
