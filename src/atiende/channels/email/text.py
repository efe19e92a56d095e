"""Bytes to text with charset fallbacks, and header values made safe to store and to reuse.

Mail in the wild declares charsets that do not exist, lies about them, or puts raw
8-bit bytes in headers. Decoding never fails here: it tries the declared charset, then
UTF-8, then Windows-1252, and finally replaces what is left — and says so.
"""

from __future__ import annotations

import codecs
import re
from email.header import decode_header, make_header

# Labels seen in real mail mapped to the codec that actually decodes them (as browsers do:
# "iso-8859-1" is really Windows-1252, "shift_jis" really cp932, "gb2312" really GB 18030).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-2022-jp-2": "iso2022_jp_2",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "default": "",
    "charset": "",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_UNCLEAN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")  # what clean_text() changes (CR included)


def codec_for(charset: str | None) -> str:
    """A Python codec name for a MIME charset label, or "" when unknown."""
    label = (charset or "").strip().strip("\"'").lower()
    if not label:
        return ""
    label = _ALIASES.get(label, label)
    if not label:
        return ""
    try:
        return codecs.lookup(label).name
    except LookupError:
        return ""


def decode_bytes(data: bytes, charset: str | None, *, hints: tuple[str, ...] = ()) -> tuple[str, bool]:
    """Decode ``data``; returns (text, exact) where exact is False when characters were replaced."""
    tried: list[str] = []
    for label in (charset, *hints, "utf-8"):
        codec = codec_for(label)
        if not codec or codec in tried:
            continue
        tried.append(codec)
        try:
            return data.decode(codec), True
        except (UnicodeDecodeError, LookupError):
            continue
        except Exception:  # noqa: S112 - some CJK codecs raise other errors on garbage: try the next
            continue
    # Nothing decoded cleanly: Windows-1252 maps almost every byte to the character the
    # sender most likely meant (legacy Western mail); the few it cannot are replaced.
    return data.decode("cp1252", errors="replace"), False


def clean_text(text: str) -> str:
    """Text that every database accepts: no NUL or control characters, no lone surrogates."""
    if not _UNCLEAN.search(text):
        return text  # the usual case, and what the steps below would return for it
    if _SURROGATES.search(text):
        raw = text.encode("utf-8", errors="surrogateescape")
        text = decode_bytes(raw, "utf-8")[0]
        text = _SURROGATES.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def header_text(value: str, *, limit: int = 998) -> str:
    """A header value safe to show and to put into an outbound header: one line, no CR/LF."""
    text = clean_text(value) if _SURROGATES.search(value) else value
    text = _HEADER_UNSAFE.sub(" ", text)
    return " ".join(text.split())[:limit]


def decode_raw_header(raw: str, *, hints: tuple[str, ...] = ()) -> str:
    """Decode a raw header value (encoded words, 8-bit bytes) without the email package's parser."""
    if _SURROGATES.search(raw):
        raw = decode_bytes(raw.encode("utf-8", errors="surrogateescape"), None, hints=hints)[0]
    if "=?" not in raw:
        return raw  # no encoded word: decode_header() would return it as one undecoded chunk
    try:
        parts = decode_header(raw)
        out = []
        for chunk, charset in parts:
            if isinstance(chunk, bytes):
                out.append(decode_bytes(chunk, charset, hints=hints)[0])
            else:
                out.append(chunk)
        return "".join(out)
    except Exception:
        try:
            return str(make_header(decode_header(raw)))
        except Exception:
            return raw


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
