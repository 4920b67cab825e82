from django.urls import reverse
from django.utils import timezone

from clinic.core.models import ClinicSettings


def _form(**changes):
    data = {"name": "Lotus", "address": "1 Road", "phone": "0100", "email": "a@b.example",
            "time_zone": "Europe/London", "minimum_notice_hours": 12, "booking_horizon_days": 90,
            "slot_step_minutes": 15, "cancellation_window_hours": 24, "first_visit_must_be_initial": "on",
            "reminder_hours": "48, 2", "intake_nudge_hours_before": 72, "aftercare_delay_minutes": 60,
            "course_checkin_hours_before": 48, "waitlist_offer_hours": 4, "clinical_access": "care",
            "clinical_retention_years": 8}
    data.update(changes)
    return data


def test_a_manager_edits_name_zone_and_policies(login, manager_user):
    client = login(manager_user)
    response = client.post(reverse("core:settings"), _form(name="Jade Skin Clinic", time_zone="America/New_York",
                                                           cancellation_window_hours=48))
    assert response.status_code == 302
    clinic = ClinicSettings.load()
    assert (clinic.name, clinic.time_zone, clinic.cancellation_window_hours) == \
        ("Jade Skin Clinic", "America/New_York", 48)
    assert "Jade Skin Clinic" in client.get(reverse("core:home")).content.decode()


def test_pages_use_the_clinic_time_zone(client):
    ClinicSettings.objects.filter(pk=1).update(time_zone="Asia/Tokyo")
    seen = {}

    from django.test.signals import template_rendered

    def grab(sender, template, context, **kwargs):
        seen.setdefault("tz", timezone.get_current_timezone_name())

    template_rendered.connect(grab)
    try:
        client.get(reverse("core:home"))
    finally:
        template_rendered.disconnect(grab)
    assert seen["tz"] == "Asia/Tokyo"


def test_it_rejects_an_unknown_time_zone_and_keeps_input(login, manager_user):
    client = login(manager_user)
    response = client.post(reverse("core:settings"), _form(name="Kept name", time_zone="Mars/Olympus"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "not a known IANA time zone" in html
    assert 'value="Kept name"' in html
    assert ClinicSettings.load().time_zone == "Europe/London"


def test_it_rejects_nonsense_policies(login, manager_user):
    client = login(manager_user)
    response = client.post(reverse("core:settings"), _form(booking_horizon_days=0, slot_step_minutes=-5))
    assert response.status_code == 200
    assert ClinicSettings.load().booking_horizon_days == 90
