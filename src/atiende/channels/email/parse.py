"""Parse a raw message into what the intake pipeline needs, streaming the bodies.

Header blocks are split into raw (name, value) pairs — the standard library's feed
parser rules, done by hand for the usual clean block — and values are read only when
needed: unstructured ones decoded from the raw text, structured ones (addresses,
Content-Type, Content-Disposition) by small readers for the well-formed cases that hand
anything unusual to ``email.policy.default``: the standard library's results at a
fraction of its cost. Bodies are *not* held in memory: the MIME tree is walked line
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
import email._encoded_words as _encoded_words  # type: ignore[import-not-found]  # policy.default's decoder
import email.policy
import hashlib
import mimetypes
import re
import tempfile
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import partial
from itertools import chain
from string import hexdigits
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
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_B64_KEEP = bytes(range(256)).translate(None, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_POLICY = email.policy.default.clone(max_line_length=0, raise_on_defect=False)
_COMPAT_PARSER = BytesParser(policy=email.policy.compat32)

# A field as the feed parser reads it (email.feedparser.headerRE, without its "From " case,
# and its continuation lines), and line breaks other than CR, LF and CRLF.
_FEED_FIELD = re.compile(r"([\041-\071\073-\176]+):([^\n]*\n?(?:[ \t][^\n]*\n?)*)")
_FEED_FIELDS = re.compile(r"(?:[\041-\071\073-\176]+:[^\n]*\n?(?:[ \t][^\n]*\n?)*)*")
_ODD_BREAK = re.compile("[\x0b\x0c\x1c-\x1e]|\r(?!\n)")

# Well-formed MIME header values: RFC 2045 tokens (_MIME_WORD), quoted strings without
# escapes, RFC 2231 sections and charsets.
_MIME_WORD = r"[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+"
_MIME_HEAD = re.compile(rf"[ \t]*({_MIME_WORD})[ \t]*(?:/[ \t]*({_MIME_WORD})[ \t]*)?(?:;|\Z)")
_MIME_PARAM = re.compile(
    r"[ \t]*([!#$&+\-.^_`{|}~0-9A-Za-z]+)(?:\*(0|[1-9][0-9]{0,2}))?(\*?)=[ \t]*"
    r"(?:\"([ \t!#-\[\]-~]*)\"|([!#$%&+\-.^_`{|}~0-9A-Za-z]+)"
    r"|([!#$%&+\-.^_`{|}~0-9A-Za-z]+)'([!#$&+\-.^_`{|}~0-9A-Za-z]*)'([!#$%&+\-.^_`{|}~0-9A-Za-z]+))"
    r"[ \t]*(?:;|\Z)"
)
# Plain mailboxes: ASCII dot-atom addresses, display names of atoms and quoted strings.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_ADDR = rf"{_ATEXT}+(?:\.{_ATEXT}+)*(?:@{_ATEXT}+(?:\.{_ATEXT}+)*)?"  # without "@": not an address
_MAILBOX_END = r"[ \t]*(?:\([ \t!-'*-\[\]-~]*\)[ \t]*)?(?:,|\Z)"  # an optional comment, then "," or the end
# A display name: atoms (8-bit text included, a dot only after an atom character) and quoted strings.
_MAILBOX = re.compile(
    rf"[ \t]*(?:({_ADDR})|((?:[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~ \t\udc80-\udcff-]|(?<={_ATEXT})\."
    rf"|\"[ \t!#-\[\]-~\udc80-\udcff]*\")*)<({_ADDR})?>){_MAILBOX_END}"
)
# A display name that is one encoded word (RFC 2047).
_EW_MAILBOX = re.compile(
    rf"[ \t]*(=\?[A-Za-z0-9!#$%&'*+\-.^_`{{|}}~]+\?[bBqQ]\?[!->@-~]*\?=)[ \t]*<({_ADDR})?>{_MAILBOX_END}"
)

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
    """Headers only: a compat32 ``Message`` holding the raw values, as the feed parser leaves them.

    Values are interpreted on demand (``get_header``, ``get_addresses``, ``_part_info``),
    so the block is only split into fields. The usual clean block is split by hand, the
    feed parser's way; anything it treats specially goes to the feed parser itself.
    """
    text = data.decode("ascii", "surrogateescape")
    msg = _split_header_block(text)
    return msg if msg is not None else _COMPAT_PARSER.parsebytes(data, headersonly=True)


def _split_header_block(text: str) -> Message | None:
    """``email.feedparser``'s header rules for clean blocks; None when the block needs the parser.

    Lines break at CR, LF and CRLF only; the fields end at the first line that is
    neither a field nor a continuation. A leading continuation, an mbox "From " line or
    a field without a name make the parser record defects or skip lines: left to it.
    """
    if _ODD_BREAK.search(text):
        return None
    end = _FEED_FIELDS.match(text).end()  # type: ignore[union-attr]  # matches the empty string
    if text.startswith(("From ", ":", " ", "\t"), end):
        return None
    msg = Message()
    for name, value in _FEED_FIELD.findall(text, 0, end):
        msg.set_raw(name, value.lstrip(" \t").rstrip("\r\n"))
    return msg


_Fields = dict[str, list[tuple[str, Any]]]  # lowercased name: the (name, raw value) pairs, in order


def _fields(msg: Message) -> _Fields:
    """The raw fields of a block by lowercased name: one pass instead of one per lookup."""
    fields: _Fields = {}
    for key, value in msg.raw_items():
        fields.setdefault(key.lower(), []).append((key, value))
    return fields


def _pairs(msg: Message, name: str) -> list[tuple[str, Any]]:
    lname = name.lower()
    return [(k, v) for k, v in msg.raw_items() if k.lower() == lname]


def _structured(msg: Message, name: str) -> Any:
    """The first ``name`` field as ``policy.default`` reads it (``msg[name]`` under that policy)."""
    return _POLICY.header_fetch_parse(*_pairs(msg, name)[0])


def _unfolded(pairs: list[tuple[str, Any]]) -> list[str]:
    return [_UNFOLD.sub("", v) if "\n" in v else v for v in (str(v) for _k, v in pairs)]


def _raw_values(msg: Message, name: str) -> list[str]:
    return _unfolded(_pairs(msg, name))


def _first_text(pairs: list[tuple[str, Any]], hints: tuple[str, ...] = (), *, limit: int = 0) -> str:
    """The first value as text; with a ``limit`` (characters kept), only as much raw text as fills it is decoded.

    A 200 KB subject (there is one in the benchmark corpus) took 42 ms to decode whole
    to keep its first 998 characters. A prefix cut at whitespace decodes to a prefix of
    the whole (encoded words are never split), so the prefix is decoded, and a longer
    one when its text does not yet fill ``limit`` (an encoded word can hold as little
    as one character).
    """
    if not pairs:
        return ""
    raw = _unfolded(pairs[:1])[0]
    cut = 16 * limit
    while limit and len(raw) > cut:
        head = raw[:cut]
        head = head[: max(head.rfind(" "), head.rfind("\t"), 0)] or head
        text = clean_text(decode_raw_header(head, hints=hints))
        if len(" ".join(text.split())) > limit:  # more than is kept: the kept part is exact
            return text
        cut *= 4
    return clean_text(decode_raw_header(raw, hints=hints))


def _all_texts(pairs: list[tuple[str, Any]]) -> list[str]:
    return [clean_text(decode_raw_header(v)) for v in _unfolded(pairs)]


def get_header(msg: Message, name: str, *, hints: tuple[str, ...] = ()) -> str:
    """One unstructured header as clean text (encoded words decoded); never raises.

    Unstructured values are decoded from the raw value (fast); structured ones —
    addresses, Content-Type, Content-Disposition — have their own readers.
    """
    return _first_text(_pairs(msg, name), hints)


def get_all_headers(msg: Message, name: str) -> list[str]:
    return _all_texts(_pairs(msg, name))


def get_addresses(msg: Message, name: str, *, structured: bool = True) -> list[Address]:
    """Addresses of a header: ``policy.default``'s parser, then lenient fallbacks.

    Plain mailbox lists are read directly (what ``policy.default`` gives for them, without
    its cost). ``structured=False`` skips the (slow) structured parser, for listing fields only.
    """
    return _addresses(_pairs(msg, name), structured=structured)


def _addresses(pairs: list[tuple[str, Any]], *, structured: bool = True) -> list[Address]:
    found: list[Address] = []
    if not pairs:
        return found
    plain = _plain_addresses(pairs) if structured else None
    if plain:
        return plain
    try:
        if not structured or plain is not None:  # plain == []: policy.default would find nothing either
            raise LookupError("lenient parsing requested")
        for key, raw in pairs:
            value = _POLICY.header_fetch_parse(key, raw)
            for addr in getattr(value, "addresses", ()):
                spec = clean_text(addr.addr_spec or "").strip()  # raw UTF-8 (RFC 6532) arrives as surrogates
                if spec and "@" in spec and " " not in spec:
                    found.append(Address(header_text(addr.display_name or "", limit=200), spec))
        if found:
            return found
    except Exception:  # noqa: S110 - fall back to the lenient parser below
        pass
    values = [clean_text(decode_raw_header(v)) for v in _unfolded(pairs)]
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


def _plain_addresses(pairs: list[tuple[str, Any]]) -> list[Address] | None:
    """What ``policy.default`` finds in the fields when each is a list of plain mailboxes.

    ``addr@host``, ``<addr@host>`` and ``Display Name <addr@host>`` (atoms, 8-bit text and
    quoted strings without escapes, or one encoded word), each optionally followed by a
    comment, comma-separated: ``policy.default`` gives the address as written and the
    display name with its quotes removed or its encoded word decoded (a trailing comment is
    not a name), and an address without "@" (``<>``, ``postmaster``) is no address. None
    for anything else — comments elsewhere, groups, escapes, 8-bit addresses, malformed
    lists — so that the caller asks it.
    """
    found: list[Address] = []
    for _key, raw in pairs:
        value = str(raw).replace("\r", "").replace("\n", "")
        if not value.strip(" \t") or value.rstrip(" \t").endswith(","):
            return None
        pos, end = 0, len(value)
        while pos < end:
            match = _MAILBOX.match(value, pos)
            if match is not None and "=?" not in match.group(0):
                spec, display, angle = match.groups()
                if display and display.endswith("."):
                    return None  # policy.default raises on a name that ends in a period right before "<"
                if spec and "@" in spec:
                    found.append(Address("", spec))
                elif angle and "@" in angle:
                    found.append(Address(header_text(display.replace('"', ""), limit=200), angle))
            else:
                match = _EW_MAILBOX.match(value, pos)
                display = _encoded_word_text(match.group(1)) if match is not None else None
                if match is None or display is None or "=?" in match.group(0)[match.end(1) - pos :]:
                    return None
                angle = match.group(2)
                if angle and "@" in angle:
                    found.append(Address(header_text(display, limit=200), angle))
            pos = match.end()
    return found


def _encoded_word_text(word: str) -> str | None:
    """An encoded word decoded as ``policy.default`` decodes it; None when it would not take it as one.

    Its parser ends the word at the first "?=" unless two hex digits follow (a Q text that
    starts with "=XX"); what it then cannot decode it keeps as plain text.
    """
    tok, _sep, rest = word[2:].partition("?=")
    if len(rest) > 1 and rest[0] in hexdigits and rest[1] in hexdigits and tok.count("?") < 2:
        tok = tok + "?=" + rest.partition("?=")[0]
    if f"=?{tok}?=" != word:
        return None
    try:
        return str(_encoded_words.decode(word)[0])
    except Exception:
        return None


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


def _mime_value(raw: str, *, with_subtype: bool) -> tuple[str, dict[str, str]] | None:
    """A well-formed Content-Type or Content-Disposition as ``policy.default`` reads it; else None.

    Returns the lowercased value ("type/subtype" or the disposition) and the parameters
    by lowercased name, RFC 2231 sections joined and decoded. None for whatever
    ``policy.default`` would treat specially — comments, escapes, encoded words, 8-bit
    text, duplicate or missing sections, junk — so that the caller asks it instead.
    """
    value = raw.replace("\r", "").replace("\n", "")
    head = _MIME_HEAD.match(value)
    if head is None or (head.group(2) is None) == with_subtype or "=?" in value:
        return None
    kind = head.group(1).lower() + ("/" + head.group(2).lower() if with_subtype else "")
    sections: dict[str, list[tuple[int, bool, str, str]]] = {}
    pos, end = head.end(), len(value.rstrip(" \t"))
    while pos < end:
        match = _MIME_PARAM.match(value, pos)
        if match is None:
            return None
        name, number, star, quoted, token, charset, _lang, encoded = match.groups()
        if encoded is not None and (not star or (number or "0") != "0"):
            return None  # charset'lang' belongs to an initial extended section only
        if star and (quoted is not None or (encoded is None and (number or "0") == "0")):
            return None  # a quoted extended value, or an initial one without its charset
        text = encoded if encoded is not None else (quoted if quoted is not None else token)
        sections.setdefault(name, []).append((int(number or 0), bool(star), charset or "", text))
        pos = match.end()
    params: dict[str, str] = {}
    for name, parts in sections.items():
        parts.sort(key=lambda part: part[0])
        if [part[0] for part in parts] != list(range(len(parts))) or name.lower() in params:
            return None
        charset = parts[0][2] or "us-ascii"
        pieces = []
        for _number, extended, _charset, text in parts:
            if extended:
                try:
                    text = urllib.parse.unquote_to_bytes(text).decode(charset, "surrogateescape")
                except Exception:
                    return None
            pieces.append(text)
        joined = "".join(pieces)
        if _SURROGATE.search(joined):
            joined = joined.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        params[name.lower()] = joined
    return kind, params


def _part_info(part: Message, defects: list[str], hints: tuple[str, ...] = ()) -> _PartInfo:
    """Content-Type and Content-Disposition, each parsed once (``policy.default`` unless well-formed)."""
    ctype, params = "text/plain", dict[str, str]()
    raw_type = _raw_first(part, "Content-Type")
    fast = _mime_value(raw_type, with_subtype=True) if raw_type is not None else None
    if fast is not None:
        ctype, params = fast
    elif raw_type is not None:
        try:
            header: Any = _structured(part, "Content-Type")
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
    disposition, disp_params = "", dict[str, str]()
    raw_disposition = _raw_first(part, "Content-Disposition")
    fast = _mime_value(raw_disposition, with_subtype=False) if raw_disposition is not None else None
    if fast is not None:
        disposition, disp_params = fast
    elif raw_disposition is not None:
        try:
            header = _structured(part, "Content-Disposition")
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


def _raw_first(msg: Message, name: str) -> str | None:
    """The raw value of the first ``name`` field, as ``msg[name]`` would pick it; None without one."""
    lname = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == lname:
            return str(value)
    return None


def _boundary_of(part: Message, params: dict[str, str]) -> bytes | None:
    boundary = params.get("boundary")
    if boundary is None:
        try:
            view = Message(policy=_POLICY)  # get_boundary() reads the header as policy.default shows it
            for key, value in part.raw_items():
                view.set_raw(key, value)
            boundary = view.get_boundary()
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
    """Lines of the file, with one line of push-back (the parser never needs more)."""

    def __init__(self, fp: IO[bytes]) -> None:
        self.fp = fp
        self.back: bytes | None = None

    def unread(self, line: bytes) -> None:
        self.back = line

    def lines(self) -> Iterator[bytes]:
        """The lines from here on, the pushed-back one first.

        The file's lines come from a C-level iterator, not one Python call per line:
        bodies are most of the lines of a message. Stopping early loses nothing, as
        each step reads exactly one line.
        """
        rest = iter(partial(self.fp.readline, MAX_LINE), b"")
        if self.back is None:
            return rest
        line, self.back = self.back, None
        return chain((line,), rest)


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
        for line in self.reader.lines():
            match = _match(line, stack) if line[:2] == b"--" else False
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
            is_continuation = bool(lines) and line[:1] in (b" ", b"\t")
            if not (is_continuation or _HEADER_LINE.match(line) is not None):
                self.defects.append("missing blank line between headers and body")
                self.reader.unread(line)
                return b"".join(lines), False
            size += len(line)
            if size > limit:
                self.defects.append("headers too long (the rest was read as body)")
                self.reader.unread(line)
                return b"".join(lines), False
            lines.append(line)
        return b"".join(lines), EOF_TERM

    # bodies --------------------------------------------------------------------------------------

    def read_body(self, stack: list[bytes], sink: _Sink | None) -> Term:
        """Feed body lines to ``sink`` until a boundary of ``stack`` (or the end).

        The line break before a boundary belongs to the boundary (RFC 2046), so the
        last line is held back until it is known whether a boundary follows it.
        """
        lines: list[bytes] = []
        append = lines.append
        for line in self.reader.lines():
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
        if sink is not None and lines:
            sink.write(b"".join(lines))
        return EOF_TERM

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
    fields = _fields(parsed.headers)
    parsed.message_id = first_message_id(_first_text(fields.get("message-id", [])))[:900]
    parsed.subject = header_text(_first_text(fields.get("subject", []), hints, limit=998), limit=998)
    froms = _addresses(fields.get("from", []))
    parsed.from_ = froms[0] if froms else None
    senders = _addresses(fields.get("sender", []))
    parsed.sender = senders[0] if senders else None
    parsed.reply_to = _addresses(fields.get("reply-to", []))
    parsed.to = _addresses(fields.get("to", []))
    parsed.cc = _addresses(fields.get("cc", []))
    parsed.delivered_to = [
        v.strip().strip("<>").lower()
        for name in ("delivered-to", "x-original-to", "envelope-to")
        for v in _all_texts(fields.get(name, []))
        if "@" in v
    ]
    if "return-path" in fields:
        parsed.return_path = _first_text(fields["return-path"]).strip().strip("<>").strip()
    date = _first_text(fields.get("date", []))
    try:
        parsed.date = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed.date = None
    if parsed.date is not None and parsed.date.tzinfo is None:
        parsed.date = None
    parsed.in_reply_to = message_ids(_first_text(fields.get("in-reply-to", [])))[:10]
    parsed.references = message_ids(" ".join(_all_texts(fields.get("references", []))))[-50:]
    parsed.thread_index = thread_index_key(_first_text(fields.get("thread-index", [])))
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
    fields = _fields(headers)
    parsed.message_id = first_message_id(_first_text(fields.get("message-id", [])))[:900]
    parsed.subject = header_text(_first_text(fields.get("subject", []), limit=998), limit=998)
    parsed.thread_index = thread_index_key(_first_text(fields.get("thread-index", [])))
    froms = _addresses(fields.get("from", []), structured=False)
    parsed.from_ = froms[0] if froms else None
    return parsed


def iter_addresses(parsed: ParsedEmail) -> Iterator[Address]:
    """Every recipient address of the message (To, Cc, Delivered-To and friends)."""
    yield from parsed.to
    yield from parsed.cc
    for value in parsed.delivered_to:
        yield Address("", value)
