"""Azure Resource Manager's limits on one template.

Bicep compiles ``main.bicep`` into one ARM template in which every module call becomes a nested deployment with the
module inlined. ARM refuses a deployment whose template has more than 800 resources, 256 parameters or 64 outputs,
or is larger than 4 MB. The design counts its resources the way that compilation does (each module call is one
resource plus the resources of the module, and a loop counts once per item), and the rule ``arm-resource-limit``
refuses a spec past the limit. Parameters, outputs and size do not grow with the spec past a fixed number (regions
are keys of object outputs, deployments items of one array); a test renders the largest specs the schema allows
and measures them.
"""

from __future__ import annotations

MAX_RESOURCES = 800
MAX_PARAMETERS = 256
MAX_OUTPUTS = 64
MAX_TEMPLATE_BYTES = 4 * 1024 * 1024
