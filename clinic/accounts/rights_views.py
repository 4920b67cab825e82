"""The client's rights pages (a copy of her data, asking for erasure) and the manager's list of erasure requests.

Every page here holds personal data: no browser or proxy may keep a copy (``never_cache``).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import rights
from .forms import ErasureDecisionForm, ErasureRequestForm
from .models import ErasureRequest, ErasureStatus
from .permissions import Cap, require


def _private(cap: Cap) -> Callable:
    def decorator(view: Callable) -> Callable:
        wrapped = never_cache(require(cap)(view))
        wrapped.required_cap = cap  # type: ignore[attr-defined]
        return wrapped

    return decorator


@_private(Cap.BOOK_ONLINE)
def my_data(request):
    """A readable summary of everything the clinic holds about her, printable ("save as PDF")."""
    data = rights.client_data_export(client=request.user, request=request)
    return render(request, "accounts/my_data.html", {"data": data})


@_private(Cap.BOOK_ONLINE)
def my_data_json(request):
    data = rights.client_data_export(client=request.user, request=request)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@_private(Cap.BOOK_ONLINE)
def erasure_request(request):
    """The client asks for her details to be erased, after a page saying what that means."""
    pending = ErasureRequest.objects.filter(client=request.user, status=ErasureStatus.REQUESTED).first()
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rights.erasure_request_create(client=request.user, reason=form.cleaned_data["reason"], request=request)
        except rights.RightsError as exc:
            messages.info(request, exc.message)
        else:
            messages.success(request, "Your request is sent. The clinic will confirm it, and your details are then "
                                      "erased.")
        return redirect("accounts:profile")
    return render(request, "accounts/erasure_request.html", {"form": form, "pending": pending})


@_private(Cap.MANAGE_CLINIC)
def erasure_list(request):
    requests = list(ErasureRequest.objects.select_related("client", "decided_by").order_by("-requested_at")[:200])
    return render(request, "accounts/erasure_list.html", {
        "open": [r for r in requests if r.status == ErasureStatus.REQUESTED],
        "decided": [r for r in requests if r.status != ErasureStatus.REQUESTED],
        "form": ErasureDecisionForm()})


@require_POST
@_private(Cap.MANAGE_CLINIC)
def erasure_decide(request, pk: int):
    erasure = get_object_or_404(ErasureRequest.objects.select_related("client"), pk=pk)
    form = ErasureDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please choose whether to confirm or decline the request.")
        return redirect("accounts:erasure_list")
    confirm = form.cleaned_data["decision"] == "confirm"
    try:
        rights.erasure_request_decide(erasure=erasure, actor=request.user, confirm=confirm,
                                      note=form.cleaned_data["note"], request=request)
    except rights.RightsError as exc:  # another manager decided it a moment ago
        messages.info(request, exc.message)
    else:
        messages.success(request, f"Client #{erasure.client_id} erased: upcoming sessions cancelled, clinical "
                                  "records kept for the retention period." if confirm
                         else "Request declined.")
    return redirect("accounts:erasure_list")
