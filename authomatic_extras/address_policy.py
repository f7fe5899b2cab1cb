# -*- coding: utf-8 -*-
"""Which URLs and network addresses a server-side fetch may reach.

A login that fetches a URL the client chose (OpenID discovery fetches the
identifier the user typed, then whatever it points to) must not become a
way into the server's own network. :class:`AddressPolicy` decides, for one
URL, whether it may be fetched and at which IP address:

* only ``http`` and ``https`` URLs, written plainly (:func:`is_http_url`);
* the host name is resolved once, and **every** address it resolves to must
  be public: loopback, private, shared (CGNAT), link-local (cloud metadata at
  ``169.254.169.254``), reserved, multicast and unspecified addresses are
  refused, IPv4 and IPv6 alike, including IPv4 addresses carried inside IPv6
  (``::ffff:127.0.0.1``, 6to4, Teredo, NAT64) and numeric host spellings
  (``2130706433``, ``0177.0.0.1``), because the check runs on what the
  resolver returns;
* the caller connects to the address that was checked (:class:`Target`), so
  a name that resolves differently a moment later (DNS rebinding) cannot
  move the connection elsewhere.

Apps whose providers live on such addresses (a provider on the same host or
network, this package's local test providers) allow them explicitly, with
the provider config key ``allow_private_addresses``:

``False`` (default)
    public addresses only.
``True``
    any address.
a list of networks (``['127.0.0.1/32', '10.20.0.0/16', '::1']``)
    public addresses and these.

The resolver can be replaced (``AddressPolicy(resolver=...)``, or the
provider config key ``address_resolver``): a callable ``(host, port)``
returning the IP address strings for ``host``. Tests use it to make a
public-looking name resolve to a private address.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from typing import Any, Callable, Iterable, List, Optional, Sequence, Union
from urllib.parse import urlsplit

from authomatic.exceptions import ConfigError

__all__ = ['AddressPolicy', 'AddressRefused', 'Target', 'is_http_url', 'is_plain_host',
           'system_resolver']

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
Resolver = Callable[[str, int], Iterable[str]]

#: An ``http(s)`` URL written plainly: scheme first (no leading blanks), no
#: whitespace or control character anywhere (browsers drop tabs and new
#: lines inside a scheme, so ``java\tscript:`` is ``javascript:`` to them).
_PLAIN_HTTP_URL = re.compile(r'\Ahttps?://[^\s\x00-\x1f\x7f]+\Z', re.IGNORECASE)

#: A ``Host`` header value: a host name or IPv4 address, or a bracketed IPv6
#: address, with an optional port.
_PLAIN_HOST = re.compile(r'\A(?:[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?\Z')

_NAT64 = ipaddress.ip_network('64:ff9b::/96')
_SHARED = ipaddress.ip_network('100.64.0.0/10')


class AddressRefused(ValueError):
    """A URL the policy does not let the server fetch. The message is for
    logs; clients get a generic one, so a refusal reveals nothing about the
    target."""


def is_http_url(value: Any) -> bool:
    """Whether ``value`` is a plainly written ``http://`` or ``https://`` URL
    with a host: the only URLs a login may redirect a browser to or fetch."""
    if not isinstance(value, str) or not _PLAIN_HTTP_URL.match(value):
        return False
    try:
        return bool(urlsplit(value).hostname)
    except ValueError:
        return False


def is_plain_host(value: Any) -> bool:
    """Whether ``value`` is a well-formed ``Host`` header (``name[:port]``,
    ``[v6][:port]``): nothing that could become markup or a second URL when
    the core writes the request's URL into a page."""
    return isinstance(value, str) and bool(_PLAIN_HOST.match(value))


def system_resolver(host: str, port: int) -> List[str]:
    """The addresses the operating system resolves ``host`` to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _embedded_ipv4(address: IPAddress) -> Optional[ipaddress.IPv4Address]:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address (and so is any IPv4
    address it carries)."""
    inner = _embedded_ipv4(address)
    if inner is not None and not is_public_address(inner):
        return False
    if (address.is_private or address.is_loopback or address.is_link_local
            or address.is_reserved or address.is_multicast or address.is_unspecified):
        return False
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return False
    return address.is_global


class Target(object):
    """A URL the policy accepted: connect to :attr:`address`, and send
    :attr:`host` in the ``Host`` header (and as the TLS server name)."""

    def __init__(self, url: str, scheme: str, host: str, port: int, address: str) -> None:
        self.url = url
        self.scheme = scheme
        self.host = host
        self.port = port
        self.address = address

    def __repr__(self) -> str:
        return '<Target {0} at {1}>'.format(self.url, self.address)


class AddressPolicy(object):
    """Decides which URLs a server-side fetch may reach (see the module doc).

    :param allow: ``False``: public addresses only; ``True``: any address;
        an iterable of networks (``'10.0.0.0/8'``, ``'::1'``): public
        addresses and these.
    :param resolver: ``(host, port) -> iterable of IP strings``; default
        :func:`system_resolver`.
    :raises authomatic.exceptions.ConfigError: for a network that does not
        parse.
    """

    def __init__(self, allow: Union[bool, Sequence[str], None] = False,
                 resolver: Optional[Resolver] = None) -> None:
        self.allow_all = allow is True
        self.networks: List[IPNetwork] = []
        if allow not in (None, False, True):
            if isinstance(allow, (str, bytes)) or not isinstance(allow, Iterable):
                raise ConfigError('allow_private_addresses must be True, False or a list '
                                  'of networks such as ["127.0.0.1/32"], not {0!r}.'
                                  .format(allow))
            for network in allow:
                try:
                    self.networks.append(ipaddress.ip_network(str(network), strict=False))
                except ValueError as error:
                    raise ConfigError('allow_private_addresses: {0!r} is not a network '
                                      '(write "10.0.0.0/8" or "::1").'.format(network)
                                      ) from error
        self.resolver: Resolver = resolver or system_resolver

    @classmethod
    def from_settings(cls, settings: Any) -> 'AddressPolicy':
        """The policy a provider's config entry asks for."""
        return cls(settings.get('allow_private_addresses', False),
                   settings.get('address_resolver'))

    def allows(self, address: str) -> bool:
        """Whether a connection to the IP ``address`` is allowed."""
        try:
            parsed = ipaddress.ip_address(address.split('%', 1)[0])
        except ValueError:
            return False
        if self.allow_all or is_public_address(parsed):
            return True
        candidates = [parsed]
        inner = _embedded_ipv4(parsed)
        if inner is not None:
            candidates.append(inner)
        return any(candidate in network for candidate in candidates
                   for network in self.networks if candidate.version == network.version)

    def vet(self, url: str) -> Target:
        """Check ``url`` and pick the address to connect to.

        :raises AddressRefused: for a non-http(s) URL, a host that does not
            resolve, or one that resolves to any address not allowed.
        """
        if not is_http_url(url):
            raise AddressRefused('Not a plain http(s) URL: {0!r}'.format(url[:200]))
        parts = urlsplit(url)
        host = parts.hostname or ''
        try:
            port = parts.port or (443 if parts.scheme.lower() == 'https' else 80)
        except ValueError as error:
            raise AddressRefused('Bad port in {0!r}'.format(url[:200])) from error
        try:
            addresses = list(dict.fromkeys(self.resolver(host, port)))
        except (OSError, UnicodeError, ValueError) as error:
            raise AddressRefused('{0!r} does not resolve ({1})'.format(host, error)) from error
        if not addresses:
            raise AddressRefused('{0!r} does not resolve'.format(host))
        refused = [a for a in addresses if not self.allows(a)]
        if refused:
            raise AddressRefused('{0!r} resolves to {1}, which allow_private_addresses does '
                                 'not allow'.format(host, ', '.join(refused)))
        return Target(url, parts.scheme.lower(), host, port, addresses[0])
