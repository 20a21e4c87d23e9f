"""The deployment commands in the generated README use only options that the Azure CLI documents.

Each command's options are copied below from its Azure CLI reference page on Learn; the test reads every ``az``
command of the README (code blocks and inline code), splits it as the shell does, and checks its options, their
values and the required ones. Global options (``--query``, ``--output``) are allowed on every command.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

import pytest

from _support import EXAMPLES, render_files

GLOBAL = {"--query": None, "--output": None, "-o": None}


@dataclass(frozen=True)
class Command:
    source: str
    #: option -> its documented values (None: any value; () for a flag).
    options: dict[str, tuple[str, ...] | None]
    required: frozenset[str] = frozenset()
    aliases: dict[str, str] = field(default_factory=dict)


STACK_GROUP = "https://learn.microsoft.com/cli/azure/stack/group"
DEPLOYMENT_GROUP = "https://learn.microsoft.com/cli/azure/deployment/group"

#: What the README runs, as the Azure CLI reference documents it.
DOCUMENTED: dict[str, Command] = {
    "az group create": Command("https://learn.microsoft.com/cli/azure/group#az-group-create", {
        "--name": None, "--location": None, "--managed-by": None, "--tags": None},
        frozenset({"--name", "--location"}), {"-n": "--name", "-l": "--location"}),
    "az deployment group what-if": Command(DEPLOYMENT_GROUP + "#az-deployment-group-what-if", {
        "--resource-group": None, "--template-file": None, "--parameters": None, "--name": None},
        frozenset({"--resource-group"}), {"-g": "--resource-group", "-f": "--template-file", "-p": "--parameters"}),
    "az deployment group create": Command(DEPLOYMENT_GROUP + "#az-deployment-group-create", {
        "--resource-group": None, "--template-file": None, "--parameters": None, "--name": None,
        "--no-wait": ()},
        frozenset({"--resource-group"}), {"-g": "--resource-group", "-f": "--template-file", "-p": "--parameters",
                                          "-n": "--name"}),
    "az deployment group show": Command(DEPLOYMENT_GROUP + "#az-deployment-group-show", {
        "--resource-group": None, "--name": None},
        frozenset({"--resource-group", "--name"}), {"-g": "--resource-group", "-n": "--name"}),
    "az stack group create": Command(STACK_GROUP + "#az-stack-group-create", {
        "--name": None, "--resource-group": None,
        "--action-on-unmanage": ("deleteAll", "deleteResources", "detachAll"),
        "--deny-settings-mode": ("denyDelete", "denyWriteAndDelete", "none"),
        "--template-file": None, "--template-spec": None, "--template-uri": None, "--parameters": None,
        "--query-string": None, "--deny-settings-excluded-principals": None,
        "--deny-settings-excluded-actions": None, "--deny-settings-apply-to-child-scopes": (),
        "--bypass-stack-out-of-sync-error": ("false", "true"), "--description": None, "--tags": None,
        "--yes": (), "--no-wait": ()},
        frozenset({"--name", "--resource-group", "--action-on-unmanage", "--deny-settings-mode"}),
        {"-n": "--name", "-g": "--resource-group", "--aou": "--action-on-unmanage", "--dm": "--deny-settings-mode",
         "-f": "--template-file", "-p": "--parameters", "--ep": "--deny-settings-excluded-principals",
         "--ea": "--deny-settings-excluded-actions", "--cs": "--deny-settings-apply-to-child-scopes",
         "--bse": "--bypass-stack-out-of-sync-error"}),
    "az stack group show": Command(STACK_GROUP + "#az-stack-group-show", {
        "--name": None, "--resource-group": None, "--id": None},
        frozenset(), {"-n": "--name", "-g": "--resource-group"}),
}


def az_commands(readme: str) -> list[list[str]]:
    """Every az command of the README: lines of bash code blocks and inline code spans, split as the shell does."""
    lines = []
    for block in re.findall(r"^```bash\n(.*?)\n```$", readme, flags=re.S | re.M):
        lines += [line for line in block.split("\n") if line.startswith("az ")]
    outside = re.sub(r"^```.*?^```$", "", readme, flags=re.S | re.M)
    # An inline span with options is a command; without, it only names one ("the `az deployment group create`").
    lines += [span for span in re.findall(r"`(az [^`]+)`", outside) if " -" in span]
    return [shlex.split(line) for line in lines]


def check(words: list[str]) -> list[str]:
    """What is wrong with one documented command line."""
    name = next((n for n in DOCUMENTED if words[:len(n.split())] == n.split()), None)
    assert name, words
    command = DOCUMENTED[name]
    problems, seen = [], set()
    rest = words[len(name.split()):]
    index = 0
    while index < len(rest):
        word = command.aliases.get(rest[index], rest[index])
        if word not in command.options and word not in GLOBAL:
            problems.append(f"{name}: {rest[index]} is not documented")
            index += 1
            continue
        values = command.options.get(word)
        seen.add(word)
        if values == ():
            index += 1
            continue
        value = rest[index + 1] if index + 1 < len(rest) else None
        if value is None or value.startswith("--"):
            problems.append(f"{name}: {word} needs a value")
        elif values and value not in values:
            problems.append(f"{name}: {word} {value} is not one of {values}")
        index += 2
    problems += [f"{name}: {option} is required" for option in sorted(command.required - seen)]
    return problems


def documented(readme: str) -> list[list[str]]:
    return [w for w in az_commands(readme) if any(w[:len(n.split())] == n.split() for n in DOCUMENTED)]


def test_the_checker_finds_unknown_options_values_and_missing_ones():
    assert check(shlex.split("az stack group create -n s -g rg --aou detachAll --dm none -f main.bicep")) == []
    assert check(shlex.split("az stack group create --name s --resource-group rg --action-on-unmanage delete "
                             "--deny-settings-mode none --what-if")) == [
        "az stack group create: --action-on-unmanage delete is not one of ('deleteAll', 'deleteResources', "
        "'detachAll')",
        "az stack group create: --what-if is not documented"]
    assert check(shlex.split("az stack group create --name s --resource-group rg")) == [
        "az stack group create: --action-on-unmanage is required",
        "az stack group create: --deny-settings-mode is required"]


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_every_deployment_command_of_the_readme_is_documented(name):
    readme = render_files(EXAMPLES.joinpath(f"{name}.yaml").read_text())["README.md"]
    commands = documented(readme)
    assert [problem for words in commands for problem in check(words)] == []
    stacks = [w for w in commands if w[:4] == ["az", "stack", "group", "create"]]
    plain = [w for w in commands if w[:4] == ["az", "deployment", "group", "create"]]
    # The stack is recommended with the options that make a tier change remove what it leaves out; the plain
    # deployment stays documented.
    assert len(stacks) == 1 and len(plain) == 1
    stack = stacks[0]
    assert stack[stack.index("--action-on-unmanage") + 1] == "deleteResources"
    assert stack[stack.index("--deny-settings-mode") + 1] == "none"
    assert stack[stack.index("--template-file") + 1] == "main.bicep"
    assert stack[stack.index("--parameters") + 1] == "main.bicepparam"
    assert stack[stack.index("--resource-group") + 1] == plain[0][plain[0].index("--resource-group") + 1]
    deploy = readme.split("\n### Deploy with a deployment stack\n", 1)[1].split("\n## ", 1)[0]
    for words in ("`detachAll`", "`denyDelete`", "`denyWriteAndDelete`", "`none`",
                  "`--deny-settings-excluded-principals`", "cannot delete Key Vault secrets"):
        assert words in deploy, words
