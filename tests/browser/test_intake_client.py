"""A new client completes the intake and consent on a phone-sized screen."""

from playwright.sync_api import expect

from intake.models import ConsentRecord, IntakeSubmission
from tests.factories import PASSWORD, ClientFactory


def _answer_every_question_with_the_first_option(page):
    """Tap the first option of each question still unanswered on this step (radios and tick boxes)."""
    for fieldset in page.locator("fieldset[data-question]").all():
        if fieldset.locator("input:checked").count() == 0:
            fieldset.locator("label").first.click()


def _continue(page):
    page.get_by_test_id("save-step").click()
    page.wait_for_load_state()


def test_a_new_client_completes_the_intake_and_consent_on_a_phone(phone_page, live_server, log_in, screenshot):
    page = phone_page
    client = ClientFactory(first_name="Priya", last_name="Shah", email="priya@example.com")
    log_in(page, "priya@example.com", PASSWORD)
    page.goto("/intake/")
    page.get_by_test_id("start-intake").click()

    # 1. About you and your skin
    expect(page.get_by_text("Step 1 of 12")).to_be_visible()
    page.get_by_text("Combination (oily in places)").click()
    page.get_by_label("Which products do you use on your face most days?").fill("Cleanser, SPF 50")
    _answer_every_question_with_the_first_option(page)
    _continue(page)

    # 2. Concerns: a severity without "how long" is explained, and the answers stay
    acne = page.locator("fieldset[data-question=acne]")
    acne.get_by_text("Moderate").click()
    _answer_every_question_with_the_first_option(page)
    _continue(page)
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(acne.get_by_text("Please tell us how long you have had this.")).to_be_visible()
    expect(acne.locator("input[value='2']")).to_be_checked()
    acne.locator("select").select_option(label="1 to 5 years")
    _continue(page)

    # 3-4. TCM signals on the 5-point scale
    expect(page.get_by_role("heading", name="How your body feels")).to_be_visible()
    for item in page.locator("fieldset[data-question]").all():
        item.get_by_text("Sometimes", exact=True).click()
    screenshot(page, "intake-step")
    _continue(page)
    expect(page.get_by_role("heading", name="Your skin and mood")).to_be_visible()
    for item in page.locator("fieldset[data-question^=ht_]").all():
        item.get_by_text("Often", exact=True).click()
    for item in page.locator("fieldset[data-question]").all():
        if item.locator("input:checked").count() == 0:
            item.get_by_text("Sometimes", exact=True).click()
    _continue(page)

    # 5-6. Lifestyle, goals
    for _ in range(2):
        _answer_every_question_with_the_first_option(page)
        _continue(page)

    # 7-8. Health (she has periods, so the cycle questions are asked), skin medicines and procedures
    page.get_by_text("Yes, I have periods").click()
    _answer_every_question_with_the_first_option(page)
    _continue(page)
    expect(page.get_by_role("heading", name="Skin medicines and cosmetic treatments")).to_be_visible()
    _answer_every_question_with_the_first_option(page)
    _continue(page)

    # 9-10. Cycle and hormones, medicines
    expect(page.get_by_role("heading", name="Your cycle and hormones")).to_be_visible()
    expect(page.get_by_text("Step 9 of 12")).to_be_visible()
    page.locator("fieldset[data-question=cycle_breakouts]").get_by_text("Most months", exact=True).click()
    _answer_every_question_with_the_first_option(page)
    _continue(page)
    _answer_every_question_with_the_first_option(page)
    _continue(page)

    # The check page, then consent
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text("Cleanser, SPF 50")).to_be_visible()
    page.get_by_test_id("to-consent").click()
    expect(page.get_by_test_id("consent-text")).to_contain_text("sterile single-use needles")
    page.get_by_label("Type your full name").fill("Someone Else")
    page.get_by_label("I have read and agree to the consent above").check()
    page.get_by_test_id("sign-and-send").click()
    expect(page.get_by_text("The name must match the name on your account")).to_be_visible()
    page.get_by_label("Type your full name").fill("Priya Shah")
    page.get_by_label("I have read and agree to the consent above").check()
    screenshot(page, "intake-consent")
    page.get_by_test_id("sign-and-send").click()

    expect(page.get_by_text("Thank you: your questionnaire is sent to your practitioner.")).to_be_visible()
    screenshot(page, "intake-sent")
    submission = IntakeSubmission.objects.get(client=client)
    assert submission.status == "submitted" and submission.answers["acne"] == {"severity": 2, "duration": "1_5y"}
    assert submission.scores["heat"] == 75.0 and submission.scores["lung_qi"] == 50.0
    assert submission.answers["cycle_breakouts"] == "most"
    assert ConsentRecord.objects.get(submission=submission).typed_name == "Priya Shah"


def test_a_client_resumes_a_draft_after_logging_out(phone_page, live_server, log_in):
    page = phone_page
    ClientFactory(first_name="Emma", last_name="Wilson", email="emma@example.com")
    log_in(page, "emma@example.com", PASSWORD)
    page.goto("/intake/")
    page.get_by_test_id("start-intake").click()
    page.get_by_label("Which products do you use on your face most days?").fill("Only water")
    _answer_every_question_with_the_first_option(page)
    _continue(page)
    # Half-way through step 2, the answer given so far is saved as the client goes.
    page.locator("fieldset[data-question=eczema]").get_by_text("Severe").click()
    page.locator("fieldset[data-question=eczema] select").select_option(label="More than 5 years")
    expect(page.get_by_test_id("autosave-status")).to_contain_text("Draft saved at")
    page.context.clear_cookies()  # the browser is closed: the session is lost

    log_in(page, "emma@example.com", PASSWORD)
    page.goto("/intake/")
    page.get_by_test_id("continue-intake").click()
    expect(page.get_by_role("heading", name="Your skin concerns")).to_be_visible()
    expect(page.locator("fieldset[data-question=eczema] input[value='3']")).to_be_checked()
    page.get_by_role("link", name="✓ 1. About you and your skin").click()
    expect(page.get_by_label("Which products do you use on your face most days?")).to_have_value("Only water")
