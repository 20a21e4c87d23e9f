"""Render a design into files. Pure: returns ``{relative path: text}`` and touches no disk.

Every value that reaches a file passes through a filter of :mod:`azoai_gen.escape`. The Jinja environment uses
``StrictUndefined`` (a typo in a template is an error, never an empty string) and autoescaping is off on purpose:
HTML escaping is wrong for Bicep, and the language filters escape instead. Templates print the design; they decide
nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2

from . import diagram, manifest, resources
from .design import Design
from .escape import (apim, apim_named_value, bicep, bicep_api, bicep_comment, bicep_ident, bicep_key, bicep_name,
                     bicep_str, bicep_value, csharp_str, markdown, markdown_code, mermaid, mermaid_block, shell,
                     suppress_env_url_lint, xml, xml_comment, yaml_ident, yaml_shell, yaml_str)

MANIFEST = manifest.MANIFEST


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update({
        "bicep": bicep,
        "bicep_str": bicep_str,
        "bicep_name": bicep_name,
        "bicep_value": bicep_value,
        "bicep_comment": bicep_comment,
        "bicep_ident": bicep_ident,
        "bicep_key": bicep_key,
        "bicep_api": bicep_api,
        "md": markdown,
        "xml": xml,
        "xml_comment": xml_comment,
        "csharp_str": csharp_str,
        "apim": apim,
        "apim_named_value": apim_named_value,
        "md_code": markdown_code,
        "mermaid": mermaid,
        "mermaid_block": mermaid_block,
        "shell": shell,
        "yaml_str": yaml_str,
        "yaml_shell": yaml_shell,
        "yaml_ident": yaml_ident,
    })
    return env


def template_text(name: str, context: dict[str, object]) -> str:
    """One template, printed with ``context``: for files that are not a design's, such as a CI pipeline."""
    return _environment().get_template(name).render(context)


def render(design: Design) -> dict[str, str]:
    """Every file of ``design``, the manifest included, sorted by path."""
    env = _environment()
    context = design.template_context()
    # The README's diagram, drawn from the design: the template prints it.
    context["diagram"] = diagram.mermaid(design)
    files: dict[str, str] = {}
    for path in design.files:
        text = env.get_template(path + ".j2").render(context)
        if ".bicep" in path:
            text = suppress_env_url_lint(text)
        files[path] = re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
    grants = [manifest.Grant(g.scope, g.principal, g.role) for g in design.recorded_grants]
    deployed = [manifest.resource(r) for r in design.azure_resources]
    files[MANIFEST] = manifest.text(files, design.spec.digest, design.posture.tier, design.deployed_names or {}, grants,
                                    deployed, manifest.posture_flags(design.posture))
    return dict(sorted(files.items()))
