from django.urls import reverse

from clinic.accounts.models import User


def test_a_manager_creates_a_staff_account_that_sets_its_own_password(login, manager_user, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    client = login(manager_user)
    with django_capture_on_commit_callbacks(execute=True):  # the invitation is a message of the outbox
        response = client.post(reverse("accounts:staff_create"), {
            "first_name": "Rosa", "last_name": "Diaz", "email": "Rosa@Clinic.example", "phone": "",
            "role": "front_desk"})
    assert response.status_code == 302
    rosa = User.objects.get(email="rosa@clinic.example")
    assert rosa.role == "front_desk"
    assert not rosa.has_usable_password()
    assert len(mailoutbox) == 1 and "/accounts/password/reset/" in mailoutbox[0].body


def test_staff_form_cannot_create_clients_or_duplicates(login, manager_user):
    client = login(manager_user)
    response = client.post(reverse("accounts:staff_create"), {
        "first_name": "X", "last_name": "Y", "email": "MANAGER@example.com", "role": "front_desk"})
    assert "already exists" in response.content.decode()
    response = client.post(reverse("accounts:staff_create"), {
        "first_name": "X", "last_name": "Y", "email": "x@example.com", "role": "client"})
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="x@example.com").exists()


def test_a_new_manager_can_edit_the_schedule_setup_but_not_appointments_or_intakes(login, manager_user):
    client = login(manager_user)
    client.post(reverse("accounts:staff_create"), {
        "first_name": "Ivy", "last_name": "Ng", "email": "ivy@clinic.example", "role": "manager"})
    ivy = User.objects.get(email="ivy@clinic.example")
    assert ivy.is_staff and not ivy.is_superuser
    assert ivy.has_perm("booking.change_service") and ivy.has_perm("booking.add_timeoff")
    assert ivy.has_perm("booking.view_appointment") and not ivy.has_perm("booking.change_appointment")
    assert not any(perm.startswith("intake.") for perm in ivy.get_all_permissions())


def test_a_new_practitioner_gets_a_profile_ready_for_hours(login, manager_user):
    from booking.models import Practitioner
    from tests.factories import LocationFactory, ServiceFactory

    location, service = LocationFactory(), ServiceFactory()
    client = login(manager_user)
    response = client.post(reverse("accounts:staff_create"), {
        "first_name": "Kai", "last_name": "Lo", "email": "kai@clinic.example", "role": "practitioner"}, follow=True)
    assert "add their working hours" in response.content.decode()
    profile = Practitioner.objects.get(user__email="kai@clinic.example")
    assert list(profile.services.all()) == [service] and list(profile.locations.all()) == [location]
    assert not profile.working_hours.exists()
