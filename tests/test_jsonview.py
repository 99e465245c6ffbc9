"""gdbext.jsonview without gdb: reindenting as written, strict checks, paths, colours."""

from __future__ import annotations

import json
import random
import re

import pytest

from gdbext import jsonview as jv

ANSI = re.compile(r"\x1b\[[0-9;]*m")
_OUTSIDE = re.compile(r'("(?:[^"\\]|\\.)*")|[ \t\n\r]+', re.S)


def squeeze(text: str) -> str:
    """TEXT without the whitespace outside strings (the reviewers' acceptance check)."""
    return _OUTSIDE.sub(lambda m: m.group(1) or "", text)


def show(text: str, colors: jv.Palette = jv.PLAIN, **kwargs: object) -> str:
    return "".join(jv.Formatter(text, colors, **kwargs).chunks())  # type: ignore[arg-type]


def problem(text: str) -> str:
    with pytest.raises(jv.JsonError) as info:
        show(text)
    return str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        "[1E400, -0, 1e2, 0.1000000000000000055511151231257827, -1.5e-7, 12345678901234567890123]",
        r'{"esc": "\"quoted\" \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00", "lone": "\ud800"}',
        '  {  "a" :[ ] , "b":{ },"c":[1,[2,{}]] ,"d" : [ { } ] }  ',
        '{"a\\\\": "b\\\\", "c": "\\\\\\"", "d": "\\"\\\\"}',
        '"just a string"',
        "0",
        "[true, false, null]",
        '{"k": "{[,:]}", "{": "]", "x": "a\\"b,c:d"}',
        '{"unicode": "café ☕ 𝄞", "π": 3.14}',
        '["a\\nb", "\\\\x", "\\u0041", {"k\\t": "\\\\"}]',
    ],
)
def test_output_is_the_input_reindented(text):
    out = show(text)
    assert out.endswith("\n")
    assert squeeze(out) == squeeze(text)
    assert json.loads(out) == json.loads(text)


def test_layout_is_json_dumps_indent_2():
    document = {"a": [1, 2.5, {"b": None, "c": []}, {}], "d": {"e": "x\ny", "f": True}, "g": []}
    written = json.dumps(document, ensure_ascii=False)
    assert show(written) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def test_numbers_and_escapes_are_kept_as_written():
    out = show('[1E400,-0,1e2,0.1000000000000000055511151231257827,"\\u0041"]')
    assert out == (
        '[\n  1E400,\n  -0,\n  1e2,\n  0.1000000000000000055511151231257827,\n  "\\u0041"\n]\n'
    )


def test_duplicate_keys_are_kept_and_reported():
    text = '{"a": 1, "b": {"a": 0}, "a": 2, "\\u0061": 3}'
    formatter = jv.Formatter(text)
    out = "".join(formatter.chunks())
    assert squeeze(out) == squeeze(text)
    found = [(d.key, jv.line_column(text, d.pos), jv.line_column(text, d.first))
             for d in formatter.duplicates]
    assert found == [('"a"', (1, 25), (1, 2)), ('"\\u0061"', (1, 33), (1, 2))]


def test_several_documents():
    text = '{"a": 1}\n{"b": [2]}\n3\n"x" {} []\n'
    formatter = jv.Formatter(text)
    out = "".join(formatter.chunks())
    assert formatter.documents == 6
    assert out == '{\n  "a": 1\n}\n{\n  "b": [\n    2\n  ]\n}\n3\n"x"\n{}\n[]\n'


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("[NaN]", "NaN is not JSON", (1, 2)),
        ('{"x": -Infinity}', "-Infinity is not JSON", (1, 7)),
        ("[1, 2,]", "Trailing comma before ']'", (1, 6)),
        ('{"a": 1,\n}', "Trailing comma before '}'", (1, 8)),
        ("{'a': 1}", "Single quotes are not JSON", (1, 2)),
        ('{"a": 1 // why\n}', "Comments are not JSON", (1, 9)),
        ("/* c */ 1", "Comments are not JSON", (1, 1)),
        ("[01]", "leading zeros are not allowed", (1, 2)),
        ("[1.]", "a digit must follow '.'", (1, 2)),
        ("[.5]", "a digit must come before '.'", (1, 2)),
        ("[+1]", "a leading '+' is not allowed", (1, 2)),
        ('"a\tb"', "Invalid control character \\t in a string", (1, 3)),
        ('"\\x41"', "Invalid \\escape", (1, 2)),
        ('"\\u12"', "Invalid \\uXXXX escape", (1, 2)),
        ('["abc', "Unterminated string", (1, 2)),
        ('{"a": [1, 2}', "Mismatched '}': the array opened at line 1 column 7", (1, 12)),
        ('{"a" 1}', "Expecting ':' delimiter", (1, 6)),
        ("[1 2]", "Expecting ',' delimiter", (1, 4)),
        ('{"a":}', "Expecting value", (1, 6)),
        ("{1: 2}", "Expecting property name enclosed in double quotes", (1, 2)),
        ("[1]]", "Unexpected ']' (nothing is open)", (1, 4)),
        ("[tru]", "Unexpected word tru", (1, 2)),
        ("[True]", "Unexpected word True", (1, 2)),
        ("{\n", "Unterminated object (opened at line 1 column 1)", (2, 1)),
        ("  ", "Expecting value", (1, 3)),
        ("1true", "Invalid number 1true", (1, 1)),
        ('["\udcff"] \udcfe', "Byte \\xfe is not UTF-8", (1, 7)),
    ],
)
def test_problems_name_line_and_column(text, message, where):
    out = problem(text)
    line, column = where
    assert message in out
    assert f" at line {line} column {column}: " in out
    assert "\n" not in out and ">>>" in out


def test_a_problem_deep_in_a_big_document_is_found_before_any_output():
    text = json.dumps([{"n": i} for i in range(50000)])
    broken = text.replace('"n": 49990', '"n": NaN')
    formatter = jv.Formatter(broken)
    chunks = formatter.chunks()
    with pytest.raises(jv.JsonError, match="NaN is not JSON"):
        next(chunks)


def test_invalid_utf8_is_shown_as_escapes():
    data = b'{"name": "caf\xe9", "ok": "\xc3\xa9", "bad": "\xff\xfe"}'
    text, first_bad = jv.decode(data)
    assert first_bad == 13
    out = jv.show_bad_bytes(show(text))
    assert '"name": "caf\\xe9"' in out
    assert '"ok": "é"' in out
    assert '"bad": "\\xff\\xfe"' in out
    assert jv.decode(b'{"a": 1}') == ('{"a": 1}', None)


def test_deep_nesting_needs_no_recursion():
    text = "[" * 5000 + "]" * 5000
    out = show(text)
    assert squeeze(out) == text
    assert problem("[" * 5000 + "]" * 4999).startswith("Unterminated array")


def test_streaming_chunks_carry_depth_across():
    document = {"items": [{"id": i, "tags": ["a", "b"], "s": f"x{i}"} for i in range(3000)]}
    text = json.dumps(document)
    formatter = jv.Formatter(text)
    formatter.CHUNK_CHARS = 50
    chunks = list(formatter.chunks())
    assert len(chunks) > 100
    assert "".join(chunks) == json.dumps(document, indent=2) + "\n"


def test_colours_only_add_escape_codes():
    text = '{"a": [1, -2.5e3, true, false, null, "s", {}, []], "b\\"": {"c": "d"}} 7 "x"'
    colors = jv.Palette(key=("<K>", "</K>"), string=("<S>", "</S>"), number=("<N>", "</N>"),
                        literal=("<L>", "</L>"), punct=("<P>", "</P>"))
    out = show(text, colors)
    assert re.sub(r"</?[KSNLP]>", "", out) == show(text)
    assert '<K>"a"</K><P>:</P> <P>[</P>' in out
    assert "<N>-2.5e3</N><P>,</P>" in out
    assert "<L>true</L>" in out and '<S>"s"</S>' in out and '<K>"b\\""</K>' in out
    assert "<P>{}</P>" in out and "\n<N>7</N>\n" in out


def test_pygments_palette():
    pytest.importorskip("pygments")
    colors = jv.palette("default")
    assert colors is not None
    assert colors.key[0].startswith("\x1b[")
    assert colors.string[0] and colors.number[0]
    assert ANSI.sub("", show('{"a": [1, "x", null]}', colors)) == show('{"a": [1, "x", null]}')
    assert vars_of(jv.palette("no-such-style")) == vars_of(colors)


def vars_of(colors: jv.Palette | None) -> dict[str, tuple[str, str]]:
    assert colors is not None
    return {kind: getattr(colors, kind) for kind in jv.Palette.__slots__}


# -- Paths ----------------------------------------------------------------------

DOC = '{"items": [{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": []}], "a b": {"c": null}}'


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (".items[0].tags[1]", '"b"'),
        (".items[1].id", "2"),
        ('["a b"].c', "null"),
        ('["a b"]', '{\n  "c": null\n}'),
        (".items[1].tags", "[]"),
        ("", None),
    ],
)
def test_select(path, shown):
    spans = jv.select(DOC, jv.parse_path(path))
    assert len(spans) == 1
    start, end = spans[0]
    out = show(DOC, start=start, end=end, single=True).rstrip("\n")
    assert out == (shown if shown is not None else show(DOC).rstrip("\n"))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (".nosuch", 'the document has no key "nosuch"'),
        (".items[5]", ".items has no element [5]: it has 2 elements"),
        (".items[1].tags[0]", ".items[1].tags has no element [0]: it has 0 elements"),
        (".items.id", ".items is an array, not an object: it has no .id"),
        (".items[0].id[0]", ".items[0].id is a number, not an array: it has no [0]"),
        ('["a b"].c.d', '["a b"].c is null, not an object: it has no .d'),
    ],
)
def test_select_names_what_is_missing(path, message):
    with pytest.raises(jv.PathError) as info:
        jv.select(DOC, jv.parse_path(path))
    assert str(info.value) == message


def test_select_in_each_document():
    text = '{"n": 1}\n{"n": 2}\n{"n": 3}\n'
    spans = jv.select(text, ["n"])
    assert [text[s:e] for s, e in spans] == ["1", "2", "3"]


def test_parse_path():
    assert jv.parse_path('.items[2]["a b"].x-y[0]') == ["items", 2, "a b", "x-y", 0]
    assert jv.parse_path('["\\u0041"]') == ["A"]
    for bad in ("items", ".a[", ".a[x]", ".a[-1]", '.a["b]', ".a..b"):
        with pytest.raises(jv.PathError):
            jv.parse_path(bad)


# -- Agreement: the fast formatter and the exact walker -------------------------


def _random_json(rng: random.Random, depth: int = 0) -> str:
    ws = ["", " ", "\n", "  ", "\t", "\r\n"]

    def w() -> str:
        return rng.choice(ws)

    kind = rng.randrange(8 if depth < 4 else 4)
    if kind == 0:
        return rng.choice(["0", "-0", "12", "1.5", "-3e10", "1E400", "2.50", "1e-7"])
    if kind == 1:
        return rng.choice(["true", "false", "null"])
    if kind in (2, 3):
        pieces = ["a", "é", "\\n", '\\"', "\\\\", "\\u0041", "\\ud800", " ", ",", ":", "{", "]"]
        return '"' + "".join(rng.choice(pieces) for _ in range(rng.randrange(4))) + '"'
    if kind in (4, 5):
        items = [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
        return "[" + w() + ("," + w()).join(items) + w() + "]"
    members = [
        f'"{rng.choice("abcab")}"{w()}:{w()}{_random_json(rng, depth + 1)}'
        for _ in range(rng.randrange(4))
    ]
    return "{" + w() + ("," + w()).join(members) + w() + "}"


def _outcome(run) -> str:
    try:
        return repr(run())
    except jv.JsonError as exc:
        return f"error at {exc.pos}"


def test_fast_formatter_agrees_with_the_walker():
    rng = random.Random(11)
    for _ in range(1500):
        text = _random_json(rng)
        if rng.random() < 0.3:
            text += " " + _random_json(rng)
        if rng.random() < 0.6:  # break it somewhere
            pos = rng.randrange(len(text) + 1)
            junk = rng.choice(["", ",", "]", "}", "{", '"', "'", "NaN", "0", " ", ":", "\\"])
            text = text[:pos] + junk + text[pos + rng.randrange(2) :]
        fast = _outcome(lambda text=text: squeeze(show(text)))
        exact = _outcome(lambda text=text: jv.Walker(text, skip=False).check() and squeeze(text))
        assert _outcome(lambda text=text: jv.Walker(text).check() and squeeze(text)) == exact
        assert fast == exact, text
        if not fast.startswith("error"):
            assert squeeze(show(text)) == squeeze(text)


@pytest.mark.parametrize(
    ("arg", "expr", "path"),
    [
        ("doc", "doc", None),
        ("doc .a[1]", "doc", ".a[1]"),
        ("req.body .items[0]", "req.body", ".items[0]"),
        ('doc ["key with spaces"].x', "doc", '["key with spaces"].x'),
        ("(char *) p", "(char *) p", None),
        ('"[1, {\\"a\\": 2}]" .x', '"[1, {\\"a\\": 2}]"', ".x"),
        ("a[1] [2]", "a[1]", "[2]"),
        ("f(x, .5)", "f(x, .5)", None),
        ("  doc   .a  ", "doc", ".a"),
    ],
)
def test_split_command(arg, expr, path):
    assert jv.split_command(arg) == (expr, path)


def test_keys_for_completion():
    assert jv.keys(DOC, []) == ["items", "a b"]
    assert jv.keys(DOC, ["items", 0]) == ["id", "tags"]
    assert jv.keys('{"a": 1}\n{"b": 2, "a": 3}', []) == ["a", "b"]
    assert jv.keys(DOC, ["items"]) == []


def test_deep_nesting_still_finds_duplicate_keys():
    text = '{"a": ' * 3000 + '{"k": 1, "k": 2}' + "}" * 3000
    formatter = jv.Formatter(text)
    assert squeeze("".join(formatter.chunks())) == squeeze(text)
    assert [d.key for d in formatter.duplicates] == ['"k"']


def test_select_follows_the_first_of_a_key_written_twice():
    text = '{"x": 1, "y": {"z": 0}, "x": {"x": [1, 2]}}'
    twice: list[str] = []
    assert [text[s:e] for s, e in jv.select(text, ["x"], twice=twice)] == ["1"]
    assert twice == [".x"]
    twice.clear()
    assert [text[s:e] for s, e in jv.select(text, ["y", "z"], twice=twice)] == ["0"]
    assert twice == []


def test_show_documents_then_notes():
    data = b'{"a": 1, "a": "\xff"}\n[2]'
    pieces = list(jv.show(data, "'s'"))
    assert "".join(pieces) == (
        '{\n  "a": 1,\n  "a": "\\xff"\n}\n[\n  2\n]\n'
        'note: duplicate key "a" at line 1 column 10 (first at line 1 column 2)\n'
        "note: 's' is not valid UTF-8: the first bad byte is at offset 15 (line 1 column 16); "
        "each bad byte is shown as \\xNN\n"
        "note: 's' holds 2 JSON documents\n"
    )
    many = "{" + ", ".join(['"k": 0'] * 9) + "}"
    notes = [line for line in "".join(jv.show(many.encode(), "m")).splitlines() if "note" in line]
    assert len(notes) == jv.NOTES + 1 and notes[-1] == "note: ... and 3 more duplicate keys"


def _reference_duplicates(text: str) -> list[tuple[str, int, int]]:
    """Keys written twice in one object, token by token (valid TEXT only)."""
    found = []
    objects: list[dict | None] = []
    tokens = list(re.finditer(r'"(?:[^"\\]|\\.)*"|[{}\[\]:]', text))
    for i, m in enumerate(tokens):
        tok = m.group()
        if tok == "{":
            objects.append({})
        elif tok == "[":
            objects.append(None)
        elif tok in "}]":
            objects.pop()
        elif tok.startswith('"') and i + 1 < len(tokens) and tokens[i + 1].group() == ":":
            first = objects[-1].setdefault(json.loads(tok), m.start())  # type: ignore[union-attr]
            if first != m.start():
                found.append((tok, m.start(), first))
    return found


def test_find_duplicates_agrees_with_a_token_by_token_count():
    rng = random.Random(7)
    texts = ['{"a\\"": 1, "b": [{"a\\"": 2, "a\\"": 3}], "a\\"": {"\\\\": 0, "\\\\": 1}}']
    texts += [_random_json(rng) for _ in range(800)]
    for text in texts:
        formatter = jv.Formatter(text)
        "".join(formatter.chunks())
        assert [(d.key, d.pos, d.first) for d in formatter.duplicates] == (
            _reference_duplicates(text)
        ), text
