"""The questionnaire's step line ("Step n of N · p% done") and its step labels come from one list, so they agree
(skipped sections are not counted), and a required question says so before the client submits."""

import re

from django.urls import reverse

from tests.intake.helpers import fill_draft, post_data, questionnaire, step_of, valid_answers

MEDICATIONS = step_of("medications")


def _labels(html: str) -> list[str]:
    nav = html[html.index('aria-label="Questionnaire steps"'):]
    nav = nav[:nav.index("</nav>")]
    return [re.sub(r"\s+", " ", t).replace("✓ ", "").strip()
            for t in re.findall(r'<(?:a|span) class="badge[^>]*>(.*?)</(?:a|span)>', nav, re.S)]


def _step_line(html: str) -> tuple[int, int, int]:
    step, total = map(int, re.search(r"Step (\d+) of (\d+)", html).groups())
    return step, total, int(re.search(r"(\d+)% done", html).group(1))


def test_the_step_count_and_the_step_labels_agree(login, client_user):
    c = login(client_user)
    c.post(reverse("intake:start"))

    html = c.get(reverse("intake:step", args=[1])).content.decode()

    step, total, percent = _step_line(html)
    labels = _labels(html)
    assert (step, total, percent) == (1, 12, 0)
    assert len(labels) == total  # 10 sections (the cycle questions count until skipped), check, consent
    assert labels[0].startswith("1. ") and labels[-2:] == ["11. Check your answers", "12. Consent"]


def test_a_skipped_section_leaves_the_labels_and_the_count_together(login, client_user):
    # Answered so that the cycle questions do not apply: 9 sections, check, consent.
    fill_draft(client_user, steps=MEDICATIONS - 1, answers=valid_answers(has_cycle="no"))
    c = login(client_user)

    html = c.get(reverse("intake:step", args=[MEDICATIONS])).content.decode()

    step, total, percent = _step_line(html)
    labels = _labels(html)
    assert total == 11 == len(labels)
    assert labels[step - 1] == f"{step}. Medicines and allergies"
    assert not any("cycle" in label.lower() for label in labels)
    assert percent == round(100 * (step - 1) / total)  # the steps before this one are done


def test_the_check_and_consent_pages_are_the_last_two_labels(login, client_user):
    fill_draft(client_user)  # every section done
    c = login(client_user)

    check = c.get(reverse("intake:check")).content.decode()
    consent = c.get(reverse("intake:consent")).content.decode()

    step, total, _ = _step_line(check)
    assert step == total - 1 and _labels(check)[step - 1].endswith("Check your answers")
    step, total, percent = _step_line(consent)
    assert step == total and _labels(consent)[-1].endswith("Consent") and percent == round(100 * (total - 1) / total)


def test_required_questions_are_marked_before_submitting(login, client_user):
    fill_draft(client_user, steps=MEDICATIONS - 1)
    c = login(client_user)

    html = c.get(reverse("intake:step", args=[MEDICATIONS])).content.decode()

    medicines = html[html.index('data-question="takes_medication"'):html.index('data-question="medication_list"')]
    assert "(required)" in medicines and "*</span>" in medicines and " required" in medicines
    which = html[html.index('data-question="medication_list"'):html.index('data-question="has_allergies"')]
    assert "required if you answered yes above" in which and "(optional)" not in which
    assert "Questions marked" in html


def test_a_required_if_question_still_refuses_an_empty_answer(login, client_user):
    fill_draft(client_user, steps=MEDICATIONS - 1)
    c = login(client_user)
    q = questionnaire()
    data = post_data(q.section(MEDICATIONS), valid_answers(q, takes_medication="yes", medication_list=""))

    html = c.post(reverse("intake:step", args=[MEDICATIONS]), data).content.decode()

    assert "Please tell us here, since you answered yes above." in html
