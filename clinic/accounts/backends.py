from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import normalise_email


class EmailBackend(ModelBackend):
    """ModelBackend whose username is the email, in its one stored spelling (see ``normalise_email``)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None:
            username = normalise_email(username)
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_identity(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """The username django-axes counts failures against (AXES_USERNAME_CALLABLE).

    Without this, axes keys on the text as typed: eight failures as TOM@DEMO.CLINIC would leave
    tom@demo.clinic free to try again.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field) is not None:
        raw = credentials[field]
    else:
        raw = getattr(request, "POST", {}).get(field) if request is not None else None
    return normalise_email(raw) if raw else raw
