"""HTTP to addresses a user's settings allow, checked where it counts: on the resolved address, at connect time.

A URL's host is resolved once per connection and every address it resolves to is checked before the socket
is opened to that very address (so a DNS answer that changes between a check and the connection — rebinding —
cannot slip through); each redirect hop opens its own connection and is checked the same way. Loopback,
private, link-local, multicast, reserved and IPv4-mapped IPv6 addresses are refused unless the policy allows
private networks. Proxies from the environment are not used (they would connect for us, unchecked).

    async with guarded_client(AddressPolicy(allow_private=False)) as client:
        await client.post(url, content=body)          # httpx.ConnectError naming the refused address
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import httpcore
import httpx

from .errors import Refused

__all__ = ["AddressPolicy", "Refused", "guarded_client", "check_url"]

Resolver = Callable[[str, int], Awaitable[list[str]]]


class _RefusedConnection(Refused, httpcore.ConnectError):
    """:class:`~engine.errors.Refused` as the transport raises it: httpx reports it as ``httpx.ConnectError``."""


@dataclass(frozen=True)
class AddressPolicy:
    #: loopback, private, link-local (and the rest) allowed: only for a user who asked for it in settings
    allow_private: bool = False
    #: addresses treated as public whatever they are (a test's stand-in for a public host)
    treat_as_public: frozenset[str] = field(default_factory=frozenset)

    def refuses(self, address: str) -> str | None:
        """Why ``address`` may not be connected to, or None."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if str(ip) in self.treat_as_public or self.allow_private:
            return None
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        for test, what in (("is_loopback", "a loopback address"), ("is_link_local", "a link-local address"),
                           ("is_multicast", "a multicast address"), ("is_private", "a private address"),
                           ("is_unspecified", "an unspecified address"), ("is_reserved", "a reserved address")):
            if getattr(ip, test):
                return what
        if not ip.is_global:
            return "not a public address"
        return None


async def _system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: AddressPolicy, resolve: Resolver):
        self.policy, self.resolve = policy, resolve
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = [str(ipaddress.ip_address(host.strip("[]")))]  # a literal address: nothing to resolve
        except ValueError:
            try:
                addresses = await asyncio.wait_for(self.resolve(host, port), timeout or 10.0)
            except Exception as e:  # noqa: BLE001 - whatever the resolver raised, it is not a connection
                raise httpcore.ConnectError(f"cannot resolve {host!r}: {e or type(e).__name__}") from None
        if not addresses:
            raise httpcore.ConnectError(f"{host!r} resolves to no address")
        for address in dict.fromkeys(addresses):  # every one: no round-robin answer smuggles a bad one in
            why = self.policy.refuses(address)
            if why:
                what = address if host == address else f"{host!r} resolves to {address}, which"
                raise _RefusedConnection(f"refused: {what} is {why} (allowed only when the settings allow private "
                                         "networks)")
        return await self.inner.connect_tcp(addresses[0], port, timeout, local_address, socket_options)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise _RefusedConnection("refused: unix sockets are not reachable from here")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _Transport(httpx.AsyncHTTPTransport):
    def __init__(self, backend: _Backend):
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=False),
                                                  max_connections=20, max_keepalive_connections=5,
                                                  keepalive_expiry=5.0, network_backend=backend)


def guarded_client(policy: AddressPolicy, *, resolve: Resolver | None = None, max_redirects: int = 5,
                   timeout: float = 15.0) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` that connects only where ``policy`` allows (redirects followed and checked)."""
    return httpx.AsyncClient(transport=_Transport(_Backend(policy, resolve or _system_resolve)), trust_env=False,
                             follow_redirects=True, max_redirects=max_redirects,
                             timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                             headers={"User-Agent": "Nodeloom"})


def check_url(url: str, policy: AddressPolicy) -> str | None:
    """What is wrong with ``url`` before anything is resolved (a scheme, a literal address), or None."""
    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as e:
        return f"not a URL: {e}"
    if u.scheme not in ("http", "https"):
        return f"only http and https URLs are allowed, not {u.scheme or 'no scheme'!r}"
    if not u.host:
        return "the URL names no host"
    if u.userinfo:
        return "the URL may not carry a user name or password"
    try:
        ipaddress.ip_address(u.host)
    except ValueError:
        return None
    why = policy.refuses(u.host)
    return f"{u.host} is {why}" if why else None
