"""The product's URLs plus the bench-only yardstick (see ``bench.settings``)."""

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_POST

from clinic.urls import urlpatterns as product_urlpatterns


@require_POST
@login_required
def bare_insert(request):
    """Insert one row for the signed-in user in a transaction and redirect: a booking without any rule."""
    with transaction.atomic():
        LogEntry.objects.create(user=request.user, action_flag=ADDITION, object_repr="bench")
    return HttpResponseRedirect("/")


urlpatterns = [path("bench/bare-insert/", bare_insert, name="bench_bare_insert"), *product_urlpatterns]
