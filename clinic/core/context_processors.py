from django.conf import settings

from clinic.accounts.permissions import Cap, has_cap

from .models import ClinicSettings


def clinic(request):
    user = getattr(request, "user", None)
    caps = {cap.name: has_cap(user, cap) for cap in Cap} if user is not None else {}
    return {"clinic": getattr(request, "clinic", None) or ClinicSettings.load(), "caps": caps,
            "own_inbox": settings.OWN_INBOX}
