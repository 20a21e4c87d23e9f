"""Runs the user's Azure CLI, read-only, for ``preflight``.

Every command line is built from :data:`COMMANDS`, the table of the ``az`` commands azoai-gen calls with the options
their documented syntax has (and the Learn page that documents it): :func:`command` refuses an option the table does
not list, and a test holds every command line a preflight builds against the table. Only commands that read are in
it. ``az`` is run without a shell, with ``-o json``; its output is parsed here, so that a failure, a timeout or output
that is not JSON becomes an :class:`AzFailure` (reported as a finding), never a traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any, Sequence

from .errors import UsageError
from .frozen import frozen

#: How long one az command may take.
TIMEOUT_SECONDS = 120

#: Global options az accepts on every command (Learn: "Azure CLI global arguments").
GLOBAL_OPTIONS = frozenset({"--output", "-o", "--query", "--only-show-errors", "--subscription"})


@frozen
class AzCommand:
    """One az command: its words, the options of its documented syntax, and where that syntax is documented."""

    words: tuple[str, ...]
    options: frozenset[str]
    source: str


def _command(words: str, options: str, source: str) -> AzCommand:
    return AzCommand(tuple(words.split()), frozenset(options.split()), source)


_LEARN = "https://learn.microsoft.com/cli/azure/"

#: Every az command a preflight calls, each with its documented options (long and short forms).
COMMANDS: dict[str, AzCommand] = {" ".join(c.words): c for c in (
    _command("account show", "--name -n --subscription", _LEARN + "account#az-account-show"),
    _command("ad signed-in-user show", "", _LEARN + "ad/signed-in-user#az-ad-signed-in-user-show"),
    _command("cognitiveservices usage list", "--location -l --filter",
             _LEARN + "cognitiveservices/usage#az-cognitiveservices-usage-list"),
    _command("cognitiveservices model list", "--location -l",
             _LEARN + "cognitiveservices/model#az-cognitiveservices-model-list"),
    _command("cognitiveservices account list", "--resource-group -g",
             _LEARN + "cognitiveservices/account#az-cognitiveservices-account-list"),
    _command("cognitiveservices account deployment list", "--name -n --resource-group -g",
             _LEARN + "cognitiveservices/account/deployment#az-cognitiveservices-account-deployment-list"),
    _command("cognitiveservices account list-deleted", "",
             _LEARN + "cognitiveservices/account#az-cognitiveservices-account-list-deleted"),
    _command("keyvault list-deleted", "--resource-type", _LEARN + "keyvault#az-keyvault-list-deleted"),
    _command("apim deletedservice list", "", _LEARN + "apim/deletedservice#az-apim-deletedservice-list"),
    _command("provider show", "--namespace -n --expand", _LEARN + "provider#az-provider-show"),
    _command("role assignment list",
             "--all --assignee --include-classic-administrators --include-groups --include-inherited "
             "--resource-group -g --role --scope --fill-principal-name --fill-role-definition-name",
             _LEARN + "role/assignment#az-role-assignment-list"),
)}


class AzFailure(Exception):
    """An az command that failed, timed out or printed something that is not JSON."""

    def __init__(self, line: str, reason: str) -> None:
        super().__init__(f"{line}: {reason}")
        self.line = line
        self.reason = reason


def command(name: str, /, **options: str | bool) -> list[str]:
    """The argument list of the az command ``name`` (a key of :data:`COMMANDS`) with ``options`` (``resource_type``
    is ``--resource-type``; ``True`` is a flag), ending in ``-o json``. Refuses an option the command does not
    document."""
    known = COMMANDS[name]
    args = list(known.words)
    for key, value in options.items():
        option = "--" + key.replace("_", "-")
        if option not in known.options and option not in GLOBAL_OPTIONS:
            raise ValueError(f"az {name} has no option {option}")
        args += [option] if value is True else [option, str(value)]
    return args + ["-o", "json"]


def shown(args: Sequence[str]) -> str:
    """A command line as the user would type it."""
    return " ".join(["az", *args])


def needs_login(stderr: str) -> bool:
    """Whether az refused because nobody is logged in (``Please run 'az login' to setup account.``, or an expired
    token whose message tells to run ``az login``)."""
    return "az login" in stderr


def resource_group_missing(reason: str) -> bool:
    """Whether az failed because the resource group does not exist (ARM's error code ``ResourceGroupNotFound``, which
    az prints as ``ERROR: (ResourceGroupNotFound) Resource group 'G' could not be found.``)."""
    return "ResourceGroupNotFound" in reason


class Az:
    """The user's az, found on PATH. Every call returns parsed JSON or raises :class:`AzFailure`."""

    def __init__(self, executable: str | None = None, timeout: float = TIMEOUT_SECONDS) -> None:
        found = executable or shutil.which("az")
        if found is None:
            raise UsageError("preflight needs the Azure CLI, and 'az' is not on PATH",
                             "install it (https://learn.microsoft.com/cli/azure/install-azure-cli), run az login, "
                             "then run preflight again")
        self.executable = found
        self.timeout = timeout
        #: Every command line run, in order (tests hold them against :data:`COMMANDS`).
        self.calls: list[list[str]] = []

    def run(self, args: list[str]) -> Any:
        self.calls.append(list(args))
        line = shown(args)
        try:
            done = subprocess.run([self.executable, *args], capture_output=True, text=True, timeout=self.timeout,
                                  check=False, stdin=subprocess.DEVNULL, encoding="utf-8", errors="replace")
        except subprocess.TimeoutExpired:
            raise AzFailure(line, f"no answer within {self.timeout:g} seconds") from None
        except OSError as error:
            raise AzFailure(line, f"could not be run: {error.strerror or error}") from None
        if done.returncode != 0:
            raise AzFailure(line, _last_words(done.stderr) or f"exit code {done.returncode}")
        try:
            return json.loads(done.stdout) if done.stdout.strip() else None
        except ValueError:
            raise AzFailure(line, "printed output that is not JSON") from None

    def account(self) -> dict[str, Any]:
        """``az account show``: the subscription and the signed-in identity. Not logged in is a usage error."""
        args = command("account show")
        try:
            found = self.run(args)
        except AzFailure as failure:
            if needs_login(failure.reason):
                raise UsageError("preflight needs a logged-in Azure CLI: az account show says nobody is logged in",
                                 "run az login (and az account set --subscription ID), then run preflight again") \
                    from None
            raise UsageError(f"{failure.line} failed: {failure.reason}",
                             "check that az works (az login, az account show), then run preflight again") from None
        if not isinstance(found, dict) or not isinstance(found.get("id"), str):
            raise UsageError(f"{shown(args)} printed no subscription",
                             "run az login and az account set --subscription ID, then run preflight again")
        return found


def _last_words(stderr: str) -> str:
    """az's error, on one line: its ERROR lines, or its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    text = " ".join(errors or lines[-1:])
    return text if len(text) <= 400 else text[:400] + "..."
