"""A practitioner approves a session on a date the screening gate would refuse (``ScreeningOverride``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from clinic.accounts.permissions import Cap

from .. import selectors, services
from .common import intake_view
from .practitioner import _client_or_404


class OverrideForm(forms.Form):
    day = forms.DateField()
    reason = forms.CharField(max_length=500)


@require_POST
@intake_view(Cap.WRITE_CLINICAL)
def screening_override(request, client_id: int):
    client = _client_or_404(client_id)
    current = selectors.current_submission(client=client)
    back = redirect("intake:review", current.pk) if current else redirect("intake:client_record", client.pk)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the date and give the reason for the exception. Nothing was saved.")
        return back
    try:
        override = services.screening_override_grant(client=client, day=form.cleaned_data["day"],
                                                     practitioner=request.user, reason=form.cleaned_data["reason"],
                                                     request=request)
    except services.IntakeError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, f"A session on {override.day:%A %-d %B %Y} is approved: the front desk can book "
                              "or move one onto that date.")
    return back
