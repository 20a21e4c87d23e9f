"""The typer application that the commands of :mod:`azoai_gen.cli` are registered on.

Two things typer 0.29 does not do as users expect, set right once for every command (those added later included):

* **Help.** typer shows a type beside every parameter (``--force <bool>``, ``--region <list[str]>``, ``--tier
  <int range>``, ``--help <bool>``, ``spec <path>``) and wraps a required argument in braces in the usage line
  (``{spec}``). Here a flag shows nothing, a choice its choices (``[text|json]``), another option its metavar
  (``NAME`` unless it sets one, such as ``REGION[,REGION...]``), an argument its metavar alone, and the usage line
  names arguments as click does: ``SPEC``, or ``[SPEC]`` when it may be left out.
* **Completion for a named shell.** ``--show-completion`` and ``--install-completion`` (typer's own, from
  ``add_completion=True``) take no value and work for the shell they detect: ``--show-completion zsh`` run from
  bash printed the bash script. Here a shell named after either option is the shell used, through typer's own
  completion code (the same scripts, and the same ``_AZOAI_GEN_COMPLETE`` protocol at completion time).

And two things it does slowly:

* **Every command built on every run.** typer builds the click command of every registered command (reading each
  function's signature, making its parameters) before it parses the command line, though a run invokes one. Here
  the group's commands are built when first looked up (:class:`_Commands`), by typer's own function from the same
  registrations: ``azoai-gen render ...`` builds ``render`` alone, the group's help builds every command (it shows
  each one's help), and the suggestions for an unknown command need only the names.
* **pydantic.** typer converts every value that is not a flag through a pydantic validator, and importing pydantic
  costs more than parsing the command (docs/architecture.md, "Import cost"). A text, a path, a choice or a list of
  them is converted here with typer's own functions (:func:`_plain`), without pydantic; any other value, and any
  value that conversion refuses, goes through typer's own conversion, so results and messages stay typer's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

import typer
import typer.completion
import typer.main
from typer._click import Command as ClickCommand
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_choice, coerce_cli_path
from typer.core import TyperArgument, TyperCommand, TyperGroup
from typer.models import CommandInfo, DeveloperExceptionConfig

from .errors import shown
from .frozen import frozen

#: The shells typer writes completion scripts for.
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
COMPLETION_OPTIONS = ("--show-completion", "--install-completion")
_COMPLETION_HELP = {
    "--show-completion": "Print the completion script for SHELL (bash, zsh, fish, powershell or pwsh; default: the "
                         "current shell).",
    "--install-completion": "Install completion for SHELL (bash, zsh, fish, powershell or pwsh; default: the "
                            "current shell).",
}


class _Argument(TyperArgument):
    """An argument whose help row is its metavar and its help, without typer's type label (``<list[Path]>``)."""

    def display_type_rich(self, ctx: typer.Context) -> str | None:
        return None


def _leaf(annotation: Any) -> bool:
    """Whether values of ``annotation`` are converted by :class:`_Plain`: text, paths, choices and flags."""
    return isinstance(annotation, type) and (annotation in (str, bool) or issubclass(annotation, (Enum, Path)))


def _plain(descriptor: TypeDescriptor | None) -> bool:
    """Whether a parameter's values are a text, a path, a choice or a flag, or a list of one of them, with no parser
    and no file to open."""
    if descriptor is None or descriptor.file_annotation is not None or descriptor.parameter_info.parser is not None:
        return False
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        args = get_args(annotation)
        return len(args) == 1 and _leaf(args[0])
    return _leaf(annotation)


class _Refused(Exception):
    """A value that :class:`_Plain` leaves to typer."""


@frozen
class _Plain(RuntimeParam):
    """Converts a parameter's values as typer's pydantic validators do, with the functions they call, and hands any
    value it cannot convert to typer's own conversion (which then gives typer's message)."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            if get_origin(self.annotation) is list:
                item = get_args(self.annotation)[0]
                values = value if isinstance(value, (list, tuple)) else [value]
                return [self._one(item, v, param, ctx) for v in values]
            return self._one(self.annotation, value, param, ctx)
        except Exception:  # noqa: BLE001 - typer's own conversion decides, and words the message
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)

    def _one(self, annotation: type, value: Any, param: Any, ctx: Any) -> Any:
        info = self.parameter_info
        if issubclass(annotation, Enum):
            return coerce_cli_choice(value, choices=list(annotation), case_sensitive=info.case_sensitive, ctx=ctx)
        if annotation in (str, bool):  # a flag's own value; a flag's value from an environment variable is typer's
            if type(value) is not annotation:
                raise _Refused(value)
            return value
        path_type = info.path_type if info.path_type is not None else annotation
        if isinstance(path_type, type) and issubclass(path_type, Path) and not isinstance(value, path_type):
            if type(value) is not str:
                raise _Refused(value)
            value = path_type(value)  # what pydantic's path validator makes of a text
        return coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)


def _settle(param: Any) -> None:
    """Give a parameter that names no metavar the one its help shows: nothing for a flag, its choices for a choice
    (``[text|json]``), else its name in capitals. An argument's help row shows no type. A text, path, choice or flag
    is converted without pydantic (:class:`_Plain`)."""
    if getattr(param, "_runtime_param", False) is None and _plain(getattr(param, "type_descriptor", None)):
        descriptor = param.type_descriptor
        param._runtime_param = _Plain(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)
    if isinstance(param, TyperArgument) and type(param) is TyperArgument:
        param.__class__ = _Argument
    if param.param_type_name == "option" and param.opts and param.opts[0] in _COMPLETION_HELP:
        param.metavar, param.help = "[SHELL]", _COMPLETION_HELP[param.opts[0]]
    elif param.metavar is None:
        choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif choices:
            param.metavar = "[" + "|".join(str(getattr(choice, "value", choice)) for choice in choices) + "]"
        else:
            param.metavar = param.name.upper()


class _Help:
    """Settles the metavar of every parameter, the help option and typer's completion options included."""

    def get_params(self, ctx: typer.Context) -> list[Any]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            _settle(param)
        return params


class Command(_Help, TyperCommand):
    """A command whose usage line names its arguments ``SPEC`` or ``[SPEC]``, not ``{spec}``."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                pieces.extend(param.get_usage_pieces(ctx))
                continue
            name = param.metavar if param.required else f"[{param.metavar}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces


class _Commands(MutableMapping[str, ClickCommand]):
    """A group's commands by name, in the order they were registered, each built from its registration the first
    time it is looked up. Listing the names builds nothing."""

    def __init__(self, infos: Sequence[CommandInfo], build: Callable[[CommandInfo], ClickCommand]) -> None:
        # Under the name typer gives the command it builds from each registration (typer.main.get_command_from_info).
        self._entries: dict[str, CommandInfo | ClickCommand] = {
            info.name or typer.main.get_command_name(info.callback.__name__): info for info in infos}
        self._build = build

    def __getitem__(self, name: str) -> ClickCommand:
        entry = self._entries[name]
        if isinstance(entry, CommandInfo):
            entry = self._entries[name] = self._build(entry)
        return entry

    def __setitem__(self, name: str, command: ClickCommand) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class Group(_Help, TyperGroup):
    """The application: a shell named after ``--show-completion`` or ``--install-completion`` is used."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        """The names of the commands, in the order they were registered, as typer lists them (without building
        each)."""
        return list(self.commands)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, **extra: Any) -> Any:
        words = list(sys.argv[1:] if args is None else args)
        if len(words) == 2 and words[0] in COMPLETION_OPTIONS:
            if words[1] not in SHELLS:
                typer.echo(f"Error: {words[0]}: no completion for the shell '{shown(words[1])}'; use one of: "
                           f"{', '.join(SHELLS)}", err=True)
                sys.exit(2)
            name = prog_name or self.name or "azoai-gen"
            variable = complete_var or "_{}_COMPLETE".format(name.replace("-", "_").upper())
            sys.exit(_completion(self, words[0], words[1], name, variable))
        return super().main(args, prog_name, complete_var, **extra)


def _completion(group: Group, option: str, shell: str, name: str, variable: str) -> int:
    if option == "--show-completion":
        return typer.completion.shell_complete(group, {}, name, variable, f"source_{shell}")
    shell, path = typer.completion.install(shell=shell, prog_name=name, complete_var=variable)
    typer.echo(f"{shell} completion installed in {path}")
    typer.echo("Completion will take effect once you restart the terminal")
    return 0


class App(typer.Typer):
    """``typer.Typer`` whose commands are :class:`Command` and whose group is :class:`Group`, each command built when
    it is first looked up."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(cls=Group, **settings)

    def command(self, *args: Any, cls: type[TyperCommand] | None = None, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls or Command, **kwargs)

    def group(self) -> Group:
        """The group typer builds for this application (its callback, its options, the completion options), with
        each command built from its registration when first looked up, by typer's own function and settings."""
        registered, self.registered_commands = self.registered_commands, []  # typer builds the group without them
        try:
            group = typer.main.get_command(self)
        finally:
            self.registered_commands = registered
        assert isinstance(group, Group), group
        group.commands = _Commands(self.registered_commands, self._build)
        return group

    def _build(self, info: CommandInfo) -> ClickCommand:
        return typer.main.get_command_from_info(info, pretty_exceptions_short=self.pretty_exceptions_short,
                                                rich_markup_mode=self.rich_markup_mode)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the application as ``typer.Typer.__call__`` does, exception hook included, through :meth:`group`."""
        if sys.excepthook != typer.main.except_hook:
            sys.excepthook = typer.main.except_hook
        try:
            return self.group()(*args, **kwargs)
        except Exception as error:
            setattr(error, typer.main._typer_developer_exception_attr_name, DeveloperExceptionConfig(
                pretty_exceptions_enable=self.pretty_exceptions_enable,
                pretty_exceptions_show_locals=self.pretty_exceptions_show_locals,
                pretty_exceptions_short=self.pretty_exceptions_short))
            raise
