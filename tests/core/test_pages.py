from django.test import override_settings
from django.urls import reverse

from tests.factories import ServiceFactory


def test_home_presents_the_clinic_and_a_booking_call_to_action(client):
    ServiceFactory(name="Facial acupuncture follow-up", bookable_online=True)
    html = client.get(reverse("core:home")).content.decode()
    assert "Book a session" in html
    assert "lungs" in html and "yin and yang" in html
    assert "Facial acupuncture follow-up" in html
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "cdn" not in html.lower()


@override_settings(DEBUG=False)
def test_404_uses_the_clinic_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert "navbar" in response.content.decode()


def test_500_page_renders_without_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "something went wrong" in html


def test_security_headers(client):
    response = client.get(reverse("core:home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_intake_responses_are_never_cached_even_not_found(client, client_user):
    client.force_login(client_user, backend="clinic.accounts.backends.EmailBackend")
    assert "no-store" in client.get("/intake/no-such-thing/")["Cache-Control"]
    # Since every page is no-store (clinic.core.middleware.NoStoreMiddleware), the public home page is too.
    assert "no-store" in client.get("/").get("Cache-Control", "")


def test_browsers_find_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
