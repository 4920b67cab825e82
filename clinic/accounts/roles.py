"""The admin editor is open to managers through one group with exactly the rights they need.

Managers edit the schedule set-up (locations, rooms, services, practitioners, hours, time off) in the
admin; appointments stay read-only there because writes must go through booking.services, and the
group has no rights at all on intake data (clinical answers are not a manager's to read).
"""

from __future__ import annotations

MANAGERS_GROUP = "Clinic managers"

EDITABLE = {
    "booking": ["location", "openinghours", "room", "service", "practitioner", "workinghours", "break", "timeoff"],
    "core": ["clinicsettings"],
}
VIEW_ONLY = {"booking": ["appointment", "course"], "accounts": ["user"], "notifications": ["message"]}
# A staff member who lost her phone and her recovery codes: a manager removes her two-factor device, so she
# signs in with her password and sets it up again. Never add or change one (that would choose her secret).
VIEW_AND_DELETE = {"accounts": ["twofactordevice"]}


def sync_managers_group(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    wanted = []
    for app_label, models in EDITABLE.items():
        wanted += Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models)
    for app_label, models in VIEW_ONLY.items():
        wanted += Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models,
                                            codename__startswith="view_")
    for app_label, models in VIEW_AND_DELETE.items():
        wanted += Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models,
                                            codename__regex=r"^(view|delete)_")
    group.permissions.set(wanted)


def grant_manager_rights(user) -> None:
    from django.contrib.auth.models import Group

    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get_or_create(name=MANAGERS_GROUP)[0])
