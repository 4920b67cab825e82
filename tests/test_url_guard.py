"""Every URL of the clinic states who may use it.

A view is guarded when it carries ``@require(Cap.X)`` (the wrapper has ``required_cap``) or is a
``CapabilityRequiredMixin`` class-based view. Anything else must be named below, with the reason it is
open. Adding an unguarded view makes ``test_every_view_is_guarded_or_explicitly_public`` fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clinic.accounts.permissions import Cap, CapabilityRequiredMixin

# Public on purpose: anyone, logged in or not, may open these.
PUBLIC = {
    "core:home",  # the clinic's shop window
    "core:healthz",  # load balancer / uptime probe; returns only up/down states, no data
    "accounts:login",
    "accounts:logout",
    "accounts:signup",
    "accounts:signup_done",  # "check your email": the same page whoever signed up, nothing personal on it
    "accounts:login_code",  # the second step of a log-in: the password checked a moment ago is the credential
    "accounts:verify_email",  # the signed token in the link is the credential
    "accounts:password_reset",  # Django's reset flow: answers the same whether the email exists or not
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",  # uid + one-time token is the credential
    "accounts:password_reset_complete",
    "booking:start",  # the booking journey is browsable before signing in;
    "booking:practitioners",  # confirming (POST on review) sends anonymous visitors to login
    "booking:times",
    "booking:review",
    "booking:practitioner_photo",  # staff profile photos shown on the booking pages: public on purpose
    "frontdesk:waitlist_offer",  # the signed, expiring offer token is the credential
    "favicon",  # browsers ask for /favicon.ico on every page
}

# Any signed-in user, whatever the role (Django's login_required): their own account pages.
LOGIN_ONLY = {
    "accounts:landing",  # sends each role to its own home page
    "accounts:profile",  # one's own details
    "accounts:resend_verification",  # one's own confirmation email
    "accounts:password_change",
    "accounts:password_change_done",
    "accounts:two_factor",  # one's own two-factor sign-in (staff only: 404 for clients)
    "core:my_inbox",  # the emails sent to oneself (embedded default only, 404 with a mail server)
    "core:my_inbox_detail",
}

# Django admin: guarded by the admin site itself (is_staff + model permissions).
PUBLIC_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the pattern when unnamed
    namespace: str
    pattern: str
    callback: Callable
    has_args: bool


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            nested = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry, prefix + str(entry.pattern), nested)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or pattern)
            has_args = bool(entry.pattern.regex.groups) or "<" in pattern or "(?P" in pattern
            yield Route(name, namespace, pattern, entry.callback, has_args)


def routes() -> list[Route]:
    return list(_walk(get_resolver("clinic.urls")))


def _is_guarded(callback: Callable) -> bool:
    if isinstance(getattr(callback, "required_cap", None), Cap):
        return True
    view_class = getattr(callback, "view_class", None)
    return isinstance(view_class, type) and issubclass(view_class, CapabilityRequiredMixin)


def _allowed(route: Route) -> bool:
    return route.namespace.split(":", 1)[0] in PUBLIC_NAMESPACES or route.name in PUBLIC or route.name in LOGIN_ONLY


def test_the_walk_finds_the_apps_urls():
    names = {r.name for r in routes()}
    # A broken walk would make the guard test pass vacuously.
    assert {"booking:my_appointments", "intake:review", "frontdesk:calendar", "core:outbox",
            "admin:index"} <= names
    assert len(names) > 60


def test_every_view_is_guarded_or_explicitly_public():
    unguarded = sorted(f"{r.name} ({r.pattern})" for r in routes() if not _is_guarded(r.callback) and not _allowed(r))
    assert unguarded == [], ("These views have neither @require(Cap.X) nor CapabilityRequiredMixin; add one, or "
                             "list them in PUBLIC / LOGIN_ONLY with the reason: " + ", ".join(unguarded))


def test_the_allowlists_name_only_existing_urls():
    names = {r.name for r in routes()}
    assert (PUBLIC | LOGIN_ONLY) - names == set()


def test_allowlisted_views_are_not_also_guarded():
    """A guarded view left on the allowlist would hide a later removal of its guard."""
    both = sorted(r.name for r in routes() if r.name in PUBLIC | LOGIN_ONLY and _is_guarded(r.callback))
    assert both == []


def _guarded_without_args() -> list[str]:
    return sorted(r.name for r in routes()
                  if _is_guarded(r.callback) and not r.has_args and not r.name.startswith("admin:"))


def _anonymous_is_sent_to_login(response) -> bool:
    login = resolve_url(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"].startswith(login)


@pytest.mark.parametrize("name", _guarded_without_args())
def test_anonymous_visitors_are_sent_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    if response.status_code == 405:  # POST-only: refusing GET is right; the POST must still need a login
        response = client.post(url)
    assert _anonymous_is_sent_to_login(response), f"{name}: {response.status_code}"


@pytest.mark.parametrize("name", sorted(LOGIN_ONLY))
def test_login_only_views_send_anonymous_visitors_to_login(client, name):
    url = reverse(name, args=[1] if name.endswith("_detail") else [])
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    assert _anonymous_is_sent_to_login(response), f"{name}: {response.status_code}"
