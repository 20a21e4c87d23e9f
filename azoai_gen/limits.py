"""Azure Resource Manager template limits, checked on the rendered Bicep before anything is written.

Bicep compiles ``main.bicep`` into one ARM template in which every module call becomes a nested deployment with the
module inlined. ARM refuses a deployment whose template has more than 800 resources, 256 parameters or 64 outputs,
or is larger than 4 MB. The counts here follow that compilation: each module call counts as one resource plus the
resources of the module, and a resource loop counts once per item of the array it loops over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import LimitError

MAX_RESOURCES = 800
MAX_PARAMETERS = 256
MAX_OUTPUTS = 64
MAX_TEMPLATE_BYTES = 4 * 1024 * 1024
#: Compiled ARM JSON is larger than the Bicep it comes from (quoting, expressions, metadata); measured on the
#: generated modules it is under 3 times as large, so 3 gives a conservative estimate.
JSON_PER_BICEP_BYTE = 3

_RESOURCE = re.compile(r"^resource \w+ '[^']+' (existing )?= (\[for \w+ in (\w+):)?", re.M)
_MODULE = re.compile(r"^module \w+ '([^']+)' = ", re.M)
_PARAM = re.compile(r"^param \w+ ", re.M)
_OUTPUT = re.compile(r"^output \w+ ", re.M)


@dataclass(frozen=True)
class Usage:
    resources: int
    parameters: int
    outputs: int
    template_bytes: int


def _resources(text: str, loop_sizes: dict[str, int]) -> int:
    count = 0
    for match in _RESOURCE.finditer(text):
        if match.group(1):  # existing resources are not deployed
            continue
        count += loop_sizes.get(match.group(3), 1) if match.group(2) else 1
    return count


def usage(files: dict[str, str], loop_sizes: dict[str, int]) -> Usage:
    """What the compiled template of ``main.bicep`` uses. ``loop_sizes`` gives the length of each array that
    resources loop over (for example ``modelDeployments``)."""
    main = files["main.bicep"]
    resources = _resources(main, loop_sizes)
    size = len(main.encode("utf-8"))
    for match in _MODULE.finditer(main):
        module = files[match.group(1).lstrip("./")]
        resources += 1 + _resources(module, loop_sizes)
        size += len(module.encode("utf-8"))
    return Usage(resources, len(_PARAM.findall(main)), len(_OUTPUT.findall(main)), size * JSON_PER_BICEP_BYTE)


def check(files: dict[str, str], loop_sizes: dict[str, int]) -> Usage:
    """Raise :class:`LimitError` naming every limit the rendered deployment would exceed."""
    used = usage(files, loop_sizes)
    over = []
    if used.resources > MAX_RESOURCES:
        over.append(f"{used.resources} resources (ARM allows {MAX_RESOURCES} in one template)")
    if used.parameters > MAX_PARAMETERS:
        over.append(f"{used.parameters} parameters (at most {MAX_PARAMETERS})")
    if used.outputs > MAX_OUTPUTS:
        over.append(f"{used.outputs} outputs (at most {MAX_OUTPUTS})")
    if used.template_bytes > MAX_TEMPLATE_BYTES:
        over.append(f"about {used.template_bytes // 1024} KiB of compiled template (at most 4 MiB)")
    if over:
        raise LimitError("the deployment would exceed Azure Resource Manager limits: " + "; ".join(over),
                         "use fewer regions, model deployments or principals, or split the workload into two specs")
    return used
