"""One login identity per person: TOM@DEMO.CLINIC and tom@demo.clinic are the same account for the lock-out,
for log-in and wherever an email is stored (sign-up, staff, the admin, existing rows)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from clinic.accounts.backends import login_identity
from clinic.accounts.models import User
from tests.factories import PASSWORD, UserFactory

lowercase_migration = importlib.import_module("clinic.accounts.migrations.0003_lowercase_emails")


def _fail(client, username: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": "wrong-guess"})


def test_failures_in_one_spelling_lock_out_every_spelling(client, settings):
    UserFactory(email="tom@demo.clinic")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, "TOM@DEMO.CLINIC")
    response = client.post(reverse("accounts:login"), {"username": "tom@demo.clinic", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_in_mixed_spellings_add_up(client, settings):
    UserFactory(email="tom@demo.clinic")
    spellings = ["Tom@Demo.Clinic", " tom@DEMO.clinic ", "TOM@demo.CLINIC", "tom@demo.clinic"]
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, spellings[n % len(spellings)])
    response = client.post(reverse("accounts:login"), {"username": "Tom@demo.clinic", "password": PASSWORD})
    assert response.status_code == 429


def test_a_few_failures_do_not_lock_and_the_right_password_works_in_any_case(client, settings):
    UserFactory(email="tom@demo.clinic")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _fail(client, "TOM@DEMO.CLINIC")
    response = client.post(reverse("accounts:login"), {"username": "Tom@Demo.Clinic", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:landing"))


def test_the_lockout_identity_is_the_stored_spelling():
    assert login_identity(None, {"username": "  TOM@Demo.CLINIC "}) == "tom@demo.clinic"


def test_the_admin_stores_emails_in_lower_case(login):
    admin = login(UserFactory(role="manager", is_staff=True, is_superuser=True))
    staff = UserFactory(email="ana@example.com", role="practitioner")
    change = admin.get(reverse("admin:accounts_user_change", args=[staff.pk])).context["adminform"].form
    data = {name: value for name, value in change.initial.items() if value is not None and name != "password"}
    data.update(email="Ana.Torres@Example.COM", groups=[], user_permissions=[], date_joined_0="2026-01-01",
                date_joined_1="10:00")
    response = admin.post(reverse("admin:accounts_user_change", args=[staff.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    staff.refresh_from_db()
    assert staff.email == "ana.torres@example.com"


def test_the_admin_refuses_an_email_taken_in_another_case(login):
    admin = login(UserFactory(role="manager", is_staff=True, is_superuser=True))
    UserFactory(email="taken@example.com")
    response = admin.post(reverse("admin:accounts_user_add"), {
        "email": "TAKEN@example.com", "first_name": "Dup", "last_name": "Licate", "role": "front_desk",
        "password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42", "usable_password": "true"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


def test_the_migration_lower_cases_existing_emails():
    user = UserFactory(email="x@example.com")
    User.objects.filter(pk=user.pk).update(email="Mixed.Case@Example.COM")  # as an old admin edit left it
    lowercase_migration.lowercase_emails(apps, None)
    user.refresh_from_db()
    assert user.email == "mixed.case@example.com"


class _Rows:
    def __init__(self, rows):
        self.rows = rows

    def order_by(self, *_):
        return self

    def values_list(self, *_):
        return self.rows


class _FakeApps:
    """Two rows differing only by case (which the unique index forbids today, but an old database may hold)."""

    def get_model(self, *_):
        return type("User", (), {"objects": _Rows([(1, "Tom@demo.clinic"), (2, "tom@demo.clinic")])})


def test_the_migration_refuses_two_accounts_that_differ_only_by_case():
    with pytest.raises(RuntimeError, match="accounts 1 and 2"):
        lowercase_migration.lowercase_emails(_FakeApps(), None)


def test_accounts_made_by_the_desk_or_the_demo_store_the_lower_case_spelling():
    from clinic.accounts.services import user_create

    quick = user_create(email="  Quick.Client@Example.COM ", first_name="Q", last_name="C")  # desk quick-create
    made = User.objects.create_user(email="Demo.Person@Demo.Clinic", password=PASSWORD, first_name="D",
                                    last_name="P")
    assert (quick.email, made.email) == ("quick.client@example.com", "demo.person@demo.clinic")
