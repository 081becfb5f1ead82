"""Where webhooks may be sent: http or https URLs whose every address is allowed.

Link-local addresses (169.254.0.0/16, fe80::/10: cloud metadata services live there) are
never allowed, loopback ones (and the unspecified 0.0.0.0 and ::, which reach loopback)
only with WEBHOOK_ALLOW_LOOPBACK. A host name is resolved and every address it has is
checked: when the URL is set, and again at each delivery, which then connects to an address
it checked (not to whatever the name resolves to a moment later), so a name that is made to
point elsewhere afterwards (DNS rebinding) reaches nothing forbidden.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

SCHEMES = {"http": 80, "https": 443}


class TargetRefused(Exception):
    """The URL may not be delivered to (its message says why)."""


@dataclass(frozen=True)
class Target:
    """A parsed webhook URL: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str  # with the query string


def parse(url):
    """The URL's Target (TargetRefused when it is not an http or https URL we accept)."""
    if not url.isascii() or any(char.isspace() or ord(char) < 32 for char in url):
        raise TargetRefused("Give the URL in ASCII (a host name in its xn-- form), without spaces.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise TargetRefused("Only http and https URLs are allowed.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("A URL with credentials is not allowed: receivers verify the signature instead.")
    if parts.fragment:
        raise TargetRefused("A URL with a fragment is not allowed.")
    try:
        port = parts.port or SCHEMES[scheme]
    except ValueError:
        raise TargetRefused("The port is not valid.") from None
    host = parts.hostname
    if not host:
        raise TargetRefused("The URL has no host.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, path=path)


def resolve(host, port):
    """Every address of a host (an IP literal is its own), or [] when it does not resolve."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    # Scope ids (fe80::1%eth0) are dropped: the address itself is what is judged.
    return list(dict.fromkeys(info[4][0].split("%")[0] for info in found))


def address_refusal(address, *, allow_loopback):
    """Why an address may not be delivered to, or None when it may."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local:
        return f"{address} is a link-local address."
    if ip.is_multicast:
        return f"{address} is a multicast address."
    if (ip.is_loopback or ip.is_unspecified) and not allow_loopback:
        return f"{address} is a loopback address."
    return None


def check_addresses(addresses, *, allow_loopback):
    """TargetRefused when any of the addresses may not be delivered to."""
    for address in addresses:
        refusal = address_refusal(address, allow_loopback=allow_loopback)
        if refusal:
            raise TargetRefused(f"The URL's host leads to {refusal.removesuffix('.')}, where webhooks are not sent.")


def check_url(url, *, allow_loopback, resolver=resolve):
    """TargetRefused unless webhooks may be sent to `url` as things stand. A host that does
    not resolve now is accepted: each delivery resolves it again and checks what it finds."""
    target = parse(url)
    check_addresses(resolver(target.host, target.port), allow_loopback=allow_loopback)
    return target


def delivery_address(target, *, allow_loopback, resolver=resolve):
    """The address a delivery connects to: the host's first, once all of them were checked
    (TargetRefused when one is forbidden or the host does not resolve)."""
    addresses = resolver(target.host, target.port)
    if not addresses:
        raise TargetRefused(f"{target.host} does not resolve.")
    check_addresses(addresses, allow_loopback=allow_loopback)
    return addresses[0]
