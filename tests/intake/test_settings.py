"""The manager sets the waits after procedures and when re-assessments are due."""

from django.urls import reverse

from intake.models import IntakeSettings

VALID = {"botox_wait_days": 30, "filler_wait_days": 90, "laser_wait_days": 28, "peel_wait_days": 14,
         "microdermabrasion_wait_days": 14, "facelift_wait_days": 183, "major_event_wait_days": 183,
         "isotretinoin_wait_days": 365, "thread_lift_wait_days": 120,
         "reassess_at_sessions": "4, 8, 12", "request_link_valid_days": 7, "intake_valid_months": 18}


def test_the_manager_changes_the_waits(login, manager_user):
    response = login(manager_user).post(reverse("intake:settings"), VALID)
    assert response["Location"] == reverse("intake:settings")
    settings = IntakeSettings.load()
    assert settings.botox_wait_days == 30
    assert (settings.isotretinoin_wait_days, settings.thread_lift_wait_days) == (365, 120)
    assert settings.reassess_sessions == [4, 8, 12]
    assert settings.intake_valid_months == 18  # an intake older than this is renewed before the next session


def test_a_bad_session_list_is_explained_and_kept(login, manager_user):
    response = login(manager_user).post(reverse("intake:settings"), {**VALID, "reassess_at_sessions": "five"})
    html = response.content.decode()
    assert "Enter session numbers separated by commas" in html
    assert 'value="five"' in html
    assert IntakeSettings.load().reassess_at_sessions == "5, 10"


def test_a_wait_cannot_be_negative(login, manager_user):
    response = login(manager_user).post(reverse("intake:settings"), {**VALID, "botox_wait_days": "-3"})
    assert response.status_code == 200
    assert IntakeSettings.load().botox_wait_days == 14


def test_only_the_manager_may_change_them(login, front_desk_user):
    assert login(front_desk_user).post(reverse("intake:settings"), VALID).status_code == 403
    assert IntakeSettings.load().botox_wait_days == 14
