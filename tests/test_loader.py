"""The YAML loader: safe parsing, limits, and positions of keys and values."""

from __future__ import annotations

from pathlib import Path

import pytest

from azoai_gen import load as loader
from azoai_gen.errors import SpecError, UsageError
from azoai_gen.load import MAX_BYTES, MAX_DEPTH, MAX_NODES, load_file, load_text


def problems_of(raw: str | bytes, file: str = "s.yaml") -> list:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    with pytest.raises(SpecError) as info:
        load_text(data, file)
    return info.value.problems


def only_problem(raw: str | bytes, file: str = "s.yaml"):
    problems = problems_of(raw, file)
    assert len(problems) == 1, [p.format() for p in problems]
    return problems[0]


def test_plain_values_and_positions_are_recorded():
    loaded = load_text(b"a: 1\nb:\n  - x: true\n    y: text\n", "s.yaml")
    assert loaded.data == {"a": 1, "b": [{"x": True, "y": "text"}]}
    assert loaded.positions.of_value(("a",)) == (1, 4)
    assert loaded.positions.of_key(("b", 0, "y")) == (4, 5)
    assert loaded.positions.of_value(("b", 0, "y")) == (4, 8)
    # A path that does not exist falls back to the nearest enclosing value.
    assert loaded.positions.of_value(("b", 0, "missing")) == (3, 5)


def test_duplicate_key_reports_second_key_with_first_line():
    problem = only_problem("a: 1\nb: 2\nc:\n  d: 1\n  d: 2\n")
    assert (problem.line, problem.column) == (5, 3)
    assert problem.path == "c.d"
    assert "duplicate key 'd'" in problem.message
    assert "first defined on line 4" in problem.message
    assert problem.format().startswith("s.yaml:5:3: c.d: duplicate key 'd' (first defined on line 4)")


def test_duplicate_keys_are_all_reported():
    problems = problems_of("a: 1\na: 2\nb: 1\nb: 2\n")
    assert [(p.line, p.path) for p in problems] == [(2, "a"), (4, "b")]


def _alias_bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_stops_early_with_a_clear_message(monkeypatch):
    calls = 0
    original = loader._Builder.build

    def counting(self, node, path, depth):
        nonlocal calls
        calls += 1
        return original(self, node, path, depth)

    monkeypatch.setattr(loader._Builder, "build", counting)
    # 10**9 values if it were expanded.
    problem = only_problem(_alias_bomb())
    assert f"expands to more than {MAX_NODES} values" in problem.message
    assert "alias bomb" in problem.hint
    # It stopped as soon as the limit was passed, not after expanding the document.
    assert calls <= MAX_NODES + 1


def test_aliases_within_the_limit_are_expanded():
    loaded = load_text(b"a: &x [1, 2]\nb: *x\n", "s.yaml")
    assert loaded.data == {"a": [1, 2], "b": [1, 2]}


def test_nesting_deeper_than_the_limit_is_rejected():
    depth = MAX_DEPTH + 5
    problem = only_problem("a: " + "[" * depth + "]" * depth + "\n")
    assert f"nesting is deeper than {MAX_DEPTH} levels" in problem.message


def test_nesting_at_the_limit_is_accepted():
    depth = MAX_DEPTH - 1  # the mapping itself is one level
    loaded = load_text(("a: " + "[" * depth + "]" * depth + "\n").encode(), "s.yaml")
    value = loaded.data["a"]
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


def test_extremely_deep_nesting_is_a_problem_not_a_crash():
    problem = only_problem("[" * 50_000 + "]" * 50_000)
    assert "nesting is too deep" in problem.message
    assert (problem.line, problem.column) == (1, 1)


def test_too_large_text_is_rejected_before_parsing():
    problem = only_problem(b"#" * (MAX_BYTES + 1))
    assert f"the file is {MAX_BYTES + 1} bytes; a spec may be at most {MAX_BYTES}" in problem.message


def test_too_large_file_is_rejected(tmp_path: Path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * MAX_BYTES)
    with pytest.raises(SpecError) as info:
        load_file(path)
    [problem] = info.value.problems
    assert problem.file == str(path)
    assert f"at most {MAX_BYTES}" in problem.message


def test_a_file_of_exactly_the_limit_is_read():
    text = b"a: 1\n" + b"#" * (MAX_BYTES - 5)
    assert len(text) == MAX_BYTES
    assert load_text(text, "s.yaml").data == {"a": 1}


@pytest.mark.parametrize("raw", [b"", b"   \n\n", b"# only a comment\n"])
def test_empty_spec(raw):
    problem = only_problem(raw)
    assert problem.message == "the spec is empty"
    assert "azoai-gen init" in problem.hint
    assert problem.format().startswith("s.yaml:1:1: (spec): the spec is empty")


@pytest.mark.parametrize(
    "raw, line, column, words",
    [
        ("a: b\n  c: d\n", 2, 4, "mapping values are not allowed here"),
        ("a: 1\nb: [1, 2\nc: 3\n", 3, 2, "expected ',' or ']'"),
        ("a:\t1\n", 1, 3, "cannot start any token"),
    ],
)
def test_invalid_yaml_has_line_and_column(raw, line, column, words):
    problem = only_problem(raw)
    assert (problem.line, problem.column) == (line, column)
    assert problem.message.startswith("invalid YAML: ")
    assert words in problem.message


def test_several_documents_are_invalid():
    problem = only_problem("a: 1\n---\nb: 2\n")
    assert problem.message.startswith("invalid YAML")
    assert problem.line == 2


def test_non_utf8_is_rejected():
    problem = only_problem(b"a: \xff\xfe\n")
    assert "not UTF-8" in problem.message
    assert "byte 3" in problem.message


def test_utf8_bom_is_accepted():
    assert load_text("\ufeffa: ä\n".encode("utf-8"), "s.yaml").data == {"a": "ä"}
    assert load_text("\ufeff\ufeffa: 1\n".encode("utf-8"), "s.yaml").data == {"a": 1}
    # A byte that is not UTF-8 is counted from after the mark.
    assert "byte 3" in only_problem(b"\xef\xbb\xbfa: \xff\n").message
    assert "byte 0" in only_problem(b"\xef\xbb").message


def test_merge_keys_are_rejected():
    problem = only_problem("base: &b\n  x: 1\nother:\n  <<: *b\n  y: 2\n")
    assert "merge keys (<<) are not supported" in problem.message
    assert (problem.line, problem.column) == (4, 3)
    assert problem.path == "other"


def test_dates_are_kept_as_the_text_written():
    loaded = load_text(b"version: 2024-11-20\nstamp: 2024-11-20 10:00:00\nquoted: '2024-11-20'\n", "s.yaml")
    assert loaded.data == {"version": "2024-11-20", "stamp": "2024-11-20 10:00:00", "quoted": "2024-11-20"}
    assert all(isinstance(v, str) for v in loaded.data.values())


def test_python_tags_are_refused():
    problem = only_problem("a: !!python/name:os.system x\n")
    assert "cannot read this value" in problem.message
    assert problem.path == "a"


def test_tags_on_collections_never_construct_objects():
    # The builder reads collections itself: a tag on a list or mapping cannot run code or build an object.
    loaded = load_text(b"a: !!python/object/apply:os.system ['echo hi']\nb: !!set {x: null}\n", "s.yaml")
    assert loaded.data == {"a": ["echo hi"], "b": {"x": None}}


@pytest.mark.parametrize("raw", ["? [a]\n: 1\n", "? {a: 1}\n: 1\n"])
def test_keys_must_be_plain_values(raw):
    problem = only_problem(raw)
    assert problem.message == "a key must be a plain value"


def test_a_missing_file_or_a_folder_is_a_usage_error_without_a_position(tmp_path: Path):
    with pytest.raises(UsageError) as info:
        load_file(tmp_path / "nope.yaml")
    assert info.value.message == f"no such file: {tmp_path / 'nope.yaml'}"
    assert "azoai-gen init" in info.value.hint
    with pytest.raises(UsageError) as info:
        load_file(tmp_path)
    assert info.value.message == f"{tmp_path} is a folder, not a spec file"
    assert info.value.hint == f"give the path of a spec file, such as {tmp_path / 'azoai-gen.yaml'}"
    (tmp_path / "azoai-gen.yaml").write_text("a: 1\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_file(tmp_path)
    assert info.value.hint == f"did you mean {tmp_path / 'azoai-gen.yaml'}?"


@pytest.mark.parametrize("raw, shown", [("~: 1\n", "~"), ("1234: x\n", "1234"), ("true: x\n", "true")])
def test_keys_must_be_text(raw, shown):
    problem = only_problem(raw)
    assert problem.message == f"the key '{shown}' is not text"
    assert problem.hint == f'quote it: "{shown}"'
    assert (problem.line, problem.column) == (1, 1)


# ---------------------------------------------------------------------------------------------------------------------
# Plain scalars mean what YAML 1.2 says they mean.


@pytest.mark.parametrize("text, value", [
    # YAML 1.1 reads these as booleans, dates, base-60, base-2 and underscored numbers; YAML 1.2 as text.
    ("no", "no"), ("off", "off"), ("Yes", "Yes"), ("y", "y"), ("1:30", "1:30"), ("2024-11-20", "2024-11-20"),
    ("0b101", "0b101"), ("1_000", "1_000"), ("2024-11-20 10:00:00", "2024-11-20 10:00:00"), ("=", "="),
    # The core schema's own forms.
    ("true", True), ("False", False), ("TRUE", True), ("~", None), ("null", None), ("", None),
    ("0", 0), ("-0", 0), ("+5", 5), ("42", 42), ("0o17", 15), ("0x1F", 31), ("1.5", 1.5), ("1e3", 1000.0),
    (".inf", float("inf")), ("-.Inf", float("-inf")),
])
def test_plain_scalars_follow_the_yaml_1_2_core_schema(text, value):
    assert load_text(f"a: {text}\n".encode(), "s.yaml").data == {"a": value}


def test_yaml_1_1_booleans_are_text_keys():
    assert load_text(b"yes: 1\noff: 2\n", "s.yaml").data == {"yes": 1, "off": 2}


@pytest.mark.parametrize("text, plain", [("0777", "777"), ("-010", "10"), ("00", "0")])
def test_a_leading_zero_is_refused_because_yaml_versions_disagree_on_it(text, plain):
    problem = only_problem(f"a: {text}\n")
    assert problem.message.startswith(f"{text} has a leading zero")
    assert "octal" in problem.message
    assert problem.hint == f'write {plain} for the number, or quote it if it is text: "{text}"'
    assert (problem.line, problem.column, problem.path) == (1, 4, "a")


@pytest.mark.parametrize("number", ["9" * 5000, "-" + "9" * 4301, "0x" + "f" * 5000, "0o" + "7" * 5000])
def test_a_huge_number_is_a_problem_not_a_crash(number):
    problem = only_problem(f"a:\n  b: {number}\n")
    assert "digits; a spec's numbers have at most" in problem.message
    assert (problem.line, problem.column, problem.path) == (2, 6, "a.b")


@pytest.mark.parametrize("raw, words", [
    ("a: !!int 1:30\n", "cannot read '1:30' as an integer"),
    ("a: !!bool yes\n", "cannot read 'yes' as true or false"),
    ("a: !!float 1_0\n", "cannot read '1_0' as a number"),
    ("a: !!null x\n", "cannot read 'x' as nothing"),
])
def test_explicit_tags_are_read_by_yaml_1_2_rules_too(raw, words):
    assert words in only_problem(raw).message


# ---------------------------------------------------------------------------------------------------------------------
# Only a regular file is read, and never more than the limit.


def _load_within(path: Path, seconds: float = 10.0):
    """load_file(path) in a thread, failing the test instead of hanging it."""
    import threading

    outcome: dict = {}

    def run():
        try:
            outcome["value"] = load_file(path)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"reading {path} did not return"
    return outcome


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path):
    import os

    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    error = _load_within(fifo)["error"]
    assert isinstance(error, UsageError)
    assert error.message == f"{fifo} is a named pipe (FIFO), not a spec file"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_refused_without_reading_it(device):
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    error = _load_within(Path(device))["error"]
    assert isinstance(error, UsageError)
    assert error.message == f"{device} is a character device, not a spec file"


def test_a_symlink_to_a_regular_file_is_read(tmp_path: Path):
    target = tmp_path / "real.yaml"
    target.write_bytes(b"a: 1\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    assert load_file(link).data == {"a": 1}


def test_a_file_larger_than_its_size_said_is_cut_off_at_the_limit(tmp_path: Path, monkeypatch):
    import os

    path = tmp_path / "growing.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * (2 * MAX_BYTES))
    real_fstat = os.fstat

    class Small:
        def __init__(self, real):
            self.st_mode, self.st_size = real.st_mode, 10

    monkeypatch.setattr(loader.os, "fstat", lambda fd: Small(real_fstat(fd)))
    reads = []
    real_read = os.read
    monkeypatch.setattr(loader.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    error = _load_within(path)["error"]
    assert f"more than {MAX_BYTES} bytes" in error.problems[0].message
    assert sum(reads) <= MAX_BYTES + 1 + 1


# ---------------------------------------------------------------------------------------------------------------------
# PyYAML's own words for a mistake, with a hint that says what to change.


@pytest.mark.parametrize("raw, line, column, hint", [
    ("a:\n\tb: 1\n", 2, 1, "YAML does not allow tabs for indentation: use spaces"),
    ("a:\n  - x\n\t- y\n", 3, 1, "YAML does not allow tabs for indentation: use spaces"),
    ("a:\t1\n", 1, 3, "replace the tab with a space: a tab cannot separate a key or a dash from its value here"),
])
def test_a_tab_gets_a_hint(raw, line, column, hint):
    problem = only_problem(raw)
    assert problem.message == "invalid YAML: found character '\\t' that cannot start any token"
    assert (problem.line, problem.column, problem.hint) == (line, column, hint)


def test_a_line_indented_too_far_gets_an_indentation_hint():
    problem = only_problem("a: 1\n  b: 2\n")
    assert (problem.line, problem.column) == (2, 4)
    assert problem.message == "invalid YAML: mapping values are not allowed here"
    assert problem.hint == ("check the indentation: this line is indented more than the key above it, and the keys "
                            "of one mapping start in the same column")


def test_a_value_holding_colon_space_gets_a_quote_hint():
    problem = only_problem("a: b: c\n")
    assert problem.message == "invalid YAML: mapping values are not allowed here"
    assert problem.hint == 'quote a value that contains ": ", as in description: "note: read me"'


def test_a_colon_without_a_space_is_named_on_the_line_where_it_is():
    problem = only_problem("tier:2\nworkload: claims\n")
    assert problem.message == "invalid YAML: mapping values are not allowed here"
    assert problem.hint == ("the line above, 'tier:2', has no space after its colon, so YAML reads it as one text: "
                            "write key: value")


def test_a_line_indented_less_than_its_block_names_the_columns():
    problem = only_problem("deployments:\n  - name: chat\n   model: x\n")
    assert problem.message == "invalid YAML: expected <block end>, but found '<block mapping start>'"
    assert (problem.line, problem.column) == (3, 4)
    assert problem.hint == ("check the indentation: the items of the block that starts on line 2 are in column 3, "
                            "and this line starts in column 4; indent with spaces so that the keys of one mapping, "
                            "and the dashes of one list, line up (a list item's keys line up after its '- ')")


def test_a_key_in_the_column_of_the_dashes_is_told_to_take_a_dash_or_an_indent():
    problem = only_problem("regions:\n  - location: swedencentral\n  weight: 2\n")
    assert problem.message == "invalid YAML: expected <block end>, but found '?'"
    assert problem.hint == ("this line starts in the column of the dashes of the list on line 2, without a dash: "
                            "start it with '- ' for a new item, or indent it to line up with the keys of the item "
                            "above")


def test_a_key_without_a_colon_is_located_at_the_key():
    problem = only_problem("a: 1\nb\nc: 2\n")
    assert problem.message == "invalid YAML: could not find expected ':'"
    assert (problem.line, problem.column) == (2, 1)
    assert problem.hint.startswith("a key needs a colon and a space after it (key: value)")


def test_a_quote_never_closed_is_located_where_it_opens():
    problem = only_problem('a: "abc\nb: 2\n')
    assert (problem.line, problem.column) == (1, 4)
    assert problem.hint == "this quote is never closed: end the value with the same quote on the same line"


@pytest.mark.parametrize("char", ["@", "`", "%"])
def test_a_reserved_character_at_the_start_of_a_value_says_quote_it(char):
    problem = only_problem(f"a: {char}x\n")
    assert problem.hint == f'quote the value: YAML reserves {char} at the start of a value, as in key: "{char}..."'
