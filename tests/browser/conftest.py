"""Browser tests: Playwright (sync API) driving Debian's Chromium against a live ASGI server.

pytest-django's ``live_server`` is WSGI and cannot serve websockets, so the server here
is uvicorn running ``atiende.config.asgi.application`` in a thread of the test process,
against the test database (tests use ``transactional_db`` so it sees their data).

Chromium must be at ``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run``
installs it). Without it these tests fail — they are never skipped.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("ATIENDE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

# Recorded in every page before any of its scripts: XSS canary and CSP violations.
INIT_SCRIPT = """
window.__xss = 0;
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sourceFile || ""));
});
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = str(Path(__file__).resolve().parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server:
    def __init__(self) -> None:
        import uvicorn

        from atiende.config.asgi import application

        self.port = _free_port()
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, lifespan="off", log_level="warning", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="asgi-test-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test ASGI server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def asgi_server(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    from django.db import connections

    # The server's threads must not keep PostgreSQL connections open past a request, or
    # the test database cannot be dropped at the end of the run.
    settings_dict = connections["default"].settings_dict
    max_age = settings_dict.get("CONN_MAX_AGE", 0)
    settings_dict["CONN_MAX_AGE"] = 0
    server = _Server()
    server.start()
    yield server.url
    server.stop()
    settings_dict["CONN_MAX_AGE"] = max_age


def off_the_loop(work: Callable[[], Any]) -> Any:
    """Run ``work`` (service calls) in a plain thread and return its result.

    Playwright's event loop runs on the test's thread, and after commit the services'
    events reach the live-update subscriber, which must not run inside an event loop.
    """
    from django.db import connection

    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:  # re-raised on the test's thread
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture
def off_loop() -> Callable[[Callable[[], Any]], Any]:
    """``off_loop(lambda: services.add_message(...))``: see :func:`off_the_loop`."""
    return off_the_loop


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Chromium for one test. Function-scoped on purpose: Playwright's sync API keeps an
    event loop on the main thread while it runs, which would break every later test in
    the same process that uses ``async_to_sync`` (and trips Django's async guard)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Browser tests need Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(Debian/Ubuntu; .ci/run does this), or point ATIENDE_CHROMIUM at a Chromium binary.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # While Playwright's loop is on this thread, the test's own ORM calls (sync code)
    # would look async to Django; the server thread keeps its guard (it runs ORM code
    # through sync_to_async).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_url(asgi_server: str, transactional_db: None) -> str:
    from django.conf import settings
    from django.core.cache import cache

    # Cached counts and rate limits: start clean. A shared Redis (REDIS_URL, other xdist
    # workers) is left alone: keys carry the test database's name (tickets.cache_keys).
    if "locmem" in str(settings.CACHES["default"]["BACKEND"]).lower():
        cache.clear()
    return asgi_server


@pytest.fixture
def new_page(browser: Any, live_url: str) -> Iterator[Callable[..., Any]]:
    """``new_page(locale="es-ES", timezone_id="America/Mexico_City")``: a page in a fresh context."""
    contexts: list[Any] = []
    pages: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("locale", "en-US")
        options.setdefault("viewport", {"width": 1366, "height": 900})
        context = browser.new_context(base_url=live_url, **options)
        context.add_init_script(INIT_SCRIPT)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    for page in pages:
        if not page.is_closed():
            violations = page.evaluate("window.__cspViolations || []")
            assert violations == [], f"CSP violations on {page.url}: {violations}"
    for context in contexts:
        context.close()


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("form[action='/login/'] button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def screenshot() -> Callable[[Any, str], None]:
    """``screenshot(page, "name")`` saves tests/artifacts/name.png (git-ignored)."""
    return _screenshot


@pytest.fixture
def sign_in() -> Callable[[Any, str, str], None]:
    """``sign_in(page, email, password)`` through the sign-in form."""
    return _sign_in
