"""Parse a raw message into what the intake pipeline needs, streaming the bodies.

Headers of the message and of every MIME part are parsed by the standard library with
``email.policy.default``. Bodies are *not* held in memory: the MIME tree is walked line
by line from the stored file and each leaf is decoded (base64, quoted-printable) into a
temporary file as it is read, so a 25 MB attachment costs a few hundred kilobytes of
memory, not several copies of the message.

Every problem falls back part by part: an unknown charset decodes as Windows-1252
with replacement characters, a missing boundary ends the part at the end of the
message, a part that cannot be decoded is kept undecoded. Problems are listed in
``ParsedEmail.defects``; only a failure to read the file at all raises.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import hashlib
import mimetypes
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import IO, Any

from atiende.channels.email.text import clean_text, decode_bytes, decode_raw_header, header_text

SPOOL_BYTES = 512 * 1024
MAX_LINE = 1024 * 1024
PART_HEADER_LIMIT = 64 * 1024
MAX_DEPTH = 25
REPORT_PART_LIMIT = 256 * 1024
CHUNK = 64 * 1024

_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_LOOSE_ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_UNFOLD = re.compile(r"\r?\n(?=[ \t])")
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,900})>")
_B64_KEEP = bytes(range(256)).translate(None, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_POLICY = email.policy.default.clone(max_line_length=0, raise_on_defect=False)

EOF_TERM: tuple[int, bool] | None = None
_REPORT_TYPES = {
    "message/delivery-status",
    "message/global-delivery-status",
    "message/feedback-report",
    "message/disposition-notification",
}
_HEADER_TYPES = {"text/rfc822-headers", "message/rfc822-headers", "text/rfc822-header"}


# --- results ------------------------------------------------------------------------------------


@dataclass
class Address:
    name: str
    address: str  # as written (case kept); compare with .key

    @property
    def key(self) -> str:
        return self.address.strip().lower()


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int
    file: IO[bytes]
    content_id: str = ""
    inline: bool = False
    sha256: str = ""


@dataclass
class RecipientStatus:
    address: str
    action: str
    status: str
    diagnostic: str = ""


@dataclass
class ParsedEmail:
    headers: Message
    message_id: str = ""
    subject: str = ""
    from_: Address | None = None
    sender: Address | None = None
    reply_to: list[Address] = field(default_factory=list)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    delivered_to: list[str] = field(default_factory=list)
    return_path: str | None = None  # None: no header; "": the null sender <>
    date: datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    thread_index: str = ""
    content_type: str = "text/plain"
    report_type: str = ""
    text: str = ""
    html: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    # multipart/report: per-recipient status, and the headers of the original message
    recipient_status: list[RecipientStatus] = field(default_factory=list)
    report_fields: dict[str, str] = field(default_factory=dict)
    original_headers: Message | None = None
    defects: list[str] = field(default_factory=list)
    size: int = 0
    part_count: int = 0

    def header(self, name: str) -> str:
        return get_header(self.headers, name)

    def has_header(self, name: str) -> bool:
        return name in self.headers

    def close(self) -> None:
        for attachment in self.attachments:
            try:
                attachment.file.close()
            except Exception:  # noqa: S110 - closing a temporary file
                pass

    def __enter__(self) -> ParsedEmail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- header helpers -------------------------------------------------------------------------------


def parse_header_block(data: bytes) -> Message:
    """Headers only, parsed with ``policy.default``."""
    return BytesParser(policy=_POLICY).parsebytes(data, headersonly=True)


def _raw_values(msg: Message, name: str) -> list[str]:
    lname = name.lower()
    return [_UNFOLD.sub("", str(v)) for k, v in msg.raw_items() if k.lower() == lname]


def get_header(msg: Message, name: str, *, hints: tuple[str, ...] = ()) -> str:
    """One unstructured header as clean text (encoded words decoded); never raises.

    Unstructured values are decoded from the raw value (fast); structured ones —
    addresses, Content-Type, Content-Disposition — go through ``policy.default``.
    """
    raw = _raw_values(msg, name)
    if not raw:
        return ""
    return clean_text(decode_raw_header(raw[0], hints=hints))


def get_all_headers(msg: Message, name: str) -> list[str]:
    return [clean_text(decode_raw_header(v)) for v in _raw_values(msg, name)]


def get_addresses(msg: Message, name: str, *, structured: bool = True) -> list[Address]:
    """Addresses of a header: ``policy.default``'s parser, then lenient fallbacks.

    ``structured=False`` skips the (slow) structured parser, for listing fields only.
    """
    found: list[Address] = []
    if name not in msg:
        return found
    try:
        if not structured:
            raise LookupError("lenient parsing requested")
        for value in msg.get_all(name) or []:
            for addr in getattr(value, "addresses", ()):
                spec = clean_text(addr.addr_spec or "").strip()  # raw UTF-8 (RFC 6532) arrives as surrogates
                if spec and "@" in spec and " " not in spec:
                    found.append(Address(header_text(addr.display_name or "", limit=200), spec))
        if found:
            return found
    except Exception:  # noqa: S110 - fall back to the lenient parser below
        pass
    values = [clean_text(decode_raw_header(v)) for v in _raw_values(msg, name)]
    for display, addr in getaddresses(values):
        addr = addr.strip()
        if addr and "@" in addr and " " not in addr:
            found.append(Address(header_text(display, limit=200), addr))
    if not found:  # last resort for broken headers such as "From: Big Bug bb@bug.example"
        for value in values:
            match = _LOOSE_ADDRESS.search(value)
            if match:
                name = header_text(value[: match.start()].strip(' "<'), limit=200)
                found.append(Address(name, match.group(0)))
    return found


def message_ids(value: str) -> list[str]:
    return [f"<{m}>" for m in _MESSAGE_ID.findall(value or "")]


def first_message_id(value: str) -> str:
    ids = message_ids(value)
    if ids:
        return ids[0]
    value = header_text(value or "", limit=900)
    return f"<{value.strip('<>')}>" if value and " " not in value else ""


def thread_index_key(value: str) -> str:
    """The conversation part of an Outlook Thread-Index (its first 22 bytes)."""
    value = "".join((value or "").split())
    if not value:
        return ""
    try:
        data = base64.b64decode(value + "=" * (-len(value) % 4), validate=False)
    except (binascii.Error, ValueError):
        return ""
    if len(data) < 22:
        return ""
    return base64.b64encode(data[:22]).decode("ascii")


@dataclass
class _PartInfo:
    content_type: str
    params: dict[str, str]
    disposition: str
    filename: str


def _part_info(part: Message, defects: list[str], hints: tuple[str, ...] = ()) -> _PartInfo:
    """Content-Type and Content-Disposition, each parsed once with ``policy.default``."""
    ctype, params = "text/plain", {}
    if "Content-Type" in part:
        try:
            header: Any = part["Content-Type"]
            ctype = header.content_type
            params = {k.lower(): str(v) for k, v in header.params.items()}
            if header.defects and ctype == "text/plain" and not header.params:
                raw = _raw_values(part, "Content-Type")[0].split(";")[0].strip().lower()
                if raw and raw != "text/plain":
                    defects.append(f"invalid Content-Type {raw[:60]!r} (read as text/plain)")
        except Exception as exc:
            defects.append(f"unreadable Content-Type ({exc.__class__.__name__})")
    elif part.get_default_type() == "message/rfc822":
        ctype = "message/rfc822"
    disposition, disp_params = "", {}
    if "Content-Disposition" in part:
        try:
            header = part["Content-Disposition"]
            disposition = (header.content_disposition or "").lower()
            disp_params = {k.lower(): str(v) for k, v in header.params.items()}
        except Exception:
            values = _raw_values(part, "Content-Disposition")
            disposition = values[0].split(";", 1)[0].strip().lower() if values else ""
    name = disp_params.get("filename") or params.get("name") or ""
    if not name:
        for raw in _raw_values(part, "Content-Disposition") + _raw_values(part, "Content-Type"):
            match = re.search(r'(?:file)?name\*?=\s*"?([^";]+)"?', raw, re.IGNORECASE)
            if match:
                name = match.group(1)
                break
    if "=?" in name:
        name = decode_raw_header(name, hints=hints)
    return _PartInfo(ctype, params, disposition, header_text(clean_text(name), limit=255))


def _boundary_of(part: Message, params: dict[str, str]) -> bytes | None:
    boundary = params.get("boundary")
    if boundary is None:
        try:
            boundary = part.get_boundary()
        except Exception:
            boundary = None
    if not boundary:
        return None
    try:
        return b"--" + boundary.strip().encode("utf-8", errors="surrogateescape")
    except Exception:
        return None


# --- line reader and boundaries ---------------------------------------------------------------------


class _Reader:
    def __init__(self, fp: IO[bytes]) -> None:
        self.fp = fp
        self.back: list[bytes] = []

    def readline(self) -> bytes:
        if self.back:
            return self.back.pop()
        return self.fp.readline(MAX_LINE)

    def unread(self, line: bytes) -> None:
        self.back.append(line)


Term = tuple[int, bool] | None  # (stack level, closing) of the boundary that ended a part; None: end of input


def _match(line: bytes, stack: list[bytes]) -> Term | bool:
    """The boundary ``line`` is, innermost first; False when it is none."""
    if not stack or line[:2] != b"--":
        return False
    body = line.rstrip(b"\r\n").rstrip(b" \t")
    for level in range(len(stack) - 1, -1, -1):
        boundary = stack[level]
        if body.startswith(boundary):
            rest = body[len(boundary) :]
            if rest == b"":
                return (level, False)
            if rest == b"--":
                return (level, True)
    return False


# --- body sinks: decode while reading ------------------------------------------------------------------


class _Sink:
    """Receives the raw body of a leaf; writes the decoded bytes to ``out``."""

    def __init__(self, out: IO[bytes] | None) -> None:
        self.out = out
        self.size = 0
        self.sha = hashlib.sha256()

    def emit(self, data: bytes) -> None:
        if data and self.out is not None:
            self.out.write(data)
            self.size += len(data)
            self.sha.update(data)

    def write(self, data: bytes) -> None:
        self.emit(data)

    def close(self) -> None:
        pass


class _Base64Sink(_Sink):
    def __init__(self, out: IO[bytes] | None, defects: list[str]) -> None:
        super().__init__(out)
        self.buffer = bytearray()
        self.defects = defects

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self._flush(final=False)

    def _flush(self, *, final: bool) -> None:
        data = bytes(self.buffer).translate(None, _B64_KEEP)
        self.buffer.clear()
        # Padding inside the data (concatenated base64 blocks): decode block by block.
        while (pos := data.find(b"=")) >= 0:
            end = pos
            while data[end : end + 1] == b"=":
                end += 1
            self._decode(data[:end])
            data = data[end:]
        if final:
            self._decode(data)
        else:
            usable = len(data) - len(data) % 4
            self._decode(data[:usable])
            self.buffer += data[usable:]

    def _decode(self, data: bytes) -> None:
        core = data.rstrip(b"=")
        if len(core) % 4 == 1:
            self.defects.append("truncated base64 data")
            core = core[:-1]
        if not core:
            return
        self.emit(binascii.a2b_base64(core + b"=" * (-len(core) % 4)))

    def close(self) -> None:
        self._flush(final=True)


class _QuotedPrintableSink(_Sink):
    def __init__(self, out: IO[bytes] | None) -> None:
        super().__init__(out)
        self.buffer = bytearray()

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            cut = self.buffer.rfind(b"\n") + 1
            if cut > 0:
                self.emit(binascii.a2b_qp(bytes(self.buffer[:cut])))
                del self.buffer[:cut]

    def close(self) -> None:
        if self.buffer:
            self.emit(binascii.a2b_qp(bytes(self.buffer)))
            self.buffer.clear()


def _sink_for(cte: str, out: IO[bytes] | None, defects: list[str]) -> _Sink:
    cte = (cte or "").strip().lower()
    if cte == "base64":
        return _Base64Sink(out, defects)
    if cte == "quoted-printable":
        return _QuotedPrintableSink(out)
    if cte and cte not in {"7bit", "8bit", "binary", "7-bit", "8-bit"}:
        defects.append(f"unknown Content-Transfer-Encoding {cte[:40]!r} (kept undecoded)")
    return _Sink(out)


def _spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


# --- the walker ----------------------------------------------------------------------------------------


@dataclass
class _Leaf:
    headers: Message
    info: _PartInfo
    file: IO[bytes]
    size: int
    sha256: str
    in_report: bool


class _Walker:
    def __init__(self, fp: IO[bytes], *, max_parts: int, header_limit: int) -> None:
        self.reader = _Reader(fp)
        self.max_parts = max_parts
        self.header_limit = header_limit
        self.defects: list[str] = []
        self.leaves: list[_Leaf] = []
        self.part_count = 0
        self.skipped_parts = 0

    # headers -------------------------------------------------------------------------------------

    def read_headers(self, stack: list[bytes], *, top: bool) -> tuple[bytes, Term | bool]:
        """Header lines up to the blank line; the boundary that interrupted them, if any (else False)."""
        lines: list[bytes] = []
        size = 0
        limit = self.header_limit if top else PART_HEADER_LIMIT
        first = True
        while True:
            line = self.reader.readline()
            if not line:
                return b"".join(lines), EOF_TERM
            match = _match(line, stack)
            if match is not False:
                return b"".join(lines), match
            if not line.strip(b" \t\r\n"):
                if top and first:
                    self.defects.append("blank lines before the headers")
                    continue
                return b"".join(lines), False
            if top and first and line.startswith(b"From ") and not lines:
                first = False  # an mbox "From " line
                continue
            first = False
            is_header = _HEADER_LINE.match(line) is not None
            is_continuation = bool(lines) and line[:1] in (b" ", b"\t")
            if not (is_header or is_continuation):
                self.defects.append("missing blank line between headers and body")
                self.reader.unread(line)
                return b"".join(lines), False
            size += len(line)
            if size > limit:
                self.defects.append("headers too long (the rest was read as body)")
                self.reader.unread(line)
                return b"".join(lines), False
            lines.append(line)

    # bodies --------------------------------------------------------------------------------------

    def read_body(self, stack: list[bytes], sink: _Sink | None) -> Term:
        """Feed body lines to ``sink`` until a boundary of ``stack`` (or the end).

        The line break before a boundary belongs to the boundary (RFC 2046), so the
        last line is held back until it is known whether a boundary follows it.
        """
        readline = self.reader.readline
        lines: list[bytes] = []
        append = lines.append
        while True:
            line = readline()
            if not line:
                if sink is not None and lines:
                    sink.write(b"".join(lines))
                return EOF_TERM
            if line[:2] == b"--" and stack:
                match = _match(line, stack)
                if match is not False:
                    if sink is not None and lines:
                        last = lines.pop()
                        if last[-2:] == b"\r\n":
                            last = last[:-2]
                        elif last[-1:] in (b"\n", b"\r"):
                            last = last[:-1]
                        lines.append(last)
                        sink.write(b"".join(lines))
                    return match  # type: ignore[return-value]
            if sink is None:
                continue
            append(line)
            if len(lines) >= 512:
                last = lines.pop()
                sink.write(b"".join(lines))
                lines.clear()
                append(last)

    # entities ------------------------------------------------------------------------------------

    def entity(self, stack: list[bytes], *, depth: int, top: bool, in_report: bool) -> tuple[Message, _PartInfo, Term]:
        header_bytes, interrupted = self.read_headers(stack, top=top)
        headers = parse_header_block(header_bytes)
        self.part_count += 1
        info = _part_info(headers, self.defects)
        if interrupted is not False:
            return headers, info, interrupted  # type: ignore[return-value]  # no body: an empty part
        ctype = info.content_type
        boundary = _boundary_of(headers, info.params) if ctype.startswith("multipart/") else None
        if ctype.startswith("multipart/") and boundary is None:
            self.defects.append(f"{ctype} without a boundary (read as text)")
            info.content_type, info.params = "text/plain", {}
        if boundary is not None and depth < MAX_DEPTH:
            report = in_report or ctype == "multipart/report"
            return headers, info, self.multipart(ctype, boundary, stack, depth=depth, in_report=report)
        if boundary is not None:
            self.defects.append("MIME nesting too deep (kept as an attachment)")
            info.content_type = "application/octet-stream"
        if self.part_count > self.max_parts:
            self.skipped_parts += 1
            return headers, info, self.read_body(stack, None)
        out = _spool()
        sink = _sink_for(get_header(headers, "Content-Transfer-Encoding"), out, self.defects)
        term = self.read_body(stack, sink)
        try:
            sink.close()
        except Exception as exc:
            self.defects.append(f"could not decode a part ({exc.__class__.__name__}); kept what decoded")
        out.seek(0)
        self.leaves.append(_Leaf(headers, info, out, sink.size, sink.sha.hexdigest(), in_report))
        return headers, info, term

    def multipart(self, ctype: str, boundary: bytes, stack: list[bytes], *, depth: int, in_report: bool) -> Term:
        stack.append(boundary)
        level = len(stack) - 1
        term = self.read_body(stack, None)  # the preamble
        children = 0
        while term is not None and term[0] == level and not term[1]:
            _headers, _info, term = self.entity(stack, depth=depth + 1, top=False, in_report=in_report)
            children += 1
        stack.pop()
        if term is None:
            self.defects.append(
                f"{ctype}: " + ("boundary never found" if children == 0 else "closing boundary missing")
            )
            return EOF_TERM
        if term[0] == level:  # our closing boundary: the epilogue runs to the parent's next boundary
            return self.read_body(stack, None)
        self.defects.append(f"{ctype}: closing boundary missing")
        return term


# --- from leaves to the parsed message ----------------------------------------------------------------


def _decode_leaf_text(leaf: _Leaf, hints: tuple[str, ...], defects: list[str]) -> str:
    data = leaf.file.read()
    leaf.file.seek(0)
    charset = leaf.info.params.get("charset")
    text, exact = decode_bytes(data, charset, hints=hints)
    if not exact:
        defects.append(
            f"{leaf.info.content_type}: charset {charset or '(none)'!r} did not decode; read as Windows-1252"
        )
    return clean_text(text)


def _parse_status_fields(data: bytes) -> list[Message]:
    blocks = re.split(rb"\r?\n[ \t]*\r?\n", data.strip())
    return [parse_header_block(block.strip() + b"\n") for block in blocks if block.strip()]


def _status_address(value: str) -> str:
    value = value.split(";", 1)[-1].strip().strip("<>").strip()
    return value if "@" in value and " " not in value else ""


def _default_filename(ctype: str, index: int) -> str:
    if ctype == "message/rfc822":
        return f"message-{index}.eml"
    if ctype == "text/calendar":
        return "invite.ics"
    ext = mimetypes.guess_extension(ctype) or ".bin"
    return f"attachment-{index}{ext}"


def parse(
    fp: IO[bytes], *, max_parts: int = 500, header_limit: int = 1024 * 1024, text_limit: int = 2 * 1024 * 1024
) -> ParsedEmail:
    """Parse the message in the binary file ``fp`` (read from its current position)."""
    walker = _Walker(fp, max_parts=max_parts, header_limit=header_limit)
    top, info, _term = walker.entity([], depth=0, top=True, in_report=False)
    parsed = ParsedEmail(headers=top, defects=walker.defects, size=fp.tell(), part_count=walker.part_count)
    if walker.skipped_parts:
        parsed.defects.append(f"too many MIME parts: {walker.skipped_parts} skipped")
    hints = tuple(h for h in (info.params.get("charset"),) if h)
    _fill_headers(parsed, info, hints)
    texts: list[str] = []
    htmls: list[str] = []
    for index, leaf in enumerate(walker.leaves, start=1):
        try:
            _collect(parsed, leaf, index, hints, text_limit, texts, htmls)
        except Exception as exc:  # one bad part never loses the rest
            parsed.defects.append(f"part {index} could not be read ({exc.__class__.__name__})")
            leaf.file.close()
    parsed.text = "\n\n".join(t.strip("\n") for t in texts if t.strip())
    parsed.html = "\n".join(h for h in htmls if h.strip())
    return parsed


def _collect(
    parsed: ParsedEmail,
    leaf: _Leaf,
    index: int,
    hints: tuple[str, ...],
    text_limit: int,
    texts: list[str],
    htmls: list[str],
) -> None:
    info = leaf.info
    ctype = info.content_type
    filename = info.filename
    if leaf.in_report and ctype in _REPORT_TYPES:
        _read_report(parsed, leaf)
        leaf.file.close()
        return
    if leaf.in_report and (ctype in _HEADER_TYPES or ctype == "message/rfc822") and parsed.original_headers is None:
        head = leaf.file.read(REPORT_PART_LIMIT)
        leaf.file.seek(0)
        end = re.search(rb"\r?\n\r?\n", head)
        parsed.original_headers = parse_header_block(head[: end.start() + 1] if end else head)
        if ctype != "message/rfc822":
            leaf.file.close()
            return
    is_body_text = ctype in ("text/plain", "text/html") and info.disposition != "attachment" and not filename
    if is_body_text and leaf.size <= text_limit:
        text = _decode_leaf_text(leaf, (*(h for h in (info.params.get("charset"),) if h), *hints), parsed.defects)
        leaf.file.close()
        (texts if ctype == "text/plain" else htmls).append(text)
        return
    if is_body_text:
        parsed.defects.append(f"{ctype} body larger than {text_limit} bytes: kept as an attachment")
        filename = "message.html" if ctype == "text/html" else "message.txt"
    content_id = get_header(leaf.headers, "Content-ID").strip().strip("<>").strip()
    parsed.attachments.append(
        Attachment(
            filename=filename or _default_filename(ctype, index),
            content_type=ctype,
            size=leaf.size,
            file=leaf.file,
            content_id=content_id[:250],
            inline=info.disposition == "inline" or (bool(content_id) and info.disposition != "attachment"),
            sha256=leaf.sha256,
        )
    )


def _read_report(parsed: ParsedEmail, leaf: _Leaf) -> None:
    data = leaf.file.read(REPORT_PART_LIMIT)
    blocks = _parse_status_fields(data)
    if not blocks:
        return
    parsed.report_fields.update({k.lower(): get_header(blocks[0], k) for k in blocks[0].keys()})
    if leaf.info.content_type == "message/feedback-report":
        return
    for block in blocks[1:] if len(blocks) > 1 else blocks:
        address = _status_address(get_header(block, "Final-Recipient") or get_header(block, "Original-Recipient"))
        if not address:
            continue
        parsed.recipient_status.append(
            RecipientStatus(
                address=address,
                action=get_header(block, "Action").lower().strip(),
                status=get_header(block, "Status").strip()[:20],
                diagnostic=get_header(block, "Diagnostic-Code")[:500],
            )
        )


def _fill_headers(parsed: ParsedEmail, info: _PartInfo, hints: tuple[str, ...]) -> None:
    msg = parsed.headers
    parsed.message_id = first_message_id(get_header(msg, "Message-ID"))[:900]
    parsed.subject = header_text(get_header(msg, "Subject", hints=hints), limit=998)
    froms = get_addresses(msg, "From")
    parsed.from_ = froms[0] if froms else None
    senders = get_addresses(msg, "Sender")
    parsed.sender = senders[0] if senders else None
    parsed.reply_to = get_addresses(msg, "Reply-To")
    parsed.to = get_addresses(msg, "To")
    parsed.cc = get_addresses(msg, "Cc")
    parsed.delivered_to = [
        v.strip().strip("<>").lower()
        for name in ("Delivered-To", "X-Original-To", "Envelope-To")
        for v in get_all_headers(msg, name)
        if "@" in v
    ]
    if "Return-Path" in msg:
        parsed.return_path = get_header(msg, "Return-Path").strip().strip("<>").strip()
    date = get_header(msg, "Date")
    try:
        parsed.date = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed.date = None
    if parsed.date is not None and parsed.date.tzinfo is None:
        parsed.date = None
    parsed.in_reply_to = message_ids(get_header(msg, "In-Reply-To"))[:10]
    parsed.references = message_ids(" ".join(get_all_headers(msg, "References")))[-50:]
    parsed.thread_index = thread_index_key(get_header(msg, "Thread-Index"))
    parsed.content_type = info.content_type
    if info.content_type == "multipart/report":
        parsed.report_type = info.params.get("report-type", "").lower()


def parse_headers_only(fp: IO[bytes], *, header_limit: int = 1024 * 1024) -> ParsedEmail:
    """Only the top-level headers (oversize mail, dedupe keys); reads no further than they go."""
    walker = _Walker(fp, max_parts=1, header_limit=header_limit)
    header_bytes, _ = walker.read_headers([], top=True)
    headers = parse_header_block(header_bytes)
    info = _part_info(headers, walker.defects)
    parsed = ParsedEmail(headers=headers, defects=walker.defects)
    _fill_headers(parsed, info, tuple(h for h in (info.params.get("charset"),) if h))
    return parsed


def read_envelope(fp: IO[bytes], *, header_limit: int = 1024 * 1024) -> ParsedEmail:
    """Message-ID, Thread-Index, From and Subject only, from the raw header values (fast).

    For the dedupe key and the listing fields stored when a message is received; the
    pipeline parses everything properly afterwards.
    """
    walker = _Walker(fp, max_parts=1, header_limit=header_limit)
    header_bytes, _ = walker.read_headers([], top=True)
    headers = parse_header_block(header_bytes)
    parsed = ParsedEmail(headers=headers, defects=walker.defects)
    parsed.message_id = first_message_id(get_header(headers, "Message-ID"))[:900]
    parsed.subject = header_text(get_header(headers, "Subject"), limit=998)
    parsed.thread_index = thread_index_key(get_header(headers, "Thread-Index"))
    froms = get_addresses(headers, "From", structured=False)
    parsed.from_ = froms[0] if froms else None
    return parsed


def iter_addresses(parsed: ParsedEmail) -> Iterator[Address]:
    """Every recipient address of the message (To, Cc, Delivered-To and friends)."""
    yield from parsed.to
    yield from parsed.cc
    for value in parsed.delivered_to:
        yield Address("", value)
