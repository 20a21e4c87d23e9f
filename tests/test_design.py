"""The design: its resource count matches the rendered Bicep, and the limits it does not count cannot be reached."""

from __future__ import annotations

import pytest

from _support import compiled_usage, render_text, spec_problems
from azoai_gen import limits
from test_names import SPECS

#: Every region the largest specs use: eight, the schema's maximum.
EIGHT = ["swedencentral", "francecentral", "germanywestcentral", "norwayeast", "switzerlandnorth", "uksouth",
         "westeurope", "northeurope"]


def largest(tier: int, kind: str = "OpenAI", alerts: bool = True) -> str:
    """The largest spec the schema allows for ``tier``: 8 regions, 32 deployments, 50 principals, 100 IP ranges,
    long tags and descriptions."""
    regions = "".join(f"  - location: {loc}\n" for loc in EIGHT)
    deployments = "".join(f"  - name: deployment-{i:02}\n    model: gpt-5.4-mini\n    version: \"2026-03-17\"\n"
                          f"    sku: GlobalStandard\n    capacity: 1\n" for i in range(32))
    principals = "".join(f"    - objectId: 00000000-0000-0000-0000-{i:012}\n      type: Group\n"
                         f"      description: {'d' * 200}\n" for i in range(50))
    tags = "".join(f"  tag{i:02}: {'v' * 250}\n" for i in range(37))
    ranges = "" if tier > 2 else "  allowedIpRanges:\n" + "".join(f"    - 20.0.{i}.0/24\n" for i in range(100))
    return (f"version: 1\nworkload: claims\nenvironment: prod\ntier: {tier}\nregions:\n{regions}"
            f"deployments:\n{deployments}access:\n  principals:\n{principals}tags:\n{tags}"
            f"openai:\n  kind: {kind}\n{ranges}"
            + ("monitoring:\n  alerts:\n    emails: [ops@contoso.com]\n" if alerts else
               "monitoring:\n  alerts:\n    enabled: false\n"))


@pytest.mark.parametrize("key", sorted(SPECS))
def test_the_design_counts_the_resources_of_the_compiled_template(key):
    rendered = render_text(SPECS[key])
    assert rendered.design.resource_count == compiled_usage(rendered.files).resources


@pytest.mark.parametrize("tier, kind", [(1, "OpenAI"), (2, "OpenAI"), (3, "AIServices"), (4, "OpenAI"),
                                        (5, "AIServices")])
def test_the_largest_specs_stay_within_every_arm_limit(tier, kind):
    if tier == 3:
        # Tier 3's largest spec (8 regions of AIServices accounts, 50 principals granted on each) fits without its
        # 34 alert resources only: the rule arm-resource-limit refuses it, and says the alert rules count.
        problems = spec_problems(largest(tier, kind))
        assert len(problems) == 1 and "812 resources" in problems[0] and "are alert rules" in problems[0]
    rendered = render_text(largest(tier, kind, alerts=tier != 3))
    assert len(rendered.design.regions) == 8 and len(rendered.design.deployments) == 32
    used = compiled_usage(rendered.files)
    assert used.resources == rendered.design.resource_count <= limits.MAX_RESOURCES
    assert used.parameters <= 16 < limits.MAX_PARAMETERS
    assert used.outputs <= 16 < limits.MAX_OUTPUTS
    # Compiled JSON is a few times larger than its Bicep; even ten times would stay far below the limit.
    assert used.bicep_bytes * 10 < limits.MAX_TEMPLATE_BYTES


def test_the_largest_spec_has_what_it_says():
    design = render_text(largest(2)).design
    assert len(design.spec.access.principals) == 50 and len(design.spec.openai.allowed_ip_ranges) == 100
    assert len(design.grants) == 51
