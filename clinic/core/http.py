"""Small request helpers every app uses."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str | None = None) -> str | None:
    """The ``next`` URL (POST, then GET) if it points back into this site, else ``default``:
    never bounce a user to another host after a form."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default
