"""The client fills in the questionnaire step by step; every step is a draft saved in the database."""

from django.urls import reverse

from intake.models import IntakeSubmission
from tests.intake.helpers import fill_draft, post_data, questionnaire, step_of, valid_answers

SIGNALS_SKIN, PROCEDURES, MEDICATIONS = step_of("signals_skin"), step_of("procedures"), step_of("medications")


def _start(c):
    return c.post(reverse("intake:start"))


def test_starting_creates_a_draft_and_opens_step_one(login, client_user):
    c = login(client_user)
    response = _start(c)
    assert response.status_code == 302 and response["Location"] == reverse("intake:step", args=[1])
    draft = IntakeSubmission.objects.get(client=client_user)
    assert draft.is_draft and draft.answers == {} and draft.current_step == 1


def test_starting_twice_keeps_one_draft(login, client_user):
    c = login(client_user)
    _start(c)
    _start(c)
    assert IntakeSubmission.objects.filter(client=client_user).count() == 1


def test_a_step_shows_progress_and_its_questions(login, client_user):
    c = login(client_user)
    _start(c)
    html = c.get(reverse("intake:step", args=[1])).content.decode()
    assert "Step 1 of 12" in html  # 10 sections (the cycle questions count until skipped), check, consent
    assert 'role="progressbar"' in html
    assert "How would you describe your skin?" in html


def test_a_valid_step_is_saved_and_leads_to_the_next(login, client_user):
    c = login(client_user)
    _start(c)
    q = questionnaire()
    answers = valid_answers(q, skin_type="oily", products="Cleanser and SPF")
    response = c.post(reverse("intake:step", args=[1]), post_data(q.section(1), answers))
    assert response.status_code == 302 and response["Location"] == reverse("intake:step", args=[2])
    draft = IntakeSubmission.objects.get(client=client_user)
    assert draft.answers["skin_type"] == "oily"
    assert draft.answers["products"] == "Cleanser and SPF"
    assert draft.completed_steps == [1] and draft.current_step == 2


def test_a_missing_answer_is_explained_and_the_rest_is_kept(login, client_user):
    c = login(client_user)
    _start(c)
    q = questionnaire()
    data = post_data(q.section(1), valid_answers(q, products="My own typed text"))
    del data["sensitivity"]
    response = c.post(reverse("intake:step", args=[1]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Some answers need your attention" in html
    assert "Please choose an answer." in html
    assert "My own typed text" in html
    assert IntakeSubmission.objects.get(client=client_user).completed_steps == []


def test_a_concern_needs_to_say_how_long(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=1)
    q = questionnaire()
    data = post_data(q.section(2), valid_answers(q))
    data["acne__severity"] = "2"
    data["acne__duration"] = ""
    response = c.post(reverse("intake:step", args=[2]), data)
    assert "Please tell us how long you have had this." in response.content.decode()


def test_concerns_are_stored_with_severity_and_duration(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=1)
    q = questionnaire()
    data = post_data(q.section(2), valid_answers(q, concerns={"acne": (3, "1_5y")}))
    c.post(reverse("intake:step", args=[2]), data)
    answers = IntakeSubmission.objects.get(client=client_user).answers
    assert answers["acne"] == {"severity": 3, "duration": "1_5y"}
    assert answers["eczema"] == {"severity": 0, "duration": ""}


def test_signals_are_stored_as_numbers_one_to_five(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=SIGNALS_SKIN - 1)
    q = questionnaire()
    c.post(reverse("intake:step", args=[SIGNALS_SKIN]),
           post_data(q.section(SIGNALS_SKIN), valid_answers(q, signals={"heat": 5})))
    answers = IntakeSubmission.objects.get(client=client_user).answers
    assert answers["ht_hot"] == 5 and answers["lq_colds"] == 3


def test_an_out_of_scale_answer_is_rejected(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=SIGNALS_SKIN - 1)
    q = questionnaire()
    data = post_data(q.section(SIGNALS_SKIN), valid_answers(q))
    data["ht_hot"] = "9"
    response = c.post(reverse("intake:step", args=[SIGNALS_SKIN]), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_procedure_date_in_the_future_is_rejected(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=PROCEDURES - 1)
    q = questionnaire()
    data = post_data(q.section(PROCEDURES), valid_answers(q, botox_date="2099-01-01"))
    response = c.post(reverse("intake:step", args=[PROCEDURES]), data)
    assert "This date is in the future" in response.content.decode()
    assert 'value="2099-01-01"' in response.content.decode()


def test_a_list_of_medicines_is_required_after_saying_yes(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=MEDICATIONS - 1)
    q = questionnaire()
    data = post_data(q.section(MEDICATIONS), valid_answers(q, takes_medication="yes", medication_list=""))
    response = c.post(reverse("intake:step", args=[MEDICATIONS]), data)
    assert "since you answered yes above" in response.content.decode()


def test_the_last_step_leads_to_the_check_page(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=MEDICATIONS - 1)
    q = questionnaire()
    response = c.post(reverse("intake:step", args=[MEDICATIONS]), post_data(q.section(MEDICATIONS), valid_answers(q)))
    assert response["Location"] == reverse("intake:check")


def test_a_client_cannot_skip_ahead_past_an_unfinished_step(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=2)
    response = c.get(reverse("intake:step", args=[6]))
    assert response["Location"] == reverse("intake:step", args=[3])


def test_a_finished_step_can_be_reopened_with_its_answers(login, client_user):
    c = login(client_user)
    fill_draft(client_user, valid_answers(products="Rosehip oil"), steps=3)
    html = c.get(reverse("intake:step", args=[1])).content.decode()
    assert "Rosehip oil" in html


def test_a_step_that_does_not_exist_is_404(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=1)
    assert c.get(reverse("intake:step", args=[99])).status_code == 404


def test_without_a_draft_the_steps_send_the_client_to_start(login, client_user):
    c = login(client_user)
    assert c.get(reverse("intake:step", args=[1]))["Location"] == reverse("intake:my_intake")


def test_the_draft_survives_a_lost_session_and_resumes_where_the_client_left(client, login, client_user):
    c = login(client_user)
    _start(c)
    q = questionnaire()
    for step in (1, 2):
        c.post(reverse("intake:step", args=[step]), post_data(q.section(step), valid_answers(q, products="Kept")))
    c.logout()  # the session is gone (closed browser, expiry, another device)
    client.cookies.clear()

    c = login(client_user)
    page = c.get(reverse("intake:my_intake")).content.decode()
    assert "Continue where I left off" in page
    response = c.get(reverse("intake:continue"))
    assert response["Location"] == reverse("intake:step", args=[3])
    assert "Kept" in c.get(reverse("intake:step", args=[1])).content.decode()


def test_posting_a_step_without_a_session_goes_to_login_and_keeps_the_saved_steps(client, login, client_user):
    fill_draft(client_user, steps=2)
    q = questionnaire()
    response = client.post(reverse("intake:step", args=[3]), post_data(q.section(3), valid_answers(q)))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert IntakeSubmission.objects.get(client=client_user).completed_steps == [1, 2]


def test_the_check_page_lists_every_answer_with_change_links(login, client_user):
    c = login(client_user)
    fill_draft(client_user, valid_answers(skin_type="dry"))
    html = c.get(reverse("intake:check")).content.decode()
    assert "Check your answers" in html
    assert "Dry" in html
    assert reverse("intake:step", args=[6]) + "?then=check" in html
    assert reverse("intake:consent") in html


def test_changing_an_answer_from_the_check_page_returns_there(login, client_user):
    c = login(client_user)
    fill_draft(client_user)
    q = questionnaire()
    data = {**post_data(q.section(1), valid_answers(q, skin_type="oily")), "then": "check"}
    response = c.post(reverse("intake:step", args=[1]), data)
    assert response["Location"] == reverse("intake:check")


def test_the_check_page_names_unfinished_steps_and_hides_consent(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=4)
    html = c.get(reverse("intake:check")).content.decode()
    assert "Not finished yet" in html
    assert reverse("intake:consent") not in html


def test_the_step_in_progress_is_autosaved_without_counting_as_done(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=SIGNALS_SKIN - 1)
    response = c.post(reverse("intake:autosave", args=[SIGNALS_SKIN]), {"ht_hot": "4", "ht_red_face": "9"})
    assert "Draft saved at" in response.content.decode()
    draft = IntakeSubmission.objects.get(client=client_user)
    assert draft.answers["ht_hot"] == 4
    assert "ht_red_face" not in draft.answers  # an invalid value is not kept
    assert draft.completed_steps == list(range(1, SIGNALS_SKIN)) and draft.current_step == SIGNALS_SKIN
    html = c.get(reverse("intake:step", args=[SIGNALS_SKIN])).content.decode()
    assert '<input type="radio" name="ht_hot" value="4" class="btn-check" id="id_ht_hot_3" required checked>' in html


def test_the_autosave_keeps_a_concern_only_when_it_is_complete(login, client_user):
    c = login(client_user)
    fill_draft(client_user, steps=1)
    c.post(reverse("intake:autosave", args=[2]), {"acne__severity": "2", "acne__duration": "",
                                                  "eczema__severity": "1", "eczema__duration": "3_12m"})
    answers = IntakeSubmission.objects.get(client=client_user).answers
    assert "acne" not in answers
    assert answers["eczema"] == {"severity": 1, "duration": "3_12m"}


def test_the_autosave_without_a_draft_does_nothing(login, client_user):
    response = login(client_user).post(reverse("intake:autosave", args=[1]), {"skin_type": "dry"})
    assert response.status_code == 204
    assert not IntakeSubmission.objects.exists()
