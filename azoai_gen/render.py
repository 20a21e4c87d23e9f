"""Render a design into files. Pure: returns ``{relative path: text}`` and touches no disk.

Every value that reaches a file passes through a filter of :mod:`azoai_gen.escape`. The Jinja environment's settings
are :mod:`azoai_gen.templating`'s: ``StrictUndefined`` (a typo in a template is an error, never an empty string) and
autoescaping off on purpose (HTML escaping is wrong for Bicep, and the language filters escape instead); its loader
takes each template's module compiled into the wheel when its key matches, and compiles it otherwise. Templates print
the design; they decide nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

from . import diagram, escape, manifest, resources, templating
from .design import Design
from .escape import suppress_env_url_lint

MANIFEST = manifest.MANIFEST
#: Three line breaks or more. Written so that the pattern starts with a literal text (``\n{3,}`` does not), which the
#: regular expression engine searches for fast: a tenth of the time on a large module.
_BLANK_LINES = re.compile(r"\n\n\n+")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The one environment of the process: each template is compiled or imported once, then cached."""
    return environment(resources.templates_dir(), resources.compiled_dir())


def environment(templates: Path, compiled: Path | None) -> jinja2.Environment:
    """An environment of the templates in ``templates`` that takes their compiled modules from ``compiled``."""
    filters = {name: getattr(escape, function) for name, function in templating.FILTERS.items()}
    return templating.environment(templating.PrecompiledLoader(templates, compiled), filters)


def template_text(name: str, context: dict[str, object]) -> str:
    """One template, printed with ``context``: for files that are not a design's, such as a CI pipeline."""
    return _environment().get_template(name).render(context)


#: The template of every key consumer's product policy (``policies/consumer-<name>.xml``).
CONSUMER_POLICY = "policies/consumer.xml.j2"


def _consumer_policies(design: Design) -> dict[str, object]:
    """Each key consumer's policy file and the consumer it is printed for."""
    apim = design.api_management
    consumers = apim.consumers if apim else None
    return {c.policy_file: c for c in consumers.keyed} if consumers else {}


def render(design: Design) -> dict[str, str]:
    """Every file of ``design``, the manifest included, sorted by path."""
    env = _environment()
    context = design.template_context()
    # The README's diagram, drawn from the design: the template prints it.
    context["diagram"] = diagram.mermaid(design)
    files: dict[str, str] = {}
    consumer_policies = _consumer_policies(design)
    for path in design.files:
        consumer = consumer_policies.get(path)
        if consumer is None:
            text = env.get_template(path + ".j2").render(context)
        else:
            text = env.get_template(CONSUMER_POLICY).render(context, consumer=consumer)
        if ".bicep" in path:
            text = suppress_env_url_lint(text)
        text = _BLANK_LINES.sub("\n\n", text)
        files[path] = text.rstrip("\n") + "\n"
    grants = [manifest.Grant(g.scope, g.principal, g.role) for g in design.recorded_grants]
    deployed = [manifest.resource(r) for r in design.azure_resources]
    files[MANIFEST] = manifest.text(files, design.spec.digest, design.posture.tier, design.deployed_names or {}, grants,
                                    deployed, manifest.posture_flags(design.posture))
    return dict(sorted(files.items()))
