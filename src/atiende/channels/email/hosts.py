"""Mail-server host names checked against SSRF before we connect to them.

An administrator types the IMAP / SMTP host of an inbox; without a check that field
would let anyone with admin rights (or a stolen admin session) probe the internal
network from the server. Every address the name resolves to must be public: loopback,
private, link-local, multicast, reserved and IPv4-mapped IPv6 forms of those
(``[::ffff:127.0.0.1]``), as well as decimal and hex spellings (``2130706433``,
``0x7f000001``) are refused unless ``ATIENDE_MAIL_ALLOW_PRIVATE_HOSTS`` is on (the default
outside production, where mail servers usually are on the local network).
"""

from __future__ import annotations

import ipaddress
import socket

from django.utils.translation import gettext as _

from atiende.channels import conf


class BlockedHost(ValueError):
    pass


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    try:  # decimal, hex and octal spellings that resolvers accept (inet_aton)
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except (OSError, ValueError):
        return None


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return _is_public(mapped)
        if address.teredo is not None:
            return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve(host: str, port: int) -> list[str]:
    literal = _literal(host)
    if literal is not None:
        return [str(literal)]
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise BlockedHost(
            _("The host %(host)s cannot be resolved (%(error)s).") % {"host": host, "error": exc}
        ) from None
    return sorted({str(info[4][0]) for info in infos})


def check_host(host: str, port: int) -> None:
    """Raise :class:`BlockedHost` unless every address of ``host`` may be connected to."""
    host = (host or "").strip()
    if not host:
        raise BlockedHost(_("Enter a host name."))
    if conf.allow_private_hosts():
        return
    for address in resolve(host, port):
        if not _is_public(ipaddress.ip_address(address.split("%", 1)[0])):
            raise BlockedHost(
                _("The host %(host)s points to a private or local address (%(address)s), which is not allowed.")
                % {"host": host, "address": address}
            )
