"""The inbound section of the tier 5 API policy (``policies/openai-api.xml``), composed from fragments in one order.

Each fragment is a template of ``templates/policies/fragments/`` that prints well-formed XML elements. The order is
fixed here and documented in docs/architecture.md ("The API policy's fragments"):

1. ``base``: ``<base />`` inserts the product-scope policies, which hold each key consumer's limits. First, so that
   a consumer's quota is counted, and its 429 or 403 answered, before anything else costs time.
2. ``front-door``: only this Front Door may call (``X-Azure-FDID``).
3. ``caller``: who calls. A keyless call must carry an Entra ID token of a listed application; with
   ``apiManagement.oauth``, every call carries a token.
4. ``caller-limits``: that caller's limits (an Entra consumer's, or without consumers every subscription's), then
   the refusal of any call no consumer claims.
5. ``content-safety``: prompts checked by Azure AI Content Safety (added by the content safety settings), after the
   limits so that refused callers cost no check, before the metric so that blocked prompts are not counted.
6. ``token-metric``: tokens counted per consumer, deployment, subscription and region.
7. ``backend``: the region's backend pool.
8. ``authenticate``: the caller's key removed, the gateway's managed identity used instead.
"""

from __future__ import annotations

from ..frozen import frozen
from .consumers import CONSUMER_VARIABLE, Consumers

#: The fragments in the order the API policy's inbound section runs them.
ORDER = ("base", "front-door", "caller", "caller-limits", "content-safety", "token-metric", "backend", "authenticate")
FRAGMENT_DIR = "policies/fragments"

#: The policy's custom metric dimensions: azure-openai-emit-token-metric keeps at most 5 (Learn, emit token metric
#: policy); a test holds the count.
MAX_DIMENSIONS = 5
SUBSCRIPTION = ("Subscription ID", "@(context.Subscription.Id)")
#: Without a key (an Entra consumer) there is no subscription.
SUBSCRIPTION_OR_NONE = ("Subscription ID", '@(context.Subscription?.Id ?? "")')
REGION = ("Region", "@(context.Deployment.Region)")
CONSUMER = ("Consumer", f'@((string)context.Variables.GetValueOrDefault("{CONSUMER_VARIABLE}", ""))')
#: The deployment a call names: the deployment-id of the /deployments/{deployment-id}/... routes, or the model field
#: of a v1 route's JSON body (read without consuming it). The chargeback maps a deployment to its model.
DEPLOYMENT = ("Deployment",
              '@{ var parameters = context.Request.MatchedParameters; if (parameters.ContainsKey("deployment-id")) '
              '{ return parameters["deployment-id"]; } if (context.Request.Method != "POST") { return ""; } '
              'var body = context.Request.Body?.As<JObject>(preserveContent: true); '
              'return (string)body?["model"] ?? ""; }')


@frozen
class Fragment:
    name: str
    template: str


@frozen
class Dimension:
    name: str
    value: str


def fragments(consumers: Consumers | None, oauth: bool, present: tuple[str, ...] = ()) -> tuple[Fragment, ...]:
    """The fragments the policy holds, in :data:`ORDER`. ``caller`` only where a token is checked;
    ``content-safety`` only when ``present`` names it."""
    checks_token = oauth or bool(consumers and consumers.entra)
    found = []
    for name in ORDER:
        if name == "caller" and not checks_token:
            continue
        if name == "content-safety" and name not in present:
            continue
        found.append(Fragment(name, f"{FRAGMENT_DIR}/{name}.xml.j2"))
    return tuple(found)


def dimensions(consumers: Consumers | None) -> tuple[Dimension, ...]:
    """The token metric's dimensions: with consumers, who called and which deployment, for the chargeback."""
    if consumers is None:
        found = (SUBSCRIPTION, REGION)
    else:
        found = (SUBSCRIPTION_OR_NONE, REGION, CONSUMER, DEPLOYMENT)
    assert len(found) <= MAX_DIMENSIONS
    return tuple(Dimension(name, value) for name, value in found)


__all__ = ["ORDER", "Fragment", "Dimension", "fragments", "dimensions", "MAX_DIMENSIONS"]
