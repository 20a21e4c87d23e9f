"""The Jinja environment's settings, and templates compiled once: at build time into the wheel, else once a process.

Compiling the templates is most of a render's cost, so the wheel ships them compiled: the build (``hatch_build.py``)
compiles every template to Python source with :func:`compile_all` and writes one module per template into
``azoai_gen/_compiled/``, named by the template's key. The key is a hash of everything that changes the compiled
code: the template's name and source, the jinja2 version and the environment's settings (its delimiters, whitespace
options, filters and tests). :class:`PrecompiledLoader` reads each template's source as Jinja's file loader does,
computes its key and takes the module of that key when there is one (the module also records its key, which must
match); otherwise it compiles the source. An edited template, another jinja2 or changed settings therefore never meet
a stale module: they have another key, and are compiled. The environment caches every template it loads, so a process
that renders many specs compiles or imports each template once.

This module imports nothing of azoai_gen: the build loads it on its own, before the package's dependencies exist.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
from pathlib import Path
from typing import Any, Callable

import jinja2

#: Bumped when the layout of a compiled module changes.
FORMAT = 1
#: The variable a compiled module ends with: the key it was compiled for.
KEY_NAME = "AZOAI_GEN_TEMPLATE_KEY"

#: The environment's settings: ``StrictUndefined`` (a typo in a template is an error, never an empty string) and
#: autoescaping off on purpose (HTML escaping is wrong for Bicep; the language filters escape instead).
OPTIONS: dict[str, Any] = {
    "undefined": jinja2.StrictUndefined,
    "autoescape": False,
    "keep_trailing_newline": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
}

#: Each filter's name in the templates and the function of ``azoai_gen.escape`` it calls.
FILTERS: dict[str, str] = {
    "bicep": "bicep",
    "bicep_str": "bicep_str",
    "bicep_name": "bicep_name",
    "bicep_value": "bicep_value",
    "bicep_comment": "bicep_comment",
    "bicep_ident": "bicep_ident",
    "bicep_key": "bicep_key",
    "bicep_api": "bicep_api",
    "md": "markdown",
    "xml": "xml",
    "xml_comment": "xml_comment",
    "csharp_str": "csharp_str",
    "apim": "apim",
    "apim_named_value": "apim_named_value",
    "apim_expression": "apim_expression",
    "md_code": "markdown_code",
    "mermaid": "mermaid",
    "mermaid_block": "mermaid_block",
    "code_block": "code_block",
    "shell": "shell",
    "yaml_str": "yaml_str",
    "yaml_shell": "yaml_shell",
    "yaml_ident": "yaml_ident",
}


def environment(loader: jinja2.BaseLoader | None, filters: dict[str, Callable[..., Any]]) -> jinja2.Environment:
    env = jinja2.Environment(loader=loader, **OPTIONS)
    env.filters.update(filters)
    return env


def _callables(functions: dict[str, Any]) -> list[list[str]]:
    """Each filter's or test's name and how Jinja calls it (which changes the compiled call)."""
    return [[name, str(getattr(f, "jinja_pass_arg", ""))] for name, f in sorted(functions.items())]


def _kind(value: Any) -> str:
    return value if isinstance(value, (str, bool, type(None))) else f"{type(value).__module__}.{type(value).__name__}"


def settings(env: jinja2.Environment) -> list[Any]:
    """What of ``env`` the compiled code depends on."""
    names = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
             "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
             "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized", "is_async")
    return [
        [[name, getattr(env, name)] for name in names],
        _kind(env.autoescape), env.undefined.__qualname__, sorted(env.extensions),
        [env.code_generator_class.__qualname__, env.context_class.__qualname__, env.template_class.__qualname__],
        env.finalize is None, _callables(env.filters), _callables(env.tests),
    ]


def shared_key_text(env: jinja2.Environment) -> bytes:
    """What the keys of all of ``env``'s templates share: the format, the jinja2 version and the settings, as one JSON
    array (which ends where it says, so nothing that follows can be read as part of it)."""
    return json.dumps([FORMAT, jinja2.__version__, settings(env)], default=_kind).encode("utf-8")


def key(env: jinja2.Environment, name: str, source: str, shared: bytes | None = None) -> str:
    """The key of ``name``'s compiled code: it changes whenever that code could. ``shared`` is
    ``shared_key_text(env)`` when the caller has it already. The name follows as a JSON string, which also ends where
    it says, and the source as it is: no two (settings, name, source) give the same text to hash."""
    hasher = hashlib.sha256(shared if shared is not None else shared_key_text(env))
    hasher.update(json.dumps(name).encode("utf-8"))
    hasher.update(source.encode("utf-8"))
    return hasher.hexdigest()


def module_name(template_key: str) -> str:
    return f"t_{template_key}.py"


def compile_all(templates: Path, env: jinja2.Environment | None = None) -> dict[str, str]:
    """Every template under ``templates`` compiled: ``{module file name: Python source}``. Pure; the build writes them.

    ``env`` defaults to the render's settings with stand-in filters of the same names (the build has no azoai_gen).
    """
    if env is None:
        env = environment(None, {name: _stand_in for name in FILTERS})
    reader = jinja2.FileSystemLoader(str(templates))
    modules = {}
    for name in reader.list_templates():
        source, _, _ = reader.get_source(env, name)
        template_key = key(env, name, source)
        # Deferred initialisation: the module looks its environment up when it is loaded, not when it is compiled.
        code = env.compile(source, name, None, raw=True, defer_init=True)
        modules[module_name(template_key)] = f"{code}\n{KEY_NAME} = {template_key!r}\n"
    return modules


def _stand_in(value: Any) -> Any:
    return value


class PrecompiledLoader(jinja2.FileSystemLoader):
    """Jinja's file loader that takes a template's compiled module when its key matches, and compiles otherwise."""

    def __init__(self, templates: Path, compiled: Path | None) -> None:
        super().__init__(str(templates))
        self.compiled = compiled
        self._shared: tuple[jinja2.Environment, bytes] | None = None  # the environment's settings, serialised once

    def load(self, environment: jinja2.Environment, name: str,
             globals: Any = None) -> jinja2.Template:  # noqa: A002 - Jinja's signature
        source, filename, uptodate = self.get_source(environment, name)
        if self._shared is None or self._shared[0] is not environment:
            self._shared = (environment, shared_key_text(environment))
        namespace = self._module(key(environment, name, source, self._shared[1]))
        if namespace is None:
            code = environment.compile(source, name, filename)
            return environment.template_class.from_code(environment, code, globals or {}, uptodate)
        template = environment.template_class.from_module_dict(environment, namespace, globals or {})
        template.filename = filename
        template._uptodate = uptodate
        return template

    def _module(self, template_key: str) -> dict[str, Any] | None:
        """The namespace of the module compiled for ``template_key``, or None when there is none that matches.

        The module's code is read as an import reads it (from the byte code pip wrote beside it when that is current,
        else from its source), and run in a namespace of its own: nothing else looks the module up, so it is not
        registered as one."""
        if self.compiled is None:
            return None
        path = os.path.join(self.compiled, module_name(template_key))
        module = f"azoai_gen._compiled.t_{template_key}"
        try:
            code = importlib.machinery.SourceFileLoader(module, path).get_code(module)
        except FileNotFoundError:
            return None
        namespace: dict[str, Any] = {"__name__": module, "__file__": path}
        exec(code, namespace)  # noqa: S102 - a module of the package, run as an import would run it
        return namespace if namespace.get(KEY_NAME) == template_key else None
