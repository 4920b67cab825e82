"""QA regression: a client without an intake could record a "check-in", which then charted as their baseline."""

from django.urls import reverse

from intake.models import Reassessment
from tests.intake.helpers import submit_intake


def test_a_check_in_before_the_questionnaire_sends_the_client_to_the_questionnaire(login, client_user):
    c = login(client_user)
    response = c.get(reverse("intake:my_reassess"))
    assert response["Location"] == reverse("intake:my_intake")
    c.post(reverse("intake:my_reassess"), {"ht_hot": "3"})
    assert not Reassessment.objects.exists()
    page = c.get(reverse("intake:my_intake")).content.decode()
    assert "Please fill in your questionnaire first" in page


def test_the_check_in_page_opens_once_the_questionnaire_is_sent(login, client_user):
    submit_intake(client_user)
    assert login(client_user).get(reverse("intake:my_reassess")).status_code == 200
