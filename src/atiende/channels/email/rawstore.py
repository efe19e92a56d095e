"""Raw messages on disk (the default storage), content-addressed by SHA-256.

A message is first spooled to a temporary file while its digest is computed, then
saved under ``email/raw/ab/cd/<sha256>.eml``. Nothing holds the whole message in
memory. A file left half-written by a killed process is detected by its size and
written again; identical messages share one file.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage

CHUNK = 1024 * 1024
PREFIX = "email/raw"


@dataclass
class Spooled:
    file: IO[bytes]
    sha256: str
    size: int

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Spooled:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def spool(source: bytes | IO[bytes]) -> Spooled:
    """Copy ``source`` to a temporary file, hashing it on the way."""
    out = tempfile.TemporaryFile()
    sha = hashlib.sha256()
    size = 0
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        out.write(data)
        sha.update(data)
        size = len(data)
    else:
        while chunk := source.read(CHUNK):
            out.write(chunk)
            sha.update(chunk)
            size += len(chunk)
    out.flush()
    out.seek(0)
    return Spooled(file=out, sha256=sha.hexdigest(), size=size)


def path_for(sha256: str) -> str:
    return f"{PREFIX}/{sha256[:2]}/{sha256[2:4]}/{sha256}.eml"


def save(spooled: Spooled) -> str:
    """Store the spooled message (once per digest); returns its storage name."""
    name = path_for(spooled.sha256)
    if default_storage.exists(name):
        try:
            if default_storage.size(name) == spooled.size:
                return name
        except OSError:
            pass
        default_storage.delete(name)  # half-written by a killed process: write it again
    spooled.file.seek(0)
    try:
        saved = default_storage.save(name, File(spooled.file, name=name))
    finally:
        spooled.file.seek(0)
    return saved


def open_raw(name: str) -> IO[bytes]:
    return default_storage.open(name, "rb")


def read_raw(name: str) -> bytes:
    with open_raw(name) as handle:
        return handle.read()


def copy_to(name: str, target: IO[bytes]) -> None:
    with open_raw(name) as handle:
        shutil.copyfileobj(handle, target, CHUNK)
