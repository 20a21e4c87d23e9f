"""A CI pipeline for the user's repository: GitHub Actions or Azure Pipelines, rendered from ``templates/ci/``.

The pipeline is designed here, once, from the designs of the specs it deploys (their resource groups, regions and
environments, and where their Bicep is), and printed by a template that decides nothing, like every other file.

* On pull requests: ``azoai-gen validate --strict`` and ``azoai-gen render --check`` for every spec, checkov on every
  output folder, and ``az deployment group what-if`` of every resource group, posted to the run's summary.
* On the main branch: the same checks, then one deployment per spec, in the order the specs were given, each in the
  spec's environment (whose approvals are configured on the CI system, never in the file), signed in with workload
  identity federation (OpenID Connect): the file holds identifiers only, never a secret.

The file ends with a checksum of its own text. A file whose checksum holds was written by azoai-gen and not edited
since, so a new ``azoai-gen ci`` replaces it; any other file at that path is replaced only with ``--force``.
"""

from __future__ import annotations

import hashlib
import posixpath
import re

from . import __version__
from .design import Design
from .design.records import Generator
from .errors import UsageError
from .escape import invisible, pipeline_expression_problem
from .frozen import frozen
from .render import template_text

#: Where each platform's pipeline goes, relative to the top of the repository. Azure Pipelines reads any path (the
#: pipeline is created from "Existing Azure Pipelines YAML file"), so a dedicated name never meets the user's own
#: azure-pipelines.yml.
PATHS = {"github": ".github/workflows/azoai-gen.yml", "azure-devops": ".azure-pipelines/azoai-gen.yml"}
TEMPLATES = {"github": "ci/github.yml.j2", "azure-devops": "ci/azure-devops.yml.j2"}
#: checkov, pinned: the version whose Bicep parser and checks the generated Bicep is held to.
CHECKOV = "checkov==3.3.30"
PYTHON_VERSION = "3.12"
#: The branch that deploys; pull requests into it are checked.
BRANCH = "main"
#: What what-if gets for a secret URL: a pull request's code must never read the secret itself.
WHAT_IF_STAND_IN = "https://what-if.invalid/"
CHECKSUM = "# azoai-gen checksum: sha256:"
_CHECKSUM_LINE = re.compile(rb"\n" + re.escape(CHECKSUM.encode()) + rb"(?P<hex>[0-9a-f]{64})\n\Z")


@frozen
class Target:
    """One spec: where its files are, where it deploys, and the jobs that check and deploy it."""

    spec: str
    template: str
    parameters: str
    infra: str
    workload: str
    environment: str
    resource_group: str
    location: str
    #: GitHub: the environment of the what-if job, apart from the deployment's, so that pull requests never use
    #: the deployment's identity or wait for its approvals.
    what_if_environment: str
    #: Azure Pipelines: the service connections (workload identity federation) of what-if and of the deployment.
    what_if_connection: str
    deploy_connection: str
    what_if_job: str
    deploy_job: str
    deploy_stage: str
    #: Azure Pipelines: a deployment job's own name (``deploy`` alone is reserved).
    deployment: str
    #: What the deployment waits for: the checks, and the deployment of the spec before it.
    after_jobs: tuple[str, ...]
    after_stages: tuple[str, ...]
    summary_file: str
    concurrency: str
    #: What the CI system shows for the jobs.
    what_if_title: str
    deploy_title: str
    #: The heading of the what-if output in the run's summary (Markdown).
    summary_heading: str
    #: Environment variables main.bicepparam reads at deployment (the alert webhook's URL): the deployment maps each
    #: from a secret of the same name; what-if, which runs pull requests' code, gets a stand-in instead.
    secret_variables: tuple[str, ...] = ()


@frozen
class Pipeline:
    platform: str
    path: str
    generator: Generator
    #: The command that writes this file again.
    command: tuple[str, ...]
    packages: tuple[str, ...]
    python_version: str
    branch: str
    #: Azure Pipelines: when what-if runs (pull requests) and when deployments run (pushes to the branch).
    what_if_condition: str
    deploy_condition: str
    targets: tuple[Target, ...]
    #: The deployment environments, each once, in the order of the specs.
    environments: tuple[str, ...]
    what_if_environments: tuple[str, ...]
    connections: tuple[str, ...]
    #: Every secret variable of the targets, each once.
    secret_variables: tuple[str, ...] = ()
    what_if_stand_in: str = WHAT_IF_STAND_IN


def _ident(*parts: str) -> str:
    return "_".join(parts).replace("-", "_")


def _target(spec: str, infra: str, design: Design, previous: Target | None) -> Target:
    key = f"{design.workload}-{design.environment}"
    deploy = _ident("deploy", design.workload, design.environment)
    return Target(
        spec=spec, infra=infra, template=posixpath.join(infra, "main.bicep"),
        parameters=posixpath.join(infra, "main.bicepparam"),
        workload=design.workload, environment=design.environment, resource_group=design.resource_group,
        location=design.primary.location,
        what_if_environment=f"{design.environment}-what-if",
        what_if_connection=f"azoai-gen-{design.environment}-what-if",
        deploy_connection=f"azoai-gen-{design.environment}",
        what_if_job=_ident("what_if", design.workload, design.environment),
        deploy_job=deploy, deploy_stage=deploy,
        deployment=_ident(design.workload, design.environment),
        after_jobs=("check",) + ((previous.deploy_job,) if previous else ()),
        after_stages=("check",) + ((previous.deploy_stage,) if previous else ()),
        summary_file=f"what-if-{key}.md",
        concurrency=f"azoai-gen-{design.resource_group}",
        what_if_title=f"what-if {design.resource_group}", deploy_title=f"deploy {design.resource_group}",
        summary_heading=f"### what-if of {design.resource_group} ({spec})",
        secret_variables=_secret_variables(design),
    )


def _secret_variables(design: Design) -> tuple[str, ...]:
    alerts = design.alerts
    return (alerts.action_group.webhook_variable,) if alerts and alerts.action_group.webhook_variable else ()


def _check_path(path: str) -> None:
    """Refuse a spec path that a pipeline cannot name as it is."""
    problem = pipeline_expression_problem(path)
    bad = next((char for char in path if invisible(char)), None)
    if bad is not None:
        problem = f"it holds U+{ord(bad):04X}, which a pipeline's script cannot hold"
    if problem:
        raise UsageError(f"{path}: cannot be named in a pipeline: {problem}", "rename the spec or its folder")


def pipeline(platform: str, specs: list[tuple[str, str, Design]]) -> Pipeline:
    """The pipeline of ``platform`` for ``specs``: (spec path, output folder, design) each, both paths relative to
    the top of the repository, in POSIX form. Two specs of one resource group are refused."""
    if platform not in PATHS:
        raise UsageError(f"unknown CI platform {platform!r}", "choose github or azure-devops")
    targets: list[Target] = []
    seen: dict[str, str] = {}
    for spec, infra, design in specs:
        _check_path(spec)
        if spec in seen.values():
            raise UsageError(f"{spec} is named twice", "name each spec once, in the order they deploy")
        if design.resource_group in seen:
            raise UsageError(f"{seen[design.resource_group]} and {spec} both deploy to {design.resource_group}",
                             "give each spec its own workload or environment")
        seen[design.resource_group] = spec
        targets.append(_target(spec, infra, design, targets[-1] if targets else None))
    environments = tuple(dict.fromkeys(t.environment for t in targets))
    return Pipeline(
        platform=platform, path=PATHS[platform], generator=Generator("azoai-gen", __version__),
        command=("azoai-gen", "ci", platform, *(t.spec for t in targets)),
        packages=(f"azoai-gen=={__version__}", CHECKOV), python_version=PYTHON_VERSION, branch=BRANCH,
        what_if_condition="and(succeeded(), eq(variables['Build.Reason'], 'PullRequest'))",
        deploy_condition="and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'), "
                         f"eq(variables['Build.SourceBranch'], 'refs/heads/{BRANCH}'))",
        targets=tuple(targets), environments=environments,
        what_if_environments=tuple(dict.fromkeys(t.what_if_environment for t in targets)),
        connections=tuple(dict.fromkeys(c for t in targets for c in (t.what_if_connection, t.deploy_connection))),
        secret_variables=tuple(dict.fromkeys(name for t in targets for name in t.secret_variables)),
    )


def render(plan: Pipeline) -> str:
    """The pipeline file's text, its checksum line last."""
    text = template_text(TEMPLATES[plan.platform], {"pipeline": plan})
    body = re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
    return body + CHECKSUM + hashlib.sha256(body.encode("utf-8")).hexdigest() + "\n"


def is_ours(data: bytes) -> bool:
    """Whether ``data`` is a pipeline azoai-gen wrote, unchanged since: its last line is the checksum of the rest."""
    match = _CHECKSUM_LINE.search(data)
    if match is None:
        return False
    body = data[:match.start() + 1]
    return hashlib.sha256(body).hexdigest() == match["hex"].decode()
