"""The starting spec written by ``azoai-gen init``, and the checking of each of its answers.

``init`` asks four questions (:data:`QUESTIONS`), or takes their answers from options. Each answer is checked as it
is given, by the rules of ``validate`` (:func:`check_answer` validates the starting spec with the answers so far),
and a refused answer comes back with the reasons and, where one is clear, a suggestion: ``Claims App`` ->
``claims-app``, ``Production`` -> ``prod``, ``swedencentrl`` -> ``swedencentral``. A region written as the portal
shows it (``Sweden Central``, ``sweden-central``) names exactly one region, and is taken as that region's name.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from typing import Any, Mapping

from . import regions as azure_regions
from . import resources
from .catalogue import TIERS
from .errors import SpecError
from .frozen import field, frozen
from .pipeline import validate_text
from .posture import POSTURES

DEFAULT_REGIONS = ["swedencentral", "francecentral"]
DEFAULT_SPEC_NAME = "azoai-gen.yaml"


@frozen
class Question:
    """One of ``init``'s questions: the spec key it answers, how it is asked, and the option that answers it."""

    key: str
    prompt: str
    option: str


#: The questions, in the order they are asked (the regions' default depends on the tier).
QUESTIONS = (
    Question("tier", "Tier (1-5; 'azoai-gen tiers' compares them)", "--tier"),
    Question("workload", "Workload name (lowercase letters, digits and hyphens)", "--workload"),
    Question("environment", "Environment (a short lowercase word such as dev, test or prod)", "--environment"),
    Question("regions", "Regions (comma-separated, primary first)", "--region"),
)
OPTIONS = {question.key: question.option for question in QUESTIONS}


@frozen
class Answer:
    """A checked answer: its value (``None`` when refused), the reasons it was refused (each a message and a hint),
    an answer that would pass (or ``""``), and notes on how it was read (a display name taken as a region's name)."""

    value: Any
    problems: tuple[tuple[str, str], ...] = ()
    suggestion: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def default_regions(tier: int) -> list[str]:
    return DEFAULT_REGIONS[: POSTURES[tier].min_regions]


def default(key: str, answers: Mapping[str, Any]) -> Any:
    """The answer ``init`` takes when none is given."""
    if key == "regions":
        tier = answers.get("tier")
        return default_regions(tier if tier in POSTURES else 2)
    return {"tier": 2, "workload": "app", "environment": "dev"}[key]


def shown_default(key: str, answers: Mapping[str, Any]) -> str:
    """The default, as the prompt shows it (and as its answer would be typed)."""
    value = default(key, answers)
    return ",".join(value) if isinstance(value, list) else str(value)


def split_regions(values: list[str] | str) -> list[str]:
    """Regions as typed: a comma-separated list, or several of them (``--region a,b --region c``)."""
    items = [values] if isinstance(values, str) else values
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def region_names(values: list[str] | str) -> list[str]:
    """Regions as typed (:func:`split_regions`), each written as the portal shows it taken as the region's name."""
    return [azure_regions.lookup(item) or item for item in split_regions(values)]


def check_answer(key: str, given: Any, answers: Mapping[str, Any]) -> Answer:
    """Check the answer ``given`` (text, or an option's value) to the question ``key``, with the ``answers`` given
    before it (the others take their defaults), by validating the starting spec they make. Reported: the problems at
    this key, at keys answered already (a workload that only fits with a shorter environment) and at the parts of
    the starting spec no question sets; not those at questions still to come."""
    value, notes = _read(key, given)
    problems = _problems(key, value, answers)
    if not problems:
        return Answer(value, notes=notes)
    suggestion = _suggestion(key, given)
    if suggestion and _problems(key, _read(key, suggestion)[0], answers):
        suggestion = ""
    return Answer(None, problems, suggestion, notes)


def _read(key: str, given: Any) -> tuple[Any, tuple[str, ...]]:
    """The value an answer stands for, and how it was read."""
    if key == "tier":
        text = str(given).strip()
        return (int(text) if text.isdigit() else text), ()
    if key != "regions":
        return str(given).strip(), ()
    names, notes = [], []
    for item in split_regions(given):
        name = azure_regions.lookup(item)
        if name is not None and name != item:
            notes.append(f"{item}: the region's name is {name}")
        names.append(name or item)
    return names, tuple(notes)


def _problems(key: str, value: Any, answers: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    order = [question.key for question in QUESTIONS]
    values = {other: answers.get(other) for other in order} | {key: value}
    for other in order:
        if values[other] is None:
            values[other] = default(other, values)
    later = {other for other in order[order.index(key) + 1:] if answers.get(other) is None}
    try:
        validate_text(spec_text(**values))
    except SpecError as error:
        first = {}  # one reason for each value: the first found
        for problem in error.problems:
            if top_key(problem.path) not in later:
                first.setdefault(problem.path, (problem.message, problem.hint))
        return tuple(first.values())
    return ()


def top_key(path: str) -> str:
    """The top-level key of a problem's spec path: ``regions`` for ``regions[1].location``."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


#: Environment words too long for the spec (at most 8 characters), and the token that is used for each instead.
ENVIRONMENT_WORDS = {
    "production": "prod", "development": "dev", "preproduction": "preprod", "acceptance": "acc",
    "integration": "int", "qualityassurance": "qa", "useracceptance": "uat", "useracceptancetesting": "uat",
    "performance": "perf", "demonstration": "demo", "disasterrecovery": "dr",
}


def _suggestion(key: str, given: Any) -> str:
    """An answer close to ``given`` that may pass (the caller checks that it does), or ``""``."""
    if key == "tier":
        numbers = re.findall(r"[0-9]+", str(given))
        return numbers[0] if len(numbers) == 1 else ""
    if key == "workload":
        slug = re.sub(r"[^a-z0-9]+", "-", str(given).lower()).strip("-")
        slug = re.sub(r"^[^a-z]+", "", slug)[:20].rstrip("-")
        return slug
    if key == "environment":
        word = re.sub(r"[^a-z0-9]", "", str(given).lower())
        return ENVIRONMENT_WORDS.get(word) or (word if len(word) <= 8 else "")
    guesses = [azure_regions.guess(item) for item in split_regions(given)]
    return ",".join(guesses) if guesses and None not in guesses else ""  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------------------
# The starting spec.

#: The optional settings, commented out. A value labelled "default" is the schema's default (a test holds them
#: against the schema); one labelled "example" shows the form of a setting whose absence means what the label says.
OPTIONAL_SETTINGS = """# Optional settings, commented out. "default" marks the value a spec gets when it leaves the key out;
# "example" marks a value that only shows the form, and says what leaving the key out means.
#
# access:
#   managedIdentity: true          # default: a user-assigned identity for the calling service
#   principals: []                 # default; to add: - {objectId: <guid>, type: Group}
# openai:
#   kind: OpenAI                   # default; or AIServices
#   allowedIpRanges: []            # default: any address (tiers 1 and 2 restrict the public endpoint with it)
#   restrictOutboundNetworkAccess: false  # default
#   allowedFqdns: []               # default; what the account may call when outbound access is restricted
#   contentFilters: []             # default; to add: - {name: strict, prompt: {hate: {threshold: Low}}}; deployments[].raiPolicy names it
#   blocklists: []                 # default; to add: - {name: internal, items: [{term: Bluebird}]}
# keyVault:                        # tier 1 only
#   sku: standard                  # default
#   softDeleteRetentionInDays: 90  # default
#   allowedIpRanges: []            # default
#   secretExpiryDays: 90           # default
# network:                         # tiers 3 and above
#   addressSpace: 10.100.0.0/16    # default; each region gets the next /22 of it
#   workloadSubnetDelegation: none  # default; or Microsoft.App/environments, Microsoft.Web/serverFarms
#   privateDnsZoneIds: {}          # default: zones are created; or central ones: openai, cognitiveServices, aiServices
# (per region, under regions[].network: addressSpace, privateEndpointSubnet, workloadSubnet, or existingSubnetId)
# frontDoor:                       # tiers 4 and 5
#   sku: Premium_AzureFrontDoor    # default; managed WAF rules and Private Link need Premium
#   origin: openai                 # default; tier 4: openai (the accounts) or app (regions[].app.hostName)
#   routing: priority              # default; or weighted (regions[].weight)
#   healthProbe:
#     path: /status-0123456789abcdef  # default for openai origins; /health for app origins
#     method: GET                  # default
#     intervalInSeconds: 30        # default
#   waf:
#     mode: Prevention             # default
#     requestBodyCheck: true       # default
# apiManagement:                   # tier 5
#   sku: Premium                   # default; classic Premium: VNet injection and several regions in one instance
#   capacity: 1                    # default; scale units in every region
#   publisherName: Contoso         # example; left out: workload-environment
#   publisherEmail: platform@contoso.com  # example; left out: a placeholder that nobody reads, so set it
#   tokensPerMinute: 10000         # default; per subscription, counted by each regional gateway on its own
#   tokenLimitAcrossRegions: each  # default; or split: the regions share tokensPerMinute
#   oauth: {tenantId: <guid>, audiences: [api://my-openai]}  # example; left out: no Entra ID token is required
#   consumers: [{name: claims, tokenQuota: 50000000}]  # example; left out: one product and subscription for all
#   consumerKeyVault: {name: kv-platform}  # example; left out: the README shows how to read the keys
#   chargeback: {ratePer1000Tokens: 0.004}  # example; left out: the price table's per-1,000-token rates
#   contentSafety:                 # prompts checked by Azure AI Content Safety at the gateway
#     enabled: false               # default
#     outputType: FourSeverityLevels  # default; or EightSeverityLevels
#     categories:                  # a prompt at or above a threshold is refused with 403
#       hate: 4                    # default
#       selfHarm: 4                # default
#       sexual: 4                  # default
#       violence: 4                # default
#     shieldPrompt: true           # default; jailbreak attempts are refused too
#     blocklists: []               # default; blocklists of the Content Safety account
# monitoring:
#   logAnalyticsWorkspaceId: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>  # example; left out: a new workspace
#   retentionInDays: 90            # default
#   workbook: true                 # default; an Azure Monitor workbook of requests, errors, latency and tokens
#   alerts:
#     enabled: true                # default; false renders no alert rule, action group or expiry events
#     emails: []                   # default; list addresses, or the alerts notify nobody (a warning says so)
#     webhook: {urlEnvironmentVariable: ALERT_WEBHOOK_URL}  # example; left out: no webhook
#     severity: 2                  # default; 0 (critical) to 4
#     thresholds:
#       throttledRequests: 10      # default; HTTP 429 answers in 5 minutes, per account
#       serverErrors: 5            # default; HTTP 5xx answers in 5 minutes, per account
#       timeToResponseMs: 10000    # default
#       tokensNearCapacityPercent: 80  # default; of a deployment's tokens per minute, or of its PTUs
#       originHealthPercent: 90    # default; tiers 4 and 5
#       originGroupDownPercent: 10  # default; every origin failing: Front Door fails open
#       backendErrors: 10          # default; tier 5
#       gatewayCapacityPercent: 75  # default; tier 5
#       tokenLimitRejections: 10   # default; tier 5: 429 from the gateway's token limit
# naming:
#   suffix: abc12                  # example; left out: uniqueString(resourceGroup().id), cut to 5 characters
# validation:
#   strict: false                  # default; true: every warning is an error, as with --strict
"""


def spec_text(*, tier: int | str, regions: list[str], workload: str, environment: str,
              spec_name: str = DEFAULT_SPEC_NAME) -> str:
    """A commented spec, named ``spec_name`` (its comments say how to render it). The values are checked by
    validating the result, not trusted: each is written as YAML reads it back, as text (or the tier's number)."""
    info = TIERS.get(tier) if isinstance(tier, int) else None
    title = info.title if info else "unknown tier"
    region_lines = "\n".join(f"  - location: {_yaml_word(r)}" for r in regions) or "  []"
    return f"""# yaml-language-server: $schema={resources.SCHEMA_FILE}
# azoai-gen spec: edit it, then {_render_command(spec_name)}.
# Only the first six keys are required; every other setting has a secure default.
version: 1
workload: {_yaml_word(workload)}   # used in every resource name: do not change it once deployed
environment: {_yaml_word(environment)}
tier: {tier if isinstance(tier, int) else _yaml_word(tier)}   # {title}. 'azoai-gen tiers' compares the five tiers.
regions:   # the first is the primary; do not reorder once deployed
{region_lines}
deployments:   # created identically in every region
  - name: chat
    model: gpt-5.4-mini
    version: "2026-03-17"
    sku: GlobalStandard
    capacity: 10   # thousands of tokens per minute, per region
tags: {{}}

{OPTIONAL_SETTINGS}"""


def _render_command(spec_name: str) -> str:
    """How the spec's first comment says to render it: ``run 'azoai-gen render claims.yaml'``, with the name quoted
    for a shell where it needs it (``run: azoai-gen render 'my spec.yaml'``)."""
    quoted = shlex.quote(spec_name)
    return f"run 'azoai-gen render {spec_name}'" if quoted == spec_name else f"run: azoai-gen render {quoted}"


#: Plain YAML words that YAML 1.2's core schema reads as something else than text.
_NOT_TEXT = {"true", "false", "null"}


def _yaml_word(value: str) -> str:
    """A plain YAML scalar when YAML reads it back as this text, else a double-quoted one (so that an answer such as
    ``123`` or ``true`` is checked as the text it was, not as a number or a boolean)."""
    plain = value[:1].isalpha() and all(c.isalnum() or c == "-" for c in value) and value.isascii()
    if plain and value.lower() not in _NOT_TEXT:
        return value
    return '"' + "".join(map(_yaml_char, value)) + '"'


def _yaml_char(char: str) -> str:
    """One character in a YAML double-quoted scalar: an escape for a quote, a backslash, and every control,
    formatting, separator or surrogate character (which YAML refuses raw, or reads as a line break)."""
    if char in '"\\':
        return "\\" + char
    category = unicodedata.category(char)
    if category[0] == "C" or (category[0] == "Z" and char != " "):
        return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
    return char
