"""Hypothesis-generated MIME: no input crashes the pipeline; every message ends with an outcome."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.channels.choices import Outcome
from atiende.channels.models import Inbox
from atiende.channels.tests.factories import deliver, make_inbox

FINAL = {
    Outcome.CREATED,
    Outcome.APPENDED,
    Outcome.BOUNCE,
    Outcome.LOOP_SUPPRESSED,
    Outcome.QUARANTINED,
    Outcome.DUPLICATE,
}

header_names = st.sampled_from(
    [
        "From",
        "To",
        "Cc",
        "Subject",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Auto-Submitted",
        "Precedence",
        "Return-Path",
        "X-Loop",
        "List-Id",
        "Thread-Index",
        "Date",
        "Reply-To",
        "X-Autoreply",
    ]
)
junk = st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=60)
header_values = st.one_of(
    junk,
    st.sampled_from(
        [
            "Ana <ana@cliente.example>",
            "<>",
            "soporte@desk.example",
            "=?utf-8?b?w7E=?=",
            "=?bogus?q?=FF?=",
            "multipart/mixed; boundary=b1",
            'multipart/alternative; boundary="b2"',
            "text/plain; charset=klingon",
            "text/html; charset=iso-2022-jp",
            "message/rfc822",
            "multipart/report; report-type=delivery-status; boundary=b1",
            "base64",
            "quoted-printable",
            "x-uuencode",
            "attachment; filename*=UTF-8''%E2%82%AC.pdf",
            "auto-replied",
            "bulk",
            "<a@b> <c@d>",
            "AQID",
            "=?utf-8?q?a=0D=0Ab?=",
        ]
    ),
)
body_lines = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(
        [
            b"--b1",
            b"--b1--",
            b"--b2",
            b"--b2--",
            b"",
            b"=E9=\r",
            b"SGVsbG8=",
            b"Final-Recipient: rfc822; x@y.example",
            b"Action: failed",
        ]
    ),
)


@st.composite
def raw_messages(draw: st.DrawFn) -> bytes:
    lines: list[bytes] = []
    if draw(st.booleans()):
        lines.append(b"From: Someone <someone@cliente.example>")
    for _ in range(draw(st.integers(0, 8))):
        name = draw(header_names)
        value = draw(header_values)
        lines.append(f"{name}: {value}".encode("utf-8", errors="surrogatepass"))  # garbage bytes too
    eol = draw(st.sampled_from([b"\r\n", b"\n"]))
    head = eol.join(lines)
    body = eol.join(draw(st.lists(body_lines, max_size=25)))
    raw = head + eol + eol + body
    if draw(st.booleans()):  # truncate anywhere
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


@pytest.mark.django_db
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(raw=raw_messages())
def test_no_input_crashes_the_pipeline(raw: bytes) -> None:
    inbox = Inbox.objects.first() or make_inbox(address="soporte@desk.example")
    row = deliver(raw, inbox=inbox)
    assert row.outcome in FINAL, (row.outcome, row.reason)
    if row.outcome == Outcome.QUARANTINED:
        assert row.reason_code and row.reason


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(raw=st.binary(max_size=2000))
def test_arbitrary_bytes_end_as_an_outcome(raw: bytes) -> None:
    inbox = Inbox.objects.first() or make_inbox(address="soporte@desk.example")
    row = deliver(raw, inbox=inbox)
    assert row.outcome in FINAL, (row.outcome, row.reason)
