"""The ``atiende`` command.

Its own subcommands (``run``, ``web``, ``worker``, ``scheduler``, ``demo``,
``createadmin``, ``token create``, ``bench-data``) are listed by ``atiende --help``;
anything else goes to Django's management (``atiende migrate``, ``atiende shell``,
``atiende help`` for the full list).
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

SETTINGS_MODULE = "atiende.config.settings"
ASGI_APP = "atiende.config.asgi:application"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
READY_TIMEOUT = 60.0

# Subcommands that hand every argument to a Django management command.
PASS_THROUGH = {
    "worker": "A background worker for the configured task backend (database or RQ).",
    "scheduler": "The periodic-job scheduler (one active at a time, by a database lease).",
    "demo": "Load the demo data (deterministic, bilingual).",
    "bench-data": "Generate benchmark data (atiende bench-data --tickets N).",
    "smtpd": "The inbound SMTP server for the email inboxes (atiende smtpd --host H --port P).",
    "ingest-eml": "Import .eml files, directories or mboxes; --replay runs quarantined email again.",
    "fetch-mail": "Fetch IMAP mail of the inboxes once (the scheduler does it every minute).",
    "rotate-credentials": "Re-encrypt stored channel credentials with the first ATIENDE_ENCRYPTION_KEYS key.",
}


# --- helpers -----------------------------------------------------------------------------


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


def _django(argv: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["atiende", *argv])
    return 0


def _fail(message: str) -> NoReturn:
    print(f"atiende: error: {message}", file=sys.stderr)
    raise SystemExit(1)


def _validation_message(exc: Any) -> str:
    """One line per problem: ``field: message``."""
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _port(value: str) -> int:
    number = _positive_int(value)
    if number > 65535:
        raise argparse.ArgumentTypeError("must be at most 65535")
    return number


def _command_name(*candidates: str) -> str | None:
    from django.core.management import get_commands

    available = get_commands()
    return next((name for name in candidates if name in available), None)


def _self_argv(*args: str) -> list[str]:
    """How to start this CLI again in a child process, whatever its script is called."""
    return [sys.executable, "-m", "atiende.config.cli", *args]


def _browser_host(host: str) -> str:
    if host in ("0.0.0.0", ""):  # noqa: S104 - only turned into a URL to print
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


# --- worker ------------------------------------------------------------------------------


def worker_command(extra: Sequence[str] = ()) -> list[str] | None:
    """The management command that runs a worker for the configured backend (None: no worker)."""
    from django.conf import settings

    config = settings.TASKS["default"]
    backend = str(config["BACKEND"])
    if backend.startswith("django_tasks_rq."):
        queues = list(config.get("QUEUES") or ["default"])
        # django-tasks-rq needs its own Job class; --with-scheduler runs tasks enqueued with run_after.
        return ["rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler", *extra, *queues]
    if backend.startswith("django_tasks_db."):
        return ["db_worker", "--queue-name", "*", "--no-reload", *extra]
    return None


def cmd_worker(extra: Sequence[str]) -> int:
    _setup_django()
    argv = worker_command(extra)
    if argv is None:
        from django.conf import settings

        _fail(f"the task backend {settings.TASKS['default']['BACKEND']} runs tasks in-process; there is no worker")
    from atiende.core.warmup import warm

    warm()  # before the first job: RQ's work horses are forked from this process
    return _django(argv)


# --- pass-through commands -----------------------------------------------------------------


def cmd_pass_through(name: str, extra: Sequence[str]) -> int:
    if name == "worker":
        return cmd_worker(extra)
    _setup_django()
    candidates = (name, name.replace("-", "_"))
    command = _command_name(*candidates)
    if command is None:
        _fail(f"the {name!r} command is not available in this version of atiende")
    return _django([command, *extra])


# --- web -----------------------------------------------------------------------------------


def cmd_web(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import uvicorn

    uvicorn.run(
        ASGI_APP,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
        lifespan="off",  # Django has no lifespan handler
        server_header=False,
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
    )
    return 0


# --- run -----------------------------------------------------------------------------------


def _demo_logins() -> list[tuple[str, str, str]]:
    """The demo logins that still exist (``atiende.demo.DEMO_LOGINS``), if the demo module is there."""
    try:
        demo = importlib.import_module("atiende.demo")
    except ImportError:
        return []
    logins = [(str(e), str(p), str(r)) for e, p, r in getattr(demo, "DEMO_LOGINS", [])]
    if not logins:
        return []
    from django.contrib.auth import get_user_model

    emails = {e.lower() for e in get_user_model().objects.values_list("email", flat=True)}
    return [login for login in logins if login[0].lower() in emails]


def _prepare(*, load_demo: bool) -> None:
    """Migrate, collect static files in production, load the demo data into an empty database."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    if settings.PRODUCTION:
        call_command("collectstatic", interactive=False, verbosity=0)
    else:
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
    if not load_demo:
        return
    if settings.PRODUCTION:
        print("demo data: not loaded (ATIENDE_ENV=production); load it with `atiende demo` if you mean it")
        return
    if get_user_model().objects.exists():
        return
    command = _command_name("demo")
    if command is None:
        print("demo data: the demo command is not available yet; starting with an empty database")
        return
    print("demo data: first start, loading it (this takes a minute) …", flush=True)
    call_command(command)


def _wait_until_ready(supervisor: Any, url: str, timeout: float) -> tuple[int, str] | None:
    """Poll ``url`` until the server answers (any status) while the children run."""
    deadline = time.monotonic() + timeout
    while supervisor.poll() and not supervisor.stopping and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local URL
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")
        except OSError:
            time.sleep(0.25)
    return None


def _banner(base: str, health: tuple[int, str], logins: list[tuple[str, str, str]]) -> str:
    status, body = health
    lines = [
        "",
        f"atiende is running at {base}/",
        f"  admin:    {base}/admin/",
        f"  API docs: {base}/api/docs/",
        f"  health:   {base}/healthz ({status})",
    ]
    if status != 200:
        try:
            detail = json.dumps(json.loads(body))
        except ValueError:
            detail = body[:300]
        lines.append(f"  warning: /healthz answered {status}: {detail}")
    lines += [f"demo login: {email} {password} {role}" for email, password, role in logins]
    lines += ["Press Ctrl-C to stop.", ""]
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    from atiende.config.runner import ProcessSpec, Supervisor

    _setup_django()
    from django.db import connections

    _prepare(load_demo=not args.no_demo)
    logins = _demo_logins()
    has_worker = worker_command() is not None
    connections.close_all()  # the children open their own

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    web_args = ["web", "--host", args.host, "--port", str(args.port)]
    if args.proxy_headers:
        web_args.append("--proxy-headers")
    specs = [ProcessSpec("web", _self_argv(*web_args), env)]
    if has_worker:
        specs.append(ProcessSpec("worker", _self_argv("worker"), env))
    else:
        print("worker: not started (the task backend runs tasks in-process)")
    specs.append(ProcessSpec("scheduler", _self_argv("scheduler"), env))

    supervisor = Supervisor(specs, stop_timeout=args.stop_timeout)
    supervisor.install_signal_handlers()
    supervisor.start()
    base = f"http://{_browser_host(args.host)}:{args.port}"
    health = _wait_until_ready(supervisor, f"{base}/healthz", READY_TIMEOUT)
    if health is not None:
        print(_banner(base, health, logins), flush=True)
    elif not supervisor.stopping:
        supervisor.log(f"web did not answer on {base}/healthz within {READY_TIMEOUT:g} s; still waiting")
    return supervisor.wait()


# --- createadmin and tokens --------------------------------------------------------------------


def _read_password() -> str:
    if not sys.stdin.isatty():
        _fail("--password is required when not run from a terminal")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        _fail("the passwords do not match")
    return first


def cmd_createadmin(args: argparse.Namespace) -> int:
    password = args.password if args.password is not None else _read_password()
    _setup_django()
    from django.core.exceptions import ValidationError

    from atiende.accounts.choices import Role
    from atiende.accounts.services import create_user

    try:
        user = create_user(actor=None, email=args.email, password=password, role=Role.ADMIN, name=args.name)
    except ValidationError as exc:
        _fail(_validation_message(exc))
    print(f"created admin {user.email}")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.exceptions import ValidationError

    from atiende.accounts.models import User
    from atiende.accounts.services import create_api_token

    user = User.objects.filter(email__iexact=args.user.strip()).first()
    if user is None:
        _fail(f"no user with email {args.user}")
    try:
        token, secret = create_api_token(
            actor=None, user=user, scope=args.scope, expires_in_days=args.expires, name=args.name
        )
    except ValidationError as exc:
        _fail(_validation_message(exc))
    expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "does not expire"
    print(
        f"created {token.scope} token {token.prefix}… for {user.email} ({expiry}); "
        "the secret below is shown only this once:",
        file=sys.stderr,
    )
    print(secret, flush=True)
    return 0


# --- parser ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atiende",
        description="atiende: self-hosted help desk and contact center.",
        epilog=(
            "Any other command goes to Django's management: atiende migrate, atiende shell, "
            "atiende collectstatic, … (atiende help lists them all)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"atiende {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="All in one: migrate, demo data on first start, then web + worker + scheduler.",
        description="Migrate, load the demo data into an empty database, then run web, worker "
        "and scheduler until Ctrl-C.",
    )
    run.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)")
    run.add_argument("--port", type=_port, default=DEFAULT_PORT, help="port (default: %(default)s)")
    run.add_argument("--no-demo", action="store_true", help="never load the demo data")
    run.add_argument(
        "--proxy-headers", action="store_true", help="trust X-Forwarded-* from FORWARDED_ALLOW_IPS (behind a proxy)"
    )
    run.add_argument(
        "--stop-timeout", type=float, default=20.0, help="seconds to wait for a clean stop (default: %(default)s)"
    )

    web = sub.add_parser("web", help="The web server only (uvicorn, ASGI).")
    web.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)")
    web.add_argument("--port", type=_port, default=DEFAULT_PORT, help="port (default: %(default)s)")
    web.add_argument("--workers", type=_positive_int, default=1, help="processes (default: %(default)s)")
    web.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-For/-Proto from --forwarded-allow-ips (off by default)",
    )
    web.add_argument(
        "--forwarded-allow-ips",
        default=None,
        help="comma-separated proxy addresses trusted with --proxy-headers (default: $FORWARDED_ALLOW_IPS or 127.0.0.1)",
    )

    for name in ("worker", "scheduler", "demo", "smtpd", "ingest-eml", "fetch-mail", "rotate-credentials"):
        sub.add_parser(name, help=PASS_THROUGH[name], add_help=False)

    admin = sub.add_parser("createadmin", help="Create an administrator.")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="asked for on the terminal when left out")
    admin.add_argument("--name", default="")

    token = sub.add_parser("token", help="API tokens: token create --user EMAIL [--scope read|write] [--expires DAYS]")
    token_sub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = token_sub.add_parser("create", help="Create a token and print its secret once.")
    create.add_argument("--user", required=True, metavar="EMAIL", help="the user the token acts as")
    create.add_argument("--scope", choices=("read", "write"), default="read", help="default: %(default)s")
    create.add_argument("--expires", type=_positive_int, metavar="DAYS", help="days until it expires (default: never)")
    create.add_argument("--name", default="", help="a label to recognize it by")

    sub.add_parser("bench-data", help=PASS_THROUGH["bench-data"], add_help=False)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("atiende")
    except PackageNotFoundError:
        return "unknown"


HANDLERS = {
    "run": cmd_run,
    "web": cmd_web,
    "createadmin": cmd_createadmin,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args:
        parser.print_help()
        return 0
    first = args[0]
    try:
        if first in PASS_THROUGH:
            return cmd_pass_through(first, args[1:])
        if first.startswith("-") or first in HANDLERS or first == "token":
            ns = parser.parse_args(args)
            if ns.command == "token":
                return cmd_token_create(ns)
            return HANDLERS[ns.command](ns)
        return _django(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
