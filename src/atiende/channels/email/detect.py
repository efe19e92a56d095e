"""Loop, autoreply and bounce detection (RFC 3834, RFC 3464 and the headers real systems send).

:func:`classify` looks only at the parsed message and the addresses of our own inboxes;
it answers what kind of mail this is and why. What to do about it is the pipeline's job:

* ``loop`` — our own mail coming back (X-Loop names one of our inboxes, it is From one of
  them, or its Message-ID is one we issued): stored, nothing else.
* ``bounce`` / ``complaint`` — delivery-status reports (RFC 3464), null-sender failure
  notices, ARF spam complaints: attached to the ticket of the original, recipient
  suppressed, never notified.
* ``auto_reply`` — out-of-office and other automatic replies (RFC 3834 ``auto-replied``,
  X-Autoreply, and the header-less ones recognized by their subject): stored, linked to
  the ticket they answer, no ticket change, never answered.
* ``automated`` — machine-sent mail (``auto-generated``, Precedence bulk/junk/list,
  List-*, X-Auto-Response-Suppress, empty Return-Path): processed, but never
  auto-acknowledged, and capped per sender.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from atiende.channels.choices import MailKind
from atiende.channels.email.parse import ParsedEmail, first_message_id, get_header, message_ids

_OOO_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:"
    r"auto(?:matic|matische|mático|mática)?[\s_-]*(?:reply|response|responder|respuesta|antwort|answer|risposta)"
    r"|respuesta\s+autom[aá]tica|r[eé]ponse\s+automatique|risposta\s+automatica|resposta\s+autom[aá]tica"
    r"|out\s+of\s+(?:the\s+)?office|fuera\s+de\s+(?:la\s+)?oficina|abwesenheit|absence|absent"
    r"|on\s+vacation|vacation\s+(?:reply|notice|message)|away\s+from\s+(?:the\s+)?office|autosvar|automatisch\s+antwoord"
    r"|ich\s+bin\s+(?:zur\s+zeit|derzeit)\s+nicht|i\s+am\s+(?:currently\s+)?out\s+of"
    r")",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:able|ed)|undelivered\s+mail|delivery\s+(?:status\s+notification|failure|has\s+failed|problem|notification)"
    r"|mail\s+delivery\s+(?:failed|failure|system|subsystem)|returned\s+mail|return(?:ed)?\s+to\s+sender|failure\s+notice"
    r"|non[-\s]?deliver|could\s+not\s+be\s+delivered|message\s+not\s+delivered|delivery\s+report"
    r"|unzustellbar|nicht\s+zustellbar|non\s+remis|no\s+se\s+puede\s+entregar|no\s+entregado|mail\s+system\s+error"
    r"|warning:\s+could\s+not\s+send|rejected|mailbox\s+(?:full|unavailable)|over\s+quota|\bdelayed\b"
    r"|delivery\s+(?:to\s+the\s+following|incomplete|status)|not\s+delivered|unable\s+to\s+deliver|error\s+sending"
    r"|mail\s+failure|fail(?:ed|ure)\s+delivery|mail\s+failed|could\s+not\s+send|bounce|errors\s+from"
    r"|配信できません|不達|не\s+доставлено|no\s+se\s+ha\s+podido\s+entregar|non\s+consegnato",
    re.IGNORECASE,
)
_DAEMON_LOCAL = re.compile(
    r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounce[s]?|mdaemon|mail\.?delivery)$", re.I
)
_MAILER_DAEMON = re.compile(r"^(?:mailer-daemon|mail-daemon|mailerdaemon)$", re.I)
_QMAIL_RECIPIENT = re.compile(r"^<([^<>\s@]+@[^<>\s]+)>:\s*$", re.MULTILINE)
_FAILED_RECIPIENT = re.compile(
    r"(?:final-recipient|original-recipient|x-failed-recipients)\s*:\s*(?:rfc822\s*;\s*)?<?([^\s<>;]+@[^\s<>;]+)>?",
    re.IGNORECASE,
)
_EMBEDDED_MESSAGE_ID = re.compile(r"^\s*message-id\s*:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)

AUTOMATED_HEADERS = (
    "List-Id",
    "List-Unsubscribe",
    "List-Post",
    "List-Help",
    "List-Owner",
    "List-Subscribe",
    "List-Archive",
    "X-Auto-Response-Suppress",
    "Feedback-ID",
)
AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-AutoReply-From", "X-Mail-Autoreply")


@dataclass
class Verdict:
    kind: str
    reasons: list[str] = field(default_factory=list)
    failed_recipients: list[str] = field(default_factory=list)
    original_message_ids: list[str] = field(default_factory=list)
    permanent: bool = True  # a bounce that reports a permanent failure (suppress)

    @property
    def is_automatic(self) -> bool:
        return self.kind != MailKind.HUMAN


def _local_part(address: str) -> str:
    return address.split("@", 1)[0].lower()


def _is_null_sender(parsed: ParsedEmail) -> bool:
    return parsed.return_path == ""


def _looks_like_daemon(parsed: ParsedEmail) -> bool:
    sender = parsed.from_.key if parsed.from_ else ""
    if sender and _DAEMON_LOCAL.match(_local_part(sender)):
        return True
    raw_from = get_header(parsed.headers, "From").lower()
    return any(
        word in raw_from for word in ("mailer-daemon", "mail delivery", "postmaster@", "mail delivery subsystem")
    )


def _original_ids(parsed: ParsedEmail) -> list[str]:
    ids: list[str] = []
    if parsed.original_headers is not None:
        mid = first_message_id(get_header(parsed.original_headers, "Message-ID"))
        if mid:
            ids.append(mid)
    ids += [m for m in _EMBEDDED_MESSAGE_ID.findall(parsed.text or "") if m not in ids]
    ids += [m for m in parsed.in_reply_to + list(reversed(parsed.references)) if m not in ids]
    return ids[:20]


def _bounce(parsed: ParsedEmail, reasons: list[str], *, complaint: bool = False) -> Verdict:
    failed: list[str] = []
    permanent = True
    if parsed.recipient_status:
        statuses = parsed.recipient_status
        failed = [s.address.lower() for s in statuses if s.action == "failed" or s.status.startswith("5")]
        if not failed and all(
            s.action in ("delayed", "relayed", "delivered", "expanded") or s.status.startswith("4") for s in statuses
        ):
            permanent = False
    elif complaint:
        rcpt = parsed.report_fields.get("original-rcpt-to") or parsed.report_fields.get("removal-recipient") or ""
        failed = [rcpt.strip().strip("<>").lower()] if "@" in rcpt else []
    else:
        text = parsed.text or ""
        failed = [a.lower() for a in _QMAIL_RECIPIENT.findall(text)]
        failed += [a.lower() for a in _FAILED_RECIPIENT.findall(text) if a.lower() not in failed]
        x_failed = get_header(parsed.headers, "X-Failed-Recipients")
        failed += [a.strip().lower() for a in x_failed.split(",") if "@" in a and a.strip().lower() not in failed]
        if re.search(
            r"\b(?:delayed|will\s+retry|still\s+trying|temporar)", text[:3000], re.IGNORECASE
        ) and not re.search(r"\b5\.\d{1,3}\.\d{1,3}\b|permanent", text[:5000], re.IGNORECASE):
            permanent = False
    return Verdict(
        kind=MailKind.COMPLAINT if complaint else MailKind.BOUNCE,
        reasons=reasons,
        failed_recipients=failed[:50],
        original_message_ids=_original_ids(parsed),
        permanent=permanent,
    )


def classify(
    parsed: ParsedEmail, *, own_addresses: frozenset[str], own_domains: frozenset[str] = frozenset()
) -> Verdict:
    """What kind of mail ``parsed`` is; ``own_addresses`` are our inboxes (lower case)."""
    headers = parsed.headers
    sender = parsed.from_.key if parsed.from_ else ""

    # 1. Our own mail coming back.
    x_loop = " ".join(get_header(headers, "X-Loop").lower().split())
    if x_loop and any(addr in x_loop for addr in own_addresses):
        return Verdict(MailKind.LOOP, [f"X-Loop: {x_loop[:100]}"])
    if sender and sender in own_addresses:
        return Verdict(MailKind.LOOP, [f"sent from our own address {sender}"])
    mid = parsed.message_id.lower()
    if mid.startswith("<atd.") and mid.rstrip(">").rsplit("@", 1)[-1] in own_domains:
        return Verdict(MailKind.LOOP, ["a Message-ID we issued"])

    # 2. Delivery reports and complaints.
    if parsed.report_type == "delivery-status" or parsed.recipient_status:
        return _bounce(parsed, ["multipart/report; report-type=delivery-status (RFC 3464)"])
    if parsed.report_type == "feedback-report":
        return _bounce(parsed, ["ARF feedback report (spam complaint)"], complaint=True)
    subject = parsed.subject
    null_sender = _is_null_sender(parsed)
    daemon = _looks_like_daemon(parsed)
    if (null_sender or daemon) and _BOUNCE_SUBJECT.search(subject):
        return _bounce(
            parsed, [("null sender" if null_sender else f"sent by {sender}") + f", subject {subject[:80]!r}"]
        )
    if daemon and not subject:
        return _bounce(parsed, [f"sent by {sender} without a subject"])
    if sender and _MAILER_DAEMON.match(_local_part(sender)):
        return _bounce(parsed, [f"sent by {sender}"])

    # 3. Automatic replies (out of office and friends).
    auto_submitted = get_header(headers, "Auto-Submitted").strip().lower()
    reasons: list[str] = []
    if auto_submitted.startswith("auto-replied"):
        return Verdict(MailKind.AUTO_REPLY, [f"Auto-Submitted: {auto_submitted}"])
    present = [name for name in AUTO_REPLY_HEADERS if name in headers]
    if present:
        return Verdict(MailKind.AUTO_REPLY, [f"{present[0]} header"])
    suppress = get_header(headers, "X-Auto-Response-Suppress").strip()
    if _OOO_SUBJECT.search(subject):
        reasons.append(f"subject {subject[:80]!r}")
        if auto_submitted and auto_submitted != "no":
            reasons.append(f"Auto-Submitted: {auto_submitted}")
        if suppress:
            reasons.append(f"X-Auto-Response-Suppress: {suppress}")
        return Verdict(MailKind.AUTO_REPLY, reasons)

    # 4. Machine-sent mail.
    if auto_submitted and auto_submitted != "no":
        reasons.append(f"Auto-Submitted: {auto_submitted}")
    precedence = get_header(headers, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        reasons.append(f"Precedence: {precedence}")
    reasons += [f"{name} header" for name in AUTOMATED_HEADERS if name in headers]
    if "X-Loop" in headers:
        reasons.append("X-Loop header")
    if null_sender:
        reasons.append("empty Return-Path (null sender)")
    if daemon:
        reasons.append(f"sent by {sender}")
    if reasons:
        return Verdict(MailKind.AUTOMATED, reasons)
    return Verdict(MailKind.HUMAN, [])


def embedded_message_ids(text: str) -> list[str]:
    return message_ids(" ".join(_EMBEDDED_MESSAGE_ID.findall(text or "")))
