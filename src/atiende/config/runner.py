"""A small process supervisor for ``atiende run``: web, worker and scheduler together.

* Each child runs in its own process group, so a Ctrl-C in the terminal reaches only
  the supervisor, which forwards it once to every child (a second Ctrl-C is forwarded
  again: uvicorn and RQ treat it as "stop now").
* SIGINT and SIGTERM are forwarded as they are; SIGHUP (terminal closed) as SIGTERM.
* If a child exits while nobody asked it to, the others are stopped and the
  supervisor exits non-zero.
* Children that do not stop within ``stop_timeout`` seconds are killed.
* On Linux each child also gets ``PR_SET_PDEATHSIG``: if the supervisor itself is
  killed with ``kill -9``, the children get SIGTERM instead of being orphaned.

No Django here: this module only starts and watches processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import TextIO

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None


@dataclass
class Child:
    spec: ProcessSpec
    process: subprocess.Popen[bytes]
    returncode: int | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.returncode is None


def _die_with_parent(parent_pid: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child receive SIGTERM when the supervisor dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


@dataclass
class Supervisor:
    specs: Sequence[ProcessSpec]
    stop_timeout: float = 20.0
    out: TextIO = field(default_factory=lambda: sys.stderr)

    children: list[Child] = field(default_factory=list, init=False)
    stopping: bool = field(default=False, init=False)
    failed: bool = field(default=False, init=False)
    _pending: list[int] = field(default_factory=list, init=False)
    _deadline: float | None = field(default=None, init=False)
    _previous_handlers: dict[int, object] = field(default_factory=dict, init=False)

    # --- output ------------------------------------------------------------------------

    def log(self, message: str) -> None:
        print(f"[atiende run] {message}", file=self.out, flush=True)

    # --- signals -----------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._pending.append(signum)

    def install_signal_handlers(self) -> None:
        for sig in FORWARDED_SIGNALS:
            self._previous_handlers[sig] = signal.signal(sig, self._on_signal)

    def restore_signal_handlers(self) -> None:
        for sig, handler in self._previous_handlers.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        self._previous_handlers.clear()

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start every child (signal handlers first, so no Ctrl-C is lost in between)."""
        if not self._previous_handlers:
            self.install_signal_handlers()
        preexec = _die_with_parent(os.getpid())
        for spec in self.specs:
            if self.stopping:
                break
            process = subprocess.Popen(  # noqa: S603 - argv is built by atiende itself
                list(spec.argv),
                env=spec.env,
                stdin=subprocess.DEVNULL,
                process_group=0,
                preexec_fn=preexec,  # the supervisor is single-threaded here
            )
            self.children.append(Child(spec=spec, process=process))
            self.log(f"started {spec.name} (pid {process.pid})")

    def send(self, sig: int, *, only_alive: bool = True) -> None:
        for child in self.children:
            if only_alive and not child.alive:
                continue
            try:
                os.kill(child.pid, sig)
            except ProcessLookupError:
                pass

    def request_stop(self, sig: int = signal.SIGTERM) -> None:
        if not self.stopping:
            self.stopping = True
            self._deadline = time.monotonic() + self.stop_timeout
        self.send(sig)

    def poll(self) -> bool:
        """Handle pending signals and exited children; return True while anything runs."""
        while self._pending:
            signum = self._pending.pop(0)
            forwarded = signal.SIGTERM if signum == signal.SIGHUP else signum
            if not self.stopping:
                self.log(f"{signal.Signals(signum).name} received: stopping {self._names(alive=True)}")
            else:
                self.log(f"{signal.Signals(signum).name} received again: forwarding it")
            self.request_stop(forwarded)
        for child in self.children:
            if child.alive and (code := child.process.poll()) is not None:
                child.returncode = code
                if self.stopping:
                    self.log(f"{child.spec.name} stopped")
                else:
                    self.failed = True
                    self.log(f"{child.spec.name} exited unexpectedly (code {code}); stopping the others")
                    self.request_stop(signal.SIGTERM)
        if self.stopping and self._deadline is not None and time.monotonic() > self._deadline:
            stuck = [c for c in self.children if c.alive]
            if stuck:
                self.failed = True
                self.log(f"killing {', '.join(c.spec.name for c in stuck)}: not stopped after {self.stop_timeout:g} s")
                for child in stuck:
                    try:
                        os.killpg(child.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    child.returncode = child.process.wait()
        return any(c.alive for c in self.children)

    def wait(self) -> int:
        """Block until every child has exited. 0 after a requested stop, 1 after a failure."""
        try:
            while self.poll():
                time.sleep(POLL_SECONDS)
        finally:
            self.restore_signal_handlers()
        return 1 if self.failed else 0

    def run(self) -> int:
        self.start()
        return self.wait()

    def _names(self, *, alive: bool) -> str:
        return ", ".join(c.spec.name for c in self.children if c.alive == alive) or "nothing"
