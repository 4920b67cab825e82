"""Small request helpers every app uses: where to go back to, what a query parameter says, who is asking."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

# C0 and C1 control characters and DEL. None belongs in a search box, a filter or a URL, and PostgreSQL refuses a
# NUL in any string parameter (psycopg raises ValueError: a 500). Whitespace controls become a space, so a pasted
# tab still separates two words; the others are dropped.
_WHITESPACE_CONTROLS = "\t\n\v\f\r"
_CONTROLS = {code: (" " if chr(code) in _WHITESPACE_CONTROLS else None)
             for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)]}


def strip_control(value: str) -> str:
    """``value`` without control characters: what a person typed, minus what no one can type."""
    return value.translate(_CONTROLS)


def has_control(value: str) -> bool:
    return strip_control(value) != value


def safe_next(request: HttpRequest, default: str | None = None) -> str | None:
    """The ``next`` URL (POST, then GET) if it is a path on this site, else ``default``.

    Checked as Django's login view does (same host, no scheme change), and also required to be a local path
    ("/..." but not "//..."): ``redirect("abc")`` would try to reverse a URL name and fail with a 500 after the
    change was saved, and a relative "abc" would land on a page that does not exist.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (target.startswith("/") and not target.startswith(("//", "/\\")) and not has_control(target)
            and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure())):
        return target
    return default


def _ip(value: str | None) -> str | None:
    """``value`` as a normalised IP address, or None if it is not one (a header is whatever the sender wrote)."""
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    if getattr(address, "scope_id", None):  # fe80::1%eth0: the zone means nothing outside that host
        address = ipaddress.IPv6Address(address.compressed.split("%")[0])
    return address.compressed


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's IP address, for the audit log, consent records and django-axes' lock-out.

    Behind ``TRUSTED_PROXY_COUNT`` proxies, the address the first of them saw: each proxy appends the address
    it received from to X-Forwarded-For, so the client is the Nth entry from the right. Entries further left
    were written by the client and can say anything. A header that is too short (the request did not come
    through our proxies) or not an IP address falls back to REMOTE_ADDR; None if that is not an IP either.
    """
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = _ip(forwarded[-proxies])
            if address is not None:
                return address
    return _ip(request.META.get("REMOTE_ADDR"))
