"""Rate limits for the doors anyone can knock on (sign-up, password reset, confirmation emails, log-in, codes).

Counts live in Django's cache (Redis in production, so every worker shares them; local memory in tests), in
fixed windows: ``limit`` hits per ``window`` seconds per key. Keys are hashed, so no email address or IP
address is written to the cache. One entry point for views: ``throttle_response``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from .http import client_ip


@dataclass(frozen=True)
class Limit:
    limit: int
    window: int  # seconds


def _cache_key(scope: str, key: str, window: int, bucket: int) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{key}".encode()).hexdigest()[:32]
    return f"throttle:{scope}:{window}:{digest}:{bucket}"


def throttle_hit(*, scope: str, key: str, limit: Limit) -> int | None:
    """Count one attempt. Returns None if it is allowed, else the seconds until the window ends."""
    now = timezone.now().timestamp()
    bucket = int(now // limit.window)
    cache_key = _cache_key(scope, key, limit.window, bucket)
    # add() then incr(): atomic on Redis and locmem, so two workers cannot both see "under the limit".
    cache.add(cache_key, 0, timeout=limit.window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr(): this is the first hit of a new window
        cache.add(cache_key, 1, timeout=limit.window + 1)
        count = 1
    if count <= limit.limit:
        return None
    return max(1, math.ceil((bucket + 1) * limit.window - now))


def ip_limit() -> Limit:
    return Limit(settings.THROTTLE_IP_LIMIT, settings.THROTTLE_IP_WINDOW)


def account_limit() -> Limit:
    return Limit(settings.THROTTLE_ACCOUNT_LIMIT, settings.THROTTLE_ACCOUNT_WINDOW)


def too_many_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The friendly 429: when to try again, and nothing about whether an account exists."""
    minutes = max(1, math.ceil(retry_after / 60))
    html = render_to_string("429.html", {"minutes": minutes}, request=request)
    response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def throttle_response(request: HttpRequest, *, scope: str, account: str | None = None,
                      per_ip: Limit | None = None, per_account: Limit | None = None) -> HttpResponse | None:
    """Count this request against its IP address and (if given) the account or email it is about.

    Returns the 429 response to send, or None to go ahead. Both counters are always counted, so an
    attacker spreading over many addresses still meets the per-account limit (and the reverse).
    """
    waits = [throttle_hit(scope=f"{scope}:ip", key=client_ip(request) or "unknown", limit=per_ip or ip_limit())]
    if account:
        waits.append(throttle_hit(scope=f"{scope}:account", key=account.strip().lower(),
                                  limit=per_account or account_limit()))
    blocked = [wait for wait in waits if wait is not None]
    return too_many_response(request, max(blocked)) if blocked else None
