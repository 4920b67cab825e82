"""Clinic settings as a manager uses them (QA pass): what changed is confirmed and audited."""

from django.contrib.messages import get_messages
from django.urls import reverse

from clinic.audit.models import AuditEvent
from clinic.core.models import ClinicSettings
from tests.core.test_clinic_settings import _form


def test_saving_policies_says_what_changed_and_is_audited(login, manager_user):
    ClinicSettings.load()
    c = login(manager_user)
    c.get(c.post(reverse("core:settings"), _form())["Location"])  # every field at _form(); message read
    response = c.post(reverse("core:settings"), _form(cancellation_window_hours=48))
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert text.endswith("Changed: Cancellation window (hours).")
    assert AuditEvent.objects.filter(action="clinic.settings_change", actor=manager_user).count() == 2


def test_saving_without_changes_says_so(login, manager_user):
    c = login(manager_user)
    c.post(reverse("core:settings"), _form())
    response = c.post(reverse("core:settings"), _form())
    assert "Nothing was changed." in [str(m) for m in get_messages(response.wsgi_request)]


def test_the_settings_page_leads_back_to_manage(login, manager_user):
    html = login(manager_user).get(reverse("core:settings")).content.decode()
    assert reverse("core:manage") in html
