"""Real mail servers for the tests: a private Dovecot (IMAP) and an aiosmtpd peer (SMTP).

Dovecot runs as a child process with its own configuration, certificate, users and
maildirs in a temporary directory, listening on free ports of 127.0.0.1; nothing of the
system's configuration is read or changed. It needs the ``dovecot`` binary
(``apt-get install dovecot-imapd``; ``.ci/run`` installs it).
"""

from __future__ import annotations

import datetime
import getpass
import ipaddress
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from imap_tools import MailBoxUnencrypted


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost / 127.0.0.1 that is its own CA (to trust in tests)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,
                key_cert_sign=True,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class Dovecot:
    directory: Path
    imap_port: int
    imaps_port: int
    cert: Path
    user: str = "soporte"
    password: str = "s3cret-imap-pass"
    process: subprocess.Popen[bytes] | None = None

    def client(self) -> MailBoxUnencrypted:
        box = MailBoxUnencrypted("127.0.0.1", self.imap_port, timeout=10)
        box.login(self.user, self.password)
        return box

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as box:
            if folder != "INBOX" and not box.folder.exists(folder):
                box.folder.create(folder)
            box.append(raw, folder)

    def flags(self, folder: str = "INBOX") -> list[tuple[str, ...]]:
        with self.client() as box:
            box.folder.set(folder)
            return [tuple(m.flags) for m in box.fetch("ALL", mark_seen=False, headers_only=True)]

    def count(self, folder: str = "INBOX") -> int:
        with self.client() as box:
            if not box.folder.exists(folder):
                return 0
            box.folder.set(folder)
            return len(box.uids("ALL"))

    def clear(self) -> None:
        with self.client() as box:
            for info in box.folder.list():
                box.folder.set(info.name)
                uids = box.uids("ALL")
                if uids:
                    box.delete(uids)

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (str(Path("/usr/sbin/dovecot")) if Path("/usr/sbin/dovecot").exists() else None)


def start_dovecot(directory: Path) -> Dovecot:
    binary = dovecot_binary()
    if binary is None:
        raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
    cert, key = self_signed_certificate(directory)
    server = Dovecot(directory=directory, imap_port=free_port(), imaps_port=free_port(), cert=cert)
    for sub in ("run", "state", "mail", "home"):
        (directory / sub).mkdir(exist_ok=True)
    users = directory / "users"
    users.write_text(f"{server.user}:{{PLAIN}}{server.password}::::::\n")
    # Dovecot's auth process runs as its own user when started as root: let it read the
    # (throwaway) password file. The directory must not sit under a 0700 parent.
    directory.chmod(0o755)
    users.chmod(0o644)
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:
        # Dovecot refuses to store mail as root: the maildirs belong to "nobody".
        login_user, internal_user = "dovenull", "dovecot"
        extra = ""
        import pwd

        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
        for sub in ("mail", "home"):
            os.chown(directory / sub, uid, gid)
    else:  # an unprivileged run: every service as the current user, no chroot
        me = getpass.getuser()
        login_user = internal_user = me
        extra = (
            "service imap-login {\n  chroot =\n  user = $default_login_user\n}\n"
            "service auth {\n  user = $default_internal_user\n}\n"
            "service anvil {\n  chroot =\n}\n"
        )
    config = f"""
protocols = imap
listen = 127.0.0.1
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
info_log_path = {directory}/dovecot.log
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{directory}/mail/%u
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={directory}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {server.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {server.imaps_port}
    ssl = yes
  }}
}}
{extra}
"""
    conf = directory / "dovecot.conf"
    conf.write_text(config)
    server.process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=open(directory / "stderr.log", "wb")
    )
    try:
        wait_for_port(server.imap_port)
        wait_for_port(server.imaps_port)
    except TimeoutError:
        server.stop()
        raise RuntimeError(
            "dovecot did not start:\n" + server.log()[-2000:] + (directory / "stderr.log").read_text(errors="replace")
        ) from None
    return server


# --- an SMTP peer that records what it receives ---------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class SmtpPeer:
    port: int
    messages: list[Received] = field(default_factory=list)
    refuse_with: str | None = None  # e.g. "451 4.3.0 try later" to simulate a temporary failure
    refuse_rcpt_with: str | None = None  # e.g. "550 5.1.1 no such user"
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Any = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_rcpt_with:
            return self.refuse_rcpt_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content)
            )
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise TimeoutError(f"the SMTP peer received {len(self.messages)} messages, expected {count}")


def start_smtp_peer() -> SmtpPeer:
    peer = SmtpPeer(port=free_port())
    peer.controller = Controller(peer, hostname="127.0.0.1", port=peer.port, decode_data=False)
    peer.controller.start()
    return peer
