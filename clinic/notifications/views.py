"""The staff's message log: which messages went, which are waiting, which failed, and "send again".

Kinds, times and states only: a message's content is rendered when it is sent and never shown
here (the outbox of the embedded default is the place to read what went out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.accounts.permissions import Cap, require
from clinic.core.http import safe_next, strip_control

from . import services
from .models import RESENDABLE, Message, MessageState

PAGE_SIZE = 50
# The default view: every failed message, then what fell due lately (what a desk would be asked about).
RECENT = timedelta(days=7)
# A waiting message this far past its due time means no dispatcher is running: worth a glance.
LATE = timedelta(minutes=5)

WAITING = (MessageState.PENDING, MessageState.QUEUED, MessageState.SENDING)


@dataclass(frozen=True)
class Tab:
    slug: str
    label: str
    states: tuple[str, ...] | None  # None: every state


TABS = [
    Tab("attention", "Needs attention", None),
    Tab("failed", "Failed", (MessageState.FAILED,)),
    Tab("waiting", "Waiting", WAITING),
    Tab("sent", "Sent", (MessageState.SENT,)),
    Tab("cancelled", "Not needed", (MessageState.CANCELLED,)),
    Tab("all", "All", None),
]
TABS_BY_SLUG = {tab.slug: tab for tab in TABS}


def _search(queryset: QuerySet[Message], query: str) -> QuerySet[Message]:
    """Every word must match the recipient's first name, last name or email ("chloe martin" finds Chloe)."""
    for word in query.split()[:5]:
        queryset = queryset.filter(Q(recipient__first_name__icontains=word) | Q(recipient__last_name__icontains=word)
                                   | Q(recipient__email__icontains=word))
    return queryset


def _messages_for(tab: Tab, now) -> QuerySet[Message]:
    # One query for the page whatever its length: the row, its recipient, its session's service and location.
    queryset = Message.objects.select_related("recipient", "appointment__service", "appointment__location")
    if tab.slug == "attention":
        failed_first = Case(When(state=MessageState.FAILED, then=Value(0)), default=Value(1),
                            output_field=IntegerField())
        return (queryset.filter(Q(state=MessageState.FAILED) | Q(due_at__gte=now - RECENT, due_at__lte=now))
                .order_by(failed_first, "-due_at", "-id"))
    if tab.states is not None:
        queryset = queryset.filter(state__in=tab.states)
    if tab.slug == "waiting":
        return queryset.order_by("due_at", "id")  # what goes out next, first
    return queryset.order_by("-due_at", "-id")


def _counts() -> dict[str, int]:
    """Numbers for the Failed and Waiting tabs: one aggregate query."""
    return Message.objects.aggregate(failed=Count("pk", filter=Q(state=MessageState.FAILED)),
                                     waiting=Count("pk", filter=Q(state__in=WAITING)))


@require(Cap.MANAGE_MESSAGES)
def message_list(request):
    tab = TABS_BY_SLUG.get(request.GET.get("state", ""), TABS[0])
    query = strip_control(request.GET.get("q", "")).strip()[:100]  # a NUL would be a 500 on PostgreSQL
    now = timezone.now()
    queryset = _messages_for(tab, now)
    if query:
        queryset = _search(queryset, query)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/message_list.html", {
        "tabs": TABS, "tab": tab, "query": query, "page": page, "counts": _counts(),
        "late_before": now - LATE, "resendable": RESENDABLE,
    })


@require(Cap.MANAGE_MESSAGES)
@require_POST
def message_resend(request, pk: int):
    message = get_object_or_404(Message.objects.select_related("recipient"), pk=pk)
    back = safe_next(request, reverse("notifications:list"))
    if not services.message_resend(message=message, actor=request.user):
        # The service re-checks the state in its UPDATE: a message that started sending meanwhile is refused too.
        messages.error(request, "This message is already waiting to be sent.")
        return redirect(back)
    kind = message.get_kind_display()
    # A message that was not needed (the session moved or was cancelled) is checked again when it is sent.
    caveat = "" if message.state != MessageState.CANCELLED else " if it still applies"
    messages.success(request, f"The {kind[:1].lower()}{kind[1:]} to {message.recipient} "
                              f"will be sent again within a minute{caveat}.")
    return redirect(back)
