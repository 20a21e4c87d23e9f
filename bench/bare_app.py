"""Write a bare typer app with azoai-gen's commands and options: the floor that ``azoai-gen --help`` is compared with.

The app is read from ``azoai_gen.cli`` (its commands, their parameters, names, help texts, metavars and defaults) and
written out as a standalone script that imports only typer and whose commands do nothing, so that running its
``--help`` costs what typer itself costs for the same help page. Run: python bench/bare_app.py OUT.py
"""

from __future__ import annotations

import enum
import sys
import typing
from pathlib import Path
from typing import Any

#: Python types the generated script names as they are; anything else (paths, say) becomes str.
_PLAIN = {bool: "bool", int: "int", float: "float", str: "str"}
#: Settings of a parameter copied as they are when they differ from typer's defaults.
_SETTINGS = (("envvar", None), ("show_envvar", True), ("hidden", False), ("is_eager", False), ("min", None),
             ("max", None), ("show_choices", True), ("rich_help_panel", None))


class _Script:
    """The text of the generated script, with the enums its parameters need."""

    def __init__(self) -> None:
        self.enums: dict[type, str] = {}
        self.body: list[str] = []

    def enum(self, kind: type) -> str:
        if kind not in self.enums:
            self.enums[kind] = f"Choice{len(self.enums)}"
        return self.enums[kind]

    def annotation(self, kind: Any) -> str:
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if origin in (list, typing.List):
            return f"List[{self.annotation(args[0])}]"
        if origin is typing.Union:
            rest = [arg for arg in args if arg is not type(None)]
            return f"Optional[{self.annotation(rest[0])}]"
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return self.enum(kind)
        return _PLAIN.get(kind, "str")

    def default(self, value: Any) -> str:
        if isinstance(value, enum.Enum):
            return f"{self.enum(type(value))}.{value.name}"
        if value is None or isinstance(value, (bool, int, float, str)):
            return repr(value)
        return "None"

    def enum_text(self) -> list[str]:
        lines = []
        for kind, name in self.enums.items():
            lines.append(f"class {name}(str, Enum):")
            lines += [f"    {member.name} = {member.value!r}" for member in kind]
            lines.append("")
        return lines


def _given(value: Any) -> bool:
    """Whether a setting holds a value of its own, not typer's stand-in for "left to the default"."""
    return type(value).__name__ != "DefaultPlaceholder"


def _parameter(script: _Script, param: Any) -> str:
    """One parameter of a generated command: ``name: type = typer.Option(default, '--opt', help=...)``."""
    kind = param.type_descriptor.annotation
    default = "..." if param.required else script.default(param.default)
    settings = [default]
    if param.param_type_name == "option":
        declarations = list(param.opts)
        if param.secondary_opts:
            declarations = [f"{param.opts[0]}/{param.secondary_opts[0]}"]
        settings += [repr(declaration) for declaration in declarations]
    for key in ("help", "metavar"):
        if getattr(param, key, None) is not None:
            settings.append(f"{key}={getattr(param, key)!r}")
    if param.show_default is not True:
        settings.append(f"show_default={param.show_default!r}")
    for key, usual in _SETTINGS:
        value = getattr(param, key, usual)
        if value != usual and _given(value):
            settings.append(f"{key}={value!r}")
    maker = "typer.Option" if param.param_type_name == "option" else "typer.Argument"
    return f"    {param.name}: {script.annotation(kind)} = {maker}({', '.join(settings)}),"


def _own(param: Any) -> bool:
    """A parameter the command declares: not --help nor the completion options, which typer adds itself."""
    return param.name not in ("help", "install_completion", "show_completion")


def _function(script: _Script, decorator: str, name: str, command: Any, context: Any) -> None:
    params = [param for param in command.get_params(context) if _own(param)]
    script.body.append(decorator)
    script.body.append(f"def {name}(")
    script.body += [_parameter(script, param) for param in params]
    script.body += [") -> None:", f"    {command.help!r}", ""]


def _command_settings(name: str, command: Any) -> str:
    settings = [repr(name)]
    for key, usual in (("short_help", None), ("epilog", None), ("hidden", False), ("no_args_is_help", False),
                       ("deprecated", False), ("rich_help_panel", None)):
        value = getattr(command, key, usual)
        if value != usual and _given(value):
            settings.append(f"{key}={value!r}")
    return ", ".join(settings)


def generate() -> str:
    """The text of a standalone script: azoai-gen's command line with typer alone and commands that do nothing."""
    import typer

    from azoai_gen.cli import app

    group = typer.main.get_command(app)
    root = typer.Context(group, info_name="azoai-gen")
    script = _Script()
    _function(script, "@app.callback()", "main_callback", group, root)
    for index, (name, command) in enumerate(group.commands.items()):
        context = typer.Context(command, parent=root, info_name=name)
        _function(script, f"@app.command({_command_settings(name, command)})", f"command_{index}", command, context)
    head = ['"""A bare typer app with the commands and options of azoai-gen, each doing nothing."""', "",
            "from enum import Enum", "from typing import List, Optional", "", "import typer", ""]
    app_settings = (f"name='azoai-gen', help={group.help!r}, epilog={group.epilog!r}, add_completion=True, "
                    f"no_args_is_help={group.no_args_is_help!r}, pretty_exceptions_enable=False")
    tail = ["", "if __name__ == '__main__':", "    app(prog_name='azoai-gen')", ""]
    return "\n".join(head + script.enum_text() + [f"app = typer.Typer({app_settings})", "", ""] + script.body + tail)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python bench/bare_app.py OUT.py", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(generate(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
