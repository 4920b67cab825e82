"""QA regression: phones type "smart" punctuation, so a signature must not fail on the apostrophe style."""

import pytest
from django.urls import reverse

from intake.models import ConsentRecord
from tests.factories import ClientFactory
from tests.intake.helpers import fill_draft


@pytest.mark.parametrize("typed", ["Siobhan O\u2019Brien", "siobhan o'brien", "Siobhan O\u02bcBrien"])
def test_it_accepts_the_name_typed_with_a_curly_apostrophe(login, typed):
    siobhan = ClientFactory(first_name="Siobhan", last_name="O'Brien")
    c = login(siobhan)
    fill_draft(siobhan)
    response = c.post(reverse("intake:consent"), {"full_name": typed, "agree": "on"})
    assert response.status_code == 302
    assert ConsentRecord.objects.get(client=siobhan).typed_name == typed


def test_it_accepts_a_double_barrelled_name_typed_with_an_en_dash(login):
    anne = ClientFactory(first_name="Anne-Marie", last_name="Smith")
    c = login(anne)
    fill_draft(anne)
    response = c.post(reverse("intake:consent"), {"full_name": "Anne\u2013Marie Smith", "agree": "on"})
    assert response.status_code == 302
    assert ConsentRecord.objects.filter(client=anne).exists()


def test_it_still_rejects_a_different_name(login):
    siobhan = ClientFactory(first_name="Siobhan", last_name="O'Brien")
    c = login(siobhan)
    fill_draft(siobhan)
    response = c.post(reverse("intake:consent"), {"full_name": "Siobhan Brien", "agree": "on"})
    assert response.status_code == 200
    assert not ConsentRecord.objects.exists()
