"""What each tier does: its security posture as flags, kept apart from the catalogue's prose.

:func:`for_spec` is the only place that turns a tier number (and the choices a tier leaves open) into a posture.
The design reads the posture; templates read the design.
"""

from __future__ import annotations

import enum
from dataclasses import replace

from .frozen import frozen
from .model import Spec


class Callers(enum.Enum):
    """How callers reach Azure OpenAI."""

    #: Tier 1: they read the API key from Key Vault (Key Vault Secrets User on the vault).
    KEY_VAULT_SECRET = "key-vault-secret"
    #: Tiers 2 to 4: Entra ID tokens (Cognitive Services OpenAI User on every account).
    OPENAI_USER_ROLE = "openai-user-role"
    #: Tier 5: through API Management; only the gateway's identity calls the accounts.
    API_MANAGEMENT = "api-management"


class Origin(enum.Enum):
    """What Front Door routes to."""

    NONE = ""
    OPENAI = "openai"
    APP = "app"
    APIM = "apim"


@frozen
class Posture:
    tier: int
    #: API keys stay enabled (``disableLocalAuth: false``).
    local_auth: bool
    #: The account key is written to Key Vault as a secret by the deployment.
    key_in_vault: bool
    #: The accounts answer on their public endpoint.
    public_network: bool
    #: Private endpoints and VNets for the accounts.
    private_endpoints: bool
    #: Azure Front Door in front of the regions.
    front_door: bool
    #: API Management between Front Door and the accounts.
    api_management: bool
    #: Fewest distinct regions the tier accepts.
    min_regions: int
    callers: Callers
    #: Why the accounts keep a public endpoint, when they do (shown to scanners and in the README).
    public_reason: str = ""
    origin: Origin = Origin.NONE


POSTURES: dict[int, Posture] = {
    1: Posture(1, local_auth=True, key_in_vault=True, public_network=True, private_endpoints=False, front_door=False,
               api_management=False, min_regions=1, callers=Callers.KEY_VAULT_SECRET,
               public_reason="Tier 1 serves a public endpoint by design; tier 3 and above disable public network "
                             "access"),
    2: Posture(2, local_auth=False, key_in_vault=False, public_network=True, private_endpoints=False,
               front_door=False, api_management=False, min_regions=1, callers=Callers.OPENAI_USER_ROLE,
               public_reason="Tier 2 serves a public endpoint by design; tier 3 and above disable public network "
                             "access"),
    3: Posture(3, local_auth=False, key_in_vault=False, public_network=False, private_endpoints=True,
               front_door=False, api_management=False, min_regions=1, callers=Callers.OPENAI_USER_ROLE),
    4: Posture(4, local_auth=False, key_in_vault=False, public_network=True, private_endpoints=False,
               front_door=True, api_management=False, min_regions=2, callers=Callers.OPENAI_USER_ROLE,
               public_reason="Tier 4 with Front Door origin 'openai' keeps the public endpoint because Front Door "
                             "cannot reach an Azure OpenAI private endpoint; keys are disabled and the WAF protects "
                             "the edge",
               origin=Origin.OPENAI),
    5: Posture(5, local_auth=False, key_in_vault=False, public_network=False, private_endpoints=True,
               front_door=True, api_management=True, min_regions=2, callers=Callers.API_MANAGEMENT,
               origin=Origin.APIM),
}


def for_spec(spec: Spec) -> Posture:
    """The posture of a spec: its tier, adjusted for the choices a tier leaves open.

    Tier 4 routes Front Door either to the accounts themselves (public endpoints, keys disabled) or to the user's
    regional apps, in which case Azure OpenAI stays private exactly as in tier 3.
    """
    posture = POSTURES[spec.tier]
    if posture.origin is Origin.OPENAI and spec.front_door.origin == "app":
        return replace(posture, public_network=False, private_endpoints=True, public_reason="", origin=Origin.APP)
    return posture
