"""Raw messages on disk (the default storage), content-addressed by SHA-256.

A message is first spooled to a temporary file while its digest is computed, then
saved under ``email/raw/ab/cd/<sha256>.eml``. Nothing holds the whole message in
memory. A file left half-written by a killed process is detected by its size and
written again; identical messages share one file. :func:`save_later` leaves the flush
to disk (fsync) and the rename to a background thread, so a batch's disk waits overlap
its parsing; ``intake.record`` waits for them before any row points at a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage

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


class Saving:
    """A raw file on its way to disk: its storage name now, :meth:`wait` before its row commits."""

    __slots__ = ("_future", "name")

    def __init__(self, name: str, future: Future[None] | None = None) -> None:
        self.name = name
        self._future = future

    def wait(self) -> str:
        """Block until the file is flushed and in place (re-raising what went wrong); its name."""
        if self._future is not None:
            self._future.result()
            self._future = None
        return self.name


def save(spooled: Spooled) -> str:
    """Store the spooled message (once per digest), durably; returns its storage name.

    On a local filesystem the file is written next to its final name, flushed to disk
    (fsync) and renamed into place, so it is either complete or absent; other storages
    go through Django's storage API, and a half-written file is recognized by its size.
    """
    return save_later(spooled).wait()


def save_later(spooled: Spooled) -> Saving:
    """Like :func:`save`, but the flush to disk and the rename run on a background thread.

    The bytes are written before this returns (the spooled file can be closed); waiting
    for the disk overlaps the work on the next messages of a batch. The caller must
    :meth:`Saving.wait` before it records the message (``intake.record`` does).
    """
    name = path_for(spooled.sha256)
    if isinstance(default_storage, FileSystemStorage):
        return _save_local(default_storage, name, spooled)
    if default_storage.exists(name):
        try:
            if default_storage.size(name) == spooled.size:
                return Saving(name)
        except OSError:
            pass
        default_storage.delete(name)
    spooled.file.seek(0)
    try:
        saved = default_storage.save(name, File(spooled.file, name=name))
    finally:
        spooled.file.seek(0)
    return Saving(saved)


_flusher: ThreadPoolExecutor | None = None
_flusher_pid = 0


def _flush_pool() -> ThreadPoolExecutor:
    """The flushing threads of this process (a forked worker starts its own: threads do not survive fork)."""
    global _flusher, _flusher_pid
    if _flusher is None or _flusher_pid != os.getpid():
        _flusher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rawstore-flush")
        _flusher_pid = os.getpid()
    return _flusher


def _save_local(storage: FileSystemStorage, name: str, spooled: Spooled) -> Saving:
    final = storage.path(name)
    try:
        if os.path.getsize(final) == spooled.size:
            return Saving(name)
    except OSError:
        pass
    directory = os.path.dirname(final)
    if not os.path.isdir(directory):  # a stat; mkdir on an existing directory costs far more here
        os.makedirs(directory, exist_ok=True)
    # A fresh name created exclusively with its final mode: what mkstemp + chmod did, in
    # one system call instead of two (intake writes a file per message).
    temporary = os.path.join(directory, f".incoming-{secrets.token_hex(8)}")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o640)
    try:
        out = os.fdopen(handle, "wb")
        try:
            spooled.file.seek(0)
            shutil.copyfileobj(spooled.file, out, CHUNK)
            out.flush()
        except BaseException:
            out.close()
            raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    finally:
        spooled.file.seek(0)
    return Saving(name, _flush_pool().submit(_flush_into_place, out, temporary, final))


def _flush_into_place(out: IO[bytes], temporary: str, final: str) -> None:
    """fsync, then rename: the file under its final name is always complete."""
    try:
        with out:
            os.fsync(out.fileno())
        os.replace(temporary, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def open_raw(name: str) -> IO[bytes]:
    return default_storage.open(name, "rb")


def read_raw(name: str) -> bytes:
    with open_raw(name) as handle:
        return handle.read()


def copy_to(name: str, target: IO[bytes]) -> None:
    with open_raw(name) as handle:
        shutil.copyfileobj(handle, target, CHUNK)


def collect_orphans(*, older_than: float = 3600.0, referenced: Callable[[list[str]], set[str]]) -> int:
    """Delete leftovers of killed writers: ``.incoming-*`` temporaries and raw files no row points to.

    Only files older than ``older_than`` seconds, so a message being received now is never
    touched; ``referenced(names)`` answers which of the storage names rows still use.
    """
    if not isinstance(default_storage, FileSystemStorage):
        return 0
    root = default_storage.path(PREFIX)
    if not os.path.isdir(root):
        return 0
    cutoff = time.time() - older_than
    removed = 0
    candidates: dict[str, str] = {}
    for directory, _dirs, files in os.walk(root):
        for filename in files:
            path = os.path.join(directory, filename)
            try:
                if os.path.getmtime(path) > cutoff:
                    continue
            except OSError:
                continue
            if filename.startswith(".incoming-"):
                with contextlib.suppress(OSError):
                    os.unlink(path)
                    removed += 1
            else:
                candidates[os.path.relpath(path, default_storage.location).replace(os.sep, "/")] = path
    names = list(candidates)
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        used = referenced(chunk)
        for name in chunk:
            if name not in used:
                with contextlib.suppress(OSError):
                    os.unlink(candidates[name])
                    removed += 1
    return removed
