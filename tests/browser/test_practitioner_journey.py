"""A practitioner finds a flagged intake in the queue, reads flags and pattern bars, and marks it reviewed."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from intake.models import Assessment
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory, PractitionerFactory
from tests.intake.helpers import submit_intake, valid_answers


def test_the_practitioner_reviews_a_flagged_intake(page, live_server, log_in, screenshot):
    practitioner = PractitionerFactory(user__first_name="Ana", user__email="ana@example.com")
    emma = ClientFactory(first_name="Emma", last_name="Wilson")
    AppointmentFactory(client=emma, practitioner=practitioner, starts_at=timezone.now() + timedelta(days=2),
                       is_first_visit=True)
    botox = (timezone.localdate() - timedelta(days=3)).isoformat()
    submission = submit_intake(emma, valid_answers(
        anticoagulants="yes", botox_date=botox, signals={"heat": [5, 4, 4, 3, 3, 5], "yin_deficiency": 1},
        concerns={"acne": (3, "1_5y"), "fine_lines": (1, "over_5y")}, reasons=["skin_condition"]))

    log_in(page, "ana@example.com", PASSWORD)
    expect(page.get_by_role("heading", name="Today")).to_be_visible()  # the practitioner's landing page
    page.get_by_role("link", name="Intake reviews").click()
    row = page.locator("tr", has_text="Emma Wilson")
    # Red: the Botox wait stops the session in two days (the one badge vocabulary, intake_badge).
    expect(row.get_by_test_id("intake-status")).to_contain_text("Waiting: no treatment before")
    row.get_by_role("link", name="Review").click()

    flags = page.get_by_test_id("flags")
    expect(flags.get_by_test_id("needs-review")).to_contain_text("Earliest suitable date")
    expect(flags).to_contain_text("Takes blood-thinning medicine")
    expect(flags).to_contain_text("Botox on")
    expect(page.get_by_test_id("score-heat")).to_have_text("75")
    expect(page.locator("[data-pattern=heat]")).to_contain_text("My face looks flushed or red")
    expect(page.get_by_test_id("concerns")).to_contain_text("Acne or breakouts")
    screenshot(page, "practitioner-review")

    page.get_by_label("Assessment").fill("Lung heat, damp-heat on the chin. Postpone until the Botox wait ends.")
    page.get_by_label("Planned needles").fill("40")
    page.get_by_label("Face points").fill("LI20, ST3, ST6")
    page.get_by_test_id("mark-reviewed").click()

    expect(page.get_by_test_id("review-state")).to_contain_text("Reviewed")
    assessment = Assessment.objects.get(submission=submission)
    assert assessment.needle_count == 40 and assessment.practitioner == practitioner.user
    screenshot(page, "practitioner-reviewed")
