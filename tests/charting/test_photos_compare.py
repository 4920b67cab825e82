"""The comparison: first versus latest photo of a pose by default, any two on request, side by side and with a
keyboard-operable slider; for the client in her own account only when the clinic allows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from booking.models import AppointmentStatus
from charting import photos
from clinic.audit.models import AuditEvent
from clinic.core.models import ClinicSettings
from tests.charting.photos_support import NOW, clinic_fixture, frozen_fixture, photo_dir_fixture, take  # noqa: F401 (fixtures)
from tests.factories import AppointmentFactory, ClientFactory, UserFactory


@pytest.fixture
def course(clinic):
    """Three sessions, two weeks apart, each with a front photo; the middle one also a left three-quarter."""
    middle = AppointmentFactory(client=clinic["chloe"], practitioner=clinic["session"].practitioner,
                                starts_at=NOW - timedelta(days=14), status=AppointmentStatus.COMPLETED)
    first = take(clinic["earlier"], clinic["ana"], pose="front")
    between = take(middle, clinic["ana"], pose="front")
    left = take(middle, clinic["ana"], pose="left")
    latest = take(clinic["session"], clinic["ana"], pose="front")
    return {**clinic, "first": first, "between": between, "left": left, "latest": latest}


def _shown(response, key: str) -> str:
    html = response.content.decode()
    start = html.index(f'data-testid="{key}"')
    return html[html.rindex("<img", 0, start):start]


def test_the_default_is_the_first_against_the_latest_front_photo(course, login):
    response = login(course["ana"]).get(reverse("charting:compare", args=[course["chloe"].pk]))

    assert response.status_code == 200
    assert reverse("charting:photo_file", args=[course["first"].pk]) in _shown(response, "photo-a")
    assert reverse("charting:photo_file", args=[course["latest"].pk]) in _shown(response, "photo-b")
    html = response.content.decode()
    assert 'type="range"' in html and 'id="compare-slider"' in html and "charting/compare.js" in html
    assert "<script>" not in html and "oninput=" not in html
    assert AuditEvent.objects.filter(action="photo.view").count() == 0  # the files are audited when fetched


def test_any_two_photos_can_be_compared(course, login):
    response = login(course["ana"]).get(reverse("charting:compare", args=[course["chloe"].pk]),
                                        {"a": course["between"].pk, "b": course["left"].pk})
    assert reverse("charting:photo_file", args=[course["between"].pk]) in _shown(response, "photo-a")
    assert reverse("charting:photo_file", args=[course["left"].pk]) in _shown(response, "photo-b")


def test_another_clients_photo_or_nonsense_in_the_address_is_ignored(course, login):
    oscar = ClientFactory()
    visit = AppointmentFactory(client=oscar, practitioner=course["session"].practitioner,
                               starts_at=NOW - timedelta(days=3))
    photos.photo_consent_give(client=oscar, typed_name="Oscar", ip_address=None)
    oscars = take(visit, course["ana"])
    client = login(course["ana"])

    for query in ({"a": oscars.pk}, {"a": "x'; DROP", "b": "99999999999999999999"}, {"pose": "<script>"}):
        response = client.get(reverse("charting:compare", args=[course["chloe"].pk]), query)
        assert response.status_code == 200, query
        html = response.content.decode()
        assert reverse("charting:photo_file", args=[oscars.pk]) not in html
        assert reverse("charting:photo_file", args=[course["first"].pk]) in _shown(response, "photo-a")


def test_a_single_photo_says_the_comparison_starts_next_time(clinic, login):
    take(clinic["session"], clinic["ana"])
    response = login(clinic["ana"]).get(reverse("charting:compare", args=[clinic["chloe"].pk]))
    assert 'data-testid="only-one"' in response.content.decode()


def test_the_front_desk_is_refused_the_comparison(course, login):
    client = login(UserFactory(role="front_desk"))
    assert client.get(reverse("charting:compare", args=[course["chloe"].pk])).status_code == 403


def test_the_client_compares_her_own_photos_only_when_the_clinic_allows_it(course, login):
    client = login(course["chloe"])
    url = reverse("charting:my_compare")
    assert client.get(url).status_code == 404
    assert reverse("charting:my_compare") not in client.get(reverse("charting:my_photo_consent")).content.decode()

    ClinicSettings.objects.filter(pk=1).update(clients_see_photos=True)
    response = client.get(url)

    assert response.status_code == 200
    assert reverse("charting:my_photo_file", args=[course["first"].pk]) in _shown(response, "photo-a")
    assert reverse("charting:my_photo_file", args=[course["latest"].pk]) in _shown(response, "photo-b")
    assert "/chart/photos/" not in response.content.decode()  # the practitioners' addresses are not hers
    assert reverse("charting:my_compare") in client.get(reverse("charting:my_photo_consent")).content.decode()


def test_another_client_sees_only_her_own_empty_comparison(course, login):
    ClinicSettings.objects.filter(pk=1).update(clients_see_photos=True)
    response = login(ClientFactory()).get(reverse("charting:my_compare"), {"a": course["first"].pk})
    assert response.status_code == 200 and 'data-testid="no-photos"' in response.content.decode()
    assert reverse("charting:my_photo_file", args=[course["first"].pk]) not in response.content.decode()


def test_the_manager_switches_client_access_on_in_the_clinic_settings(login, manager_user):
    page = login(manager_user).get(reverse("core:settings"))
    assert 'name="clients_see_photos"' in page.content.decode()
    assert ClinicSettings.load().clients_see_photos is False  # off unless the clinic chooses it


def test_the_comparison_takes_the_same_queries_however_long_the_course(course, login, django_assert_num_queries):
    client = login(course["ana"])
    url = reverse("charting:compare", args=[course["chloe"].pk])
    client.get(url)  # warm: the session and the user
    # session, user, clinic settings, the client, the care check (appointment exists), her photos with their
    # sessions
    with django_assert_num_queries(6):
        client.get(url)
    for days in (21, 35, 42, 49):
        visit = AppointmentFactory(client=course["chloe"], practitioner=course["session"].practitioner,
                                   starts_at=NOW - timedelta(days=days), status=AppointmentStatus.COMPLETED)
        take(visit, course["ana"], pose="front")
        take(visit, course["ana"], pose="close_up", label="chin")
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.decode().count("<option") == 2 * (4 + 8)
