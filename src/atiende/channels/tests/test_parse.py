"""The streaming parser: what it reads must equal what the standard library reads, without the memory."""

from __future__ import annotations

import base64
import io
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.channels.email.parse import parse, parse_headers_only, thread_index_key
from atiende.channels.email.quoting import split_html, split_text
from atiende.channels.email.text import decode_bytes, header_text


def parsed(raw: bytes, **kwargs: object):  # type: ignore[no-untyped-def]
    return parse(io.BytesIO(raw), **kwargs)  # type: ignore[arg-type]


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=300).map(
    lambda t: t.strip() or "x"
)
blobs = st.binary(min_size=0, max_size=3000)
names = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters=" .-_ñé"), min_size=1, max_size=40
).map(lambda t: (t.strip(" .") or "f") + ".bin")


@st.composite
def messages(draw: st.DrawFn) -> EmailMessage:
    msg = EmailMessage(policy=default_policy)
    msg["From"] = "Ana <ana@cliente.example>"
    msg["To"] = "soporte@desk.example"
    msg["Subject"] = draw(texts)
    msg["Message-ID"] = "<gen@cliente.example>"
    charset = draw(st.sampled_from(["utf-8", "iso-8859-1", "windows-1252"]))
    body = draw(texts)
    try:
        body.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    cte = draw(st.sampled_from(["quoted-printable", "base64", "8bit"]))
    msg.set_content(body, charset=charset, cte=cte)
    if draw(st.booleans()):
        msg.add_alternative(f"<p>{draw(texts)}</p>", subtype="html")
    for _ in range(draw(st.integers(0, 3))):
        msg.add_attachment(draw(blobs), maintype="application", subtype="octet-stream", filename=draw(names))
    return msg


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_bodies_and_attachments_equal_the_standard_library(msg: EmailMessage) -> None:
    raw = msg.as_bytes()
    reference = message_from_bytes(raw, policy=default_policy)
    with parsed(raw) as result:
        assert result.subject == " ".join(str(reference["Subject"]).split())
        plain = reference.get_body(("plain",))
        assert plain is not None
        assert result.text.replace("\n", "") == plain.get_content().replace("\r", "").replace("\n", "").strip("\n")
        html = reference.get_body(("html",))
        if html is not None and html.get_content_type() == "text/html":
            assert result.html.replace("\n", "") == html.get_content().replace("\r", "").replace("\n", "")
        expected = [(p.get_filename(), p.get_payload(decode=True)) for p in reference.iter_attachments()]
        got = [(a.filename, a.file.read()) for a in result.attachments]
        assert got == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_any_bytes_parse_without_raising(raw: bytes) -> None:
    with parsed(raw) as result:
        assert isinstance(result.text, str)


def test_a_25_mb_attachment_is_streamed_to_a_temporary_file() -> None:
    payload = bytes(range(256)) * (25 * 1024 * 4)  # 25 MB
    msg = EmailMessage()
    msg["From"] = "a@b.example"
    msg["Subject"] = "big"
    msg.set_content("see attached")
    msg.add_attachment(payload, maintype="application", subtype="octet-stream", filename="big.bin")
    with parsed(msg.as_bytes()) as result:
        (attachment,) = result.attachments
        assert attachment.size == len(payload)
        assert not isinstance(attachment.file, io.BytesIO)
        assert getattr(attachment.file, "_rolled", True)  # spooled to disk, not held in memory
        assert attachment.file.read() == payload


def test_charsets_fall_back_part_by_part() -> None:
    raw = (
        b"From: a@b.example\r\nSubject: =?x-bogus?q?caf=E9?=\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbien \xc3\xa9\r\n"
        b"--b\r\nContent-Type: text/plain; charset=klingon\r\n\r\nmal \xe9\r\n--b--\r\n"
    )
    with parsed(raw) as result:
        assert result.subject == "café"
        assert "bien é" in result.text and "mal é" in result.text
        assert any("klingon" in d for d in result.defects)


def test_decode_bytes_never_raises() -> None:
    assert decode_bytes("ñ".encode("cp1252"), "utf-8") == ("ñ", False)
    assert decode_bytes(b"\x82\xa0", "shift_jis") == ("あ", True)
    assert decode_bytes(b"\xff\xfe\xfd", None)[0]


def test_header_text_removes_line_breaks() -> None:
    assert header_text("Hola\r\nBcc: x@y.example\u2028z") == "Hola Bcc: x@y.example z"


def test_headers_only_reads_no_further_than_the_headers() -> None:
    stream = io.BytesIO(b"From: a@b.example\r\nMessage-ID: <h@x>\r\n\r\n" + b"x" * 10_000)
    result = parse_headers_only(stream)
    assert result.message_id == "<h@x>" and stream.tell() < 200


def test_dsn_fields_and_original_message() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        b"--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        b"Final-Recipient: rfc822; gone@x.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <orig@desk.example>\r\nSubject: hi\r\n\r\n--r--\r\n"
    )
    with parsed(raw) as result:
        assert result.report_type == "delivery-status"
        assert [(s.address, s.action, s.status) for s in result.recipient_status] == [
            ("gone@x.example", "failed", "5.1.1")
        ]
        assert result.original_headers is not None and result.original_headers["Message-ID"] == "<orig@desk.example>"


def test_thread_index_conversation_key() -> None:
    import base64

    root = bytes(range(22))
    assert thread_index_key(base64.b64encode(root).decode()) == thread_index_key(
        base64.b64encode(root + b"12345").decode()
    )
    assert thread_index_key("not base64!") == "" and thread_index_key("") == ""


def test_quoted_history_and_signature_are_split_for_display() -> None:
    assert split_text("Gracias!\n\nOn Mon, 3 Mar 2025 at 10:00, Soporte <s@x> wrote:\n> hola") == (
        "Gracias!",
        "On Mon, 3 Mar 2025 at 10:00, Soporte <s@x> wrote:\n> hola",
    )
    assert split_text("Listo.\n-- \nAna\nACME")[0] == "Listo."
    assert split_text("Ok\n\nFrom: Soporte\nSent: Monday\nTo: Ana\n\nold")[0] == "Ok"
    assert split_text("Ok\n\nEnviado desde mi iPhone")[0] == "Ok"
    assert split_text("> only a quote") == ("> only a quote", "")  # nothing new: keep it all
    assert split_text("See below\n---------- Forwarded message ---------\nFrom: x\nDate: y\n\nbody") == (
        "See below\n---------- Forwarded message ---------\nFrom: x\nDate: y\n\nbody",
        "",
    )
    html = '<div>Thanks</div><div class="gmail_quote">On Mon wrote: <blockquote>old</blockquote></div>'
    assert split_html(html) == "<div>Thanks</div>"
    assert split_html("<div>no quote</div>") == ""


@pytest.mark.parametrize(
    ("encoding", "word"),
    [
        ("q", "{n} ñandú 🐈🐈 "),  # ~280 KB of encoded words: emoji (4 UTF-8 bytes each) and accented text
        ("b", "{n} ñandú 🐈🐈 "),
        ("q", "😀"),  # one character per encoded word: 25 raw characters each
        ("b", "€"),
    ],
)
def test_a_huge_encoded_subject_keeps_the_same_first_998_characters(encoding: str, word: str) -> None:
    """Only as much of a subject as fills 998 characters is decoded; what is kept does not change."""
    from email.header import decode_header

    words = []
    for n in range(4000):
        text = word.format(n=n)
        data = text.encode("utf-8")
        if encoding == "q":
            payload = "".join(f"={byte:02X}" for byte in data)
        else:
            payload = base64.b64encode(data).decode()
        words.append(f"=?utf-8?{encoding}?{payload}?=")
    subject = "\r\n ".join(words)
    raw = f"From: a@b.example\r\nTo: soporte@desk.example\r\nSubject: {subject}\r\n\r\nHola\r\n".encode()
    whole = "".join(
        chunk.decode(charset or "ascii") if isinstance(chunk, bytes) else chunk
        for chunk, charset in decode_header(subject.replace("\r\n", ""))
    )
    expected = " ".join(whole.split())[:998]
    assert parse(io.BytesIO(raw)).subject == expected
    assert parse_headers_only(io.BytesIO(raw)).subject == expected
