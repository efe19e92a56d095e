"""The parser's fast paths read headers exactly as the standard library does, or step aside.

Header blocks are split by hand, and Content-Type, Content-Disposition and address lists
are read by small parsers for the well-formed cases; each must give what the feed
parser and ``email.policy.default`` give, and hand anything else to them. Hypothesis
builds values from the pieces that trip parsers up (quotes, comments, encoded words,
RFC 2231 sections, 8-bit text, odd line breaks) and compares.
"""

from __future__ import annotations

import io
from email.parser import BytesParser
from email.policy import compat32
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.channels.email import parse as parse_module
from atiende.channels.email.parse import (
    Address,
    get_addresses,
    parse,
    parse_header_block,
    read_envelope,
)
from atiende.channels.email.text import clean_text, header_text

_POLICY: Any = parse_module._POLICY
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference_block(data: bytes) -> list[tuple[str, str]]:
    """What the feed parser leaves as raw fields, under both policies (they must agree)."""
    compat = list(BytesParser(policy=compat32).parsebytes(data, headersonly=True).raw_items())
    default = list(BytesParser(policy=_POLICY).parsebytes(data, headersonly=True).raw_items())
    assert compat == default
    return compat


def _reference_addresses(values: list[str]) -> list[tuple[str, str]] | None:
    """``policy.default``'s addresses as get_addresses keeps them; None when it raises."""
    found = []
    try:
        for value in values:
            header = _POLICY.header_fetch_parse("To", value)
            for addr in header.addresses:
                spec = clean_text(addr.addr_spec or "").strip()
                if spec and "@" in spec and " " not in spec:
                    found.append((header_text(addr.display_name or "", limit=200), spec))
    except Exception:
        return None
    return found


def _reference_mime(raw: str, name: str) -> tuple[str, dict[str, str], bool] | None:
    try:
        header = _POLICY.header_fetch_parse(name, raw)
        kind = header.content_type if name == "Content-Type" else (header.content_disposition or "").lower()
        return kind, {k.lower(): str(v) for k, v in header.params.items()}, bool(header.defects)
    except Exception:
        return None


# --- header blocks ------------------------------------------------------------------------------

line_pieces = st.sampled_from(
    [
        "Subject",
        "From",
        "From ",
        "X-Tag",
        ":",
        ": ",
        " ",
        "\t",
        "value",
        "\r\n",
        "\n",
        "\r",
        "\x0b",
        "\x0c",
        "\x1c",
        "\x85",
        "é",
        "=?utf-8?q?x?=",
        "a b",
        ";",
        "(",
        "\x00",
    ]
)
header_blocks = st.lists(st.lists(line_pieces, max_size=8).map("".join), max_size=12).map(
    lambda lines: "".join(lines).encode("utf-8")
)


@FUZZ
@given(header_blocks)
def test_header_blocks_split_as_the_feed_parser_splits_them(data: bytes) -> None:
    assert list(parse_header_block(data).raw_items()) == _reference_block(data)


@pytest.mark.parametrize(
    "data",
    [
        b"Subject: hi\r\nTo: a@b.example\r\n\r\nbody\r\n",
        b"Subject: folded\r\n\tline\r\n  again\r\nX: 1\r\n",
        b"Subject:   \r\n\tonly a continuation\r\n",
        b" leading continuation\r\nSubject: x\r\n",
        b"From someone@example Mon Jan  1 00:00:00 2024\nSubject: mbox\n",
        b"Subject: x\nFrom late line\nTo: y\n",
        b": no name\nSubject: x\n",
        b"Subject : space before colon\nTo: x\n",
        b"Subject: bare\rCR\r\nTo: x\r\n",
        b"Subject: form\x0cfeed\nTo: x\n",
        b"Subject: caf\xc3\xa9 8-bit\r\nTo: x\r\n",
        b"Subject: no final newline",
        b"",
        b"\r\n",
    ],
)
def test_header_block_edge_cases(data: bytes) -> None:
    assert list(parse_header_block(data).raw_items()) == _reference_block(data)


def test_a_clean_block_is_split_without_the_feed_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the feed parser was used for a clean block")

    monkeypatch.setattr(parse_module._COMPAT_PARSER, "parsebytes", refuse)
    msg = parse_header_block(b"Subject: hi\r\nTo: Ana <ana@cliente.example>\r\n\tcontinued\r\n\r\n")
    assert msg.raw_items() and list(msg.raw_items()) == [
        ("Subject", "hi"),
        ("To", "Ana <ana@cliente.example>\r\n\tcontinued"),
    ]


# --- Content-Type and Content-Disposition ---------------------------------------------------------

mime_pieces = st.sampled_from(
    [
        "text/plain",
        "multipart/mixed",
        "application/octet-stream",
        "attachment",
        "inline",
        "text",
        "/",
        ";",
        "; ",
        " ",
        "\t",
        "\r\n ",
        "charset=utf-8",
        'charset="utf-8"',
        "charset = utf-8",
        "boundary=b1",
        'boundary="=_part 1"',
        "name=a.pdf",
        'filename="a b.pdf"',
        'filename=""',
        "filename*=utf-8''%E2%82%AC.pdf",
        "filename*=iso-8859-1'es'%E9t%E9.txt",
        "filename*=bogus''%FF",
        "filename*=utf-8''",
        "filename*0=part",
        'filename*1="two"',
        "filename*0*=utf-8''%C3",
        "filename*1*=%A9.txt",
        "filename*2=end",
        "filename*00=x",
        "filename*=\"utf-8''x\"",
        "Name=upper",
        "name=lower",
        "name=dup",
        '"',
        "\\",
        "(comment)",
        "=?utf-8?q?x?=",
        "'",
        "*",
        "%",
        "=",
        "é",
        "\udcc3\udca9",
        "x",
    ]
)
spaces = st.sampled_from(["", "", " ", "\t", "\r\n ", "  "])


def mostly(valid: list[str], unusual: list[str]) -> st.SearchStrategy[str]:
    """Valid parts three times out of four, so that the fast paths are taken often enough to test."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), st.sampled_from(valid), st.sampled_from(unusual))


plain_values = mostly(
    ["utf-8", "a.pdf", '"a b.pdf"', '""', '"x;y=z"', '"tab\there"', "----=_Part_1.2", '"(not a comment)"', "%41"],
    ['"=?utf-8?q?x?="', '"caf\udcc3\udca9"', "a*b", "a'b", '"esc\\"aped"', "caf\udcc3\udca9"],
)
initial_values = mostly(
    ["utf-8''%E2%82%AC.pdf", "iso-8859-1'es'%E9t%E9", "us-ascii'en'This%20is", "UTF-8''%C3", "utf-8''a"],
    ["bogus''%FF", "''x", "utf-8''", "%41", "\"utf-8''a\"", "utf-8'e%s'x"],
)


@st.composite
def mime_parameter(draw: st.DrawFn, name: str) -> str:
    """One parameter: plain, RFC 2231 encoded, or split in sections (encoded or not)."""
    shape = draw(st.sampled_from(["plain", "encoded", "sections"]))
    equals = "=" + draw(spaces)
    if shape == "plain":
        return name + equals + draw(plain_values)
    if shape == "encoded":
        return name + "*" + equals + draw(initial_values)
    encoded = draw(st.booleans())
    numbers = draw(mostly(["0", "01", "012", "10", "021"], ["1", "02", "0012", "00"]))
    parts = []
    for position, number in enumerate(numbers):
        if encoded and position == 0 and number == "0":
            parts.append(f"{name}*0*{equals}{draw(initial_values)}")
        elif encoded and draw(mostly(["yes"], ["no"])) == "yes":
            parts.append(f"{name}*{number}*{equals}{draw(mostly(['%A9.txt', 'abc', '%20'], ['%', 'a b']))}")
        else:
            parts.append(f"{name}*{number}{equals}{draw(plain_values)}")
    return (draw(spaces) + ";" + draw(spaces)).join(parts)


@st.composite
def mime_grammar(draw: st.DrawFn) -> tuple[str, str]:
    """Mostly well-formed values (and the field they are for): a type, then parameters."""
    field = draw(st.sampled_from(["Content-Type", "Content-Disposition"]))
    if field == "Content-Type":
        value = draw(spaces) + draw(mostly(["text", "Multipart", "application", "x-y.z"], ["", "a b"]))
        value += draw(mostly(["/"], ["", " /", "//"])) + draw(spaces) + draw(st.sampled_from(["plain", "mixed", "pdf"]))
    else:
        value = draw(spaces) + draw(mostly(["attachment", "inline", "Attachment"], ["", "a/b"]))
    names = draw(st.lists(st.sampled_from(["name", "filename", "charset", "boundary", "Name", "x-mac"]), max_size=3))
    for name in names:
        value += draw(spaces) + ";" + draw(spaces) + draw(mime_parameter(name)) + draw(spaces)
    return value + draw(mostly(["", ";", "; "], [" junk", ";;", "(c)"])), field


mime_values = st.one_of(
    mime_grammar(),
    mime_grammar(),
    mime_grammar(),
    st.tuples(
        st.lists(mime_pieces, max_size=10).map("".join), st.sampled_from(["Content-Type", "Content-Disposition"])
    ),
)


@FUZZ
@given(mime_values)
def test_mime_values_read_as_policy_default_reads_them(value: tuple[str, str]) -> None:
    raw, name = value
    fast = parse_module._mime_value(raw, with_subtype=name == "Content-Type")
    if fast is None:
        return  # left to policy.default
    reference = _reference_mime(raw, name)
    assert reference is not None, "policy.default raises on a value the fast path took"
    kind, params, defective = reference
    assert fast == (kind, params)
    if kind == "text/plain" and not params:
        assert not defective  # _part_info would have reported an invalid Content-Type


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('text/plain; charset="utf-8"', ("text/plain", {"charset": "utf-8"})),
        ("Multipart/Mixed;\r\n\tboundary=b1", ("multipart/mixed", {"boundary": "b1"})),
        ("application/pdf; name*=utf-8''%E2%82%AC.pdf", ("application/pdf", {"name": "€.pdf"})),
        (
            "application/pdf; name*0*=utf-8''%C3; name*1*=%A9.pdf",
            ("application/pdf", {"name": "é.pdf"}),
        ),
        ('application/pdf; name*0="a b"; name*1=".pdf"', ("application/pdf", {"name": "a b.pdf"})),
    ],
)
def test_well_formed_content_types_take_the_fast_path(raw: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_module._mime_value(raw, with_subtype=True) == expected
    kind, params, _defects = _reference_mime(raw, "Content-Type")  # type: ignore[misc]
    assert (kind, params) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "text/plain; charset = utf-8",  # space before "="
        "text/plain (comment); charset=utf-8",
        'attachment; filename="=?utf-8?q?a.pdf?="',  # policy.default decodes it
        "attachment; filename=a; filename=b",  # duplicate
        "attachment; filename*0=a; filename*2=c",  # a missing section
        "text; charset=utf-8",
        'text/plain; name="caf\udcc3\udca9"',  # 8-bit
    ],
)
def test_unusual_mime_values_go_to_policy_default(raw: str) -> None:
    assert parse_module._mime_value(raw, with_subtype=not raw.startswith("attachment")) is None


# --- addresses ------------------------------------------------------------------------------------

address_pieces = st.sampled_from(
    [
        "ana@cliente.example",
        "a.b@c.example",
        "<ana@cliente.example>",
        "<>",
        "<postmaster>",
        "postmaster",
        "Ana",
        "Ana M.",
        ".",
        "J.R.R.",
        '"Garcia, Ana"',
        '""',
        '"q\\"x"',
        " ",
        "\t",
        "\r\n ",
        ",",
        ", ",
        "(comment)",
        "(a (b))",
        "<",
        ">",
        "@",
        ":",
        ";",
        "group:",
        "=?utf-8?q?Juli=C3=A1n_G=C3=B3mez?=",
        "=?iso-8859-1?Q?Mar=EDa?=",
        "=?utf-8?b?w7E=?=",
        "=?utf-8?q?=zz?=",
        "=?bogus?q?=FF?=",
        "=?utf-8?q?a?=",
        "=?",
        "?=",
        "Luc\udcc3\udcada",
        "\udcc3\udca1@x.example",
        "x",
    ]
)
specs = mostly(
    ["ana@cliente.example", "a.b+c@d-e.example", "postmaster", "MAILER-DAEMON@mx.example"],
    ["a..b@c.example", "\udcc3\udca1@x.example", "a@b@c", "", "a@[1.2.3.4]"],
)
displays = mostly(
    [
        "",
        "Ana",
        "Ana M. Garcia",
        "Ana M.",
        "J.R.R. Tolkien",
        '"Garcia, Ana"',
        '"Ana" Garcia',
        'Ana"q"',
        '""',
        "Luc\udcc3\udcada",
        "=?utf-8?q?Juli=C3=A1n_G=C3=B3mez?=",
        "=?iso-8859-1?Q?Mar=EDa?=",
        "=?utf-8?b?w7E=?=",
        "=?utf-8?b?w7E?=",
        "=?utf-8?q?=41?=",
        "=?bogus?q?=FF?=",
        "=?utf-8*es?q?a?=",
    ],
    [
        ".Ana",
        '"q\\"x"',
        "=?utf-8?q?=zz?=",
        "=?utf-8?x?a?=",
        "=?utf-8?q?a?= =?utf-8?q?b?=",
        '"=?utf-8?q?a?="',
        "Ana (c)",
        "a=?b",
    ],
)


@st.composite
def address_grammar(draw: st.DrawFn) -> str:
    """Mostly well-formed lists: mailboxes built from valid and invalid parts."""
    boxes = []
    for _ in range(draw(st.integers(1, 3))):
        box = draw(spaces)
        if draw(st.booleans()):
            box += draw(specs)
        else:
            box += draw(displays) + draw(spaces) + "<" + draw(specs) + ">"
        box += draw(spaces) + draw(mostly(["", "(Mail System)", "(x) "], ["(a (b))", "(=?utf-8?q?x?=)"]))
        boxes.append(box)
    return draw(st.sampled_from([",", ", ", ",\r\n\t"])).join(boxes) + draw(mostly(["", " "], [",", ";"]))


address_value = st.one_of(
    address_grammar(),
    address_grammar(),
    address_grammar(),
    st.lists(address_pieces, min_size=1, max_size=8).map("".join),
)
address_values = st.lists(address_value, min_size=1, max_size=2)


@FUZZ
@given(address_values)
def test_plain_addresses_read_as_policy_default_reads_them(values: list[str]) -> None:
    fast = parse_module._plain_addresses([("To", value) for value in values])
    if fast is None:
        return  # left to policy.default
    assert [(a.name, a.address) for a in fast] == _reference_addresses(values)


@FUZZ
@given(address_values)
def test_get_addresses_equals_the_structured_reading(values: list[str]) -> None:
    msg = parse_header_block("".join(f"To: {v}\r\n" for v in values).encode("utf-8", "surrogateescape"))
    raw = [v for _k, v in msg.raw_items()]
    reference = _reference_addresses(raw)
    result = [(a.name, a.address) for a in get_addresses(msg, "To")]
    if reference:  # otherwise the lenient readers decide, the same code either way
        assert result == reference


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ana@cliente.example", [Address("", "ana@cliente.example")]),
        ('"Garcia, Ana" <ana@cliente.example>', [Address("Garcia, Ana", "ana@cliente.example")]),
        (
            "Ana M. Garcia <ana@cliente.example>, b@c.example",
            [Address("Ana M. Garcia", "ana@cliente.example"), Address("", "b@c.example")],
        ),
        ("MAILER-DAEMON@mx.example (Mail Delivery System)", [Address("", "MAILER-DAEMON@mx.example")]),
        (
            "=?utf-8?q?Juli=C3=A1n_G=C3=B3mez?= <julian@cliente.example>",
            [Address("Julián Gómez", "julian@cliente.example")],
        ),
        ("=?iso-8859-1?Q?Mar=EDa_P=E9rez?= <maria@cliente.example>", [Address("María Pérez", "maria@cliente.example")]),
        ("Luc\udcc3\udcada <lucia@cliente.example>", [Address("Lucía", "lucia@cliente.example")]),
        ("Mail Delivery Subsystem <MAILER-DAEMON>", []),
        ("MAILER-DAEMON <>", []),
    ],
)
def test_plain_address_lists_take_the_fast_path(value: str, expected: list[Address]) -> None:
    assert parse_module._plain_addresses([("From", value)]) == expected
    assert _reference_addresses([value]) == [(a.name, a.address) for a in expected]


@pytest.mark.parametrize(
    "value",
    [
        "undisclosed-recipients:;",
        "Ana (comment) <ana@cliente.example>",
        '"=?utf-8?b?w7E=?=" <a@b.example>',  # an encoded word inside quotes
        "=?utf-8?q?a?= =?utf-8?q?b?= <a@b.example>",  # more than one encoded word
        ". <a@b.example>",  # policy.default raises on these two
        "Ana M.<a@b.example>",
        "a@b.example,",
        "",
    ],
)
def test_unusual_address_lists_go_to_policy_default(value: str) -> None:
    assert parse_module._plain_addresses([("From", value)]) is None


def test_a_plain_message_never_asks_the_header_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The usual message is read without policy.default's structured headers (the CPU cost)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("policy.default's header registry was used")

    monkeypatch.setattr(parse_module, "_POLICY", _POLICY.clone(header_factory=refuse))
    raw = (
        b"From: =?utf-8?q?Juli=C3=A1n_G=C3=B3mez?= <julian@cliente.example>\r\n"
        b'To: soporte@desk.example, "Mesa, Ayuda" <ayuda@desk.example>\r\n'
        b"Cc: MAILER-DAEMON@mx.example (Mail Delivery System)\r\n"
        b"Subject: =?utf-8?q?Factura_n=C2=BA_7?=\r\n"
        b"Message-ID: <m1@cliente.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHola\r\n"
        b"--b1\r\nContent-Type: application/pdf; name*=utf-8''%E2%82%AC.pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b1--\r\n"
    )
    with parse(io.BytesIO(raw)) as parsed:
        assert parsed.from_ == Address("Julián Gómez", "julian@cliente.example")
        assert parsed.to == [Address("", "soporte@desk.example"), Address("Mesa, Ayuda", "ayuda@desk.example")]
        assert parsed.cc == [Address("", "MAILER-DAEMON@mx.example")]
        assert parsed.subject == "Factura nº 7"
        assert parsed.text == "Hola"
        assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [("€.pdf", "application/pdf", 4)]
    envelope = read_envelope(io.BytesIO(raw))
    assert envelope.from_ == Address("Julián Gómez", "julian@cliente.example")
    assert envelope.message_id == "<m1@cliente.example>"


def test_headers_stay_usable_by_callers() -> None:
    with parse(io.BytesIO(b"Subject: hi\r\nX-Loop: desk\r\nX-Loop: again\r\n\r\nbody\r\n")) as parsed:
        assert parsed.header("subject") == "hi"
        assert parsed.has_header("X-LOOP") and not parsed.has_header("Precedence")
        assert parsed.headers.get_all("X-Loop") == ["desk", "again"]
        assert "x-loop" in parsed.headers
        assert next(iter(parsed.headers.raw_items())) == ("Subject", "hi")
