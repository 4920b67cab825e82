"""Building valid intakes for tests: answers for every question, and drafts / submissions via the services."""

from __future__ import annotations

from django.test import RequestFactory

from intake import definitions, services
from intake.forms import SectionForm
from intake.models import IntakeSubmission
from intake.questionnaire import Questionnaire

# Answers 1..5 per pattern, in item order: every pattern "sometimes" (score 50) unless overridden.
NEUTRAL = 3


def questionnaire() -> Questionnaire:
    return Questionnaire.of(definitions.questionnaire_current())


def step_of(key: str) -> int:
    """The step number of a section of the current questionnaire, e.g. ``step_of("medical")``."""
    return Questionnaire(definitions.QUESTIONNAIRE).section_by_key(key).number


def valid_answers(q: Questionnaire | None = None, *, signals: dict[str, list[int] | int] | int | None = None,
                  concerns: dict[str, tuple[int, str]] | None = None, **overrides) -> dict:
    """A complete, valid set of answers: no flags, every signal "sometimes", no concerns."""
    q = q or questionnaire()
    if isinstance(signals, int):  # one answer for every signal
        signals = {p["key"]: signals for p in q.patterns}
    signals = signals or {}
    concerns = concerns or {}
    answers: dict = {}
    for key, question in q.questions.items():
        kind = question["type"]
        if kind in ("choice", "yesno"):
            answers[key] = question["choices"][0][0]
        elif kind == "multi":
            answers[key] = [question["choices"][0][0]] if question.get("required", True) else []
        elif kind == "concern":
            severity, duration = concerns.get(key, (0, ""))
            answers[key] = {"severity": severity, "duration": duration}
        elif kind != "scale":
            answers[key] = ""
    for pattern in q.patterns:
        values = signals.get(pattern["key"], NEUTRAL)
        if isinstance(values, int):
            values = [values] * len(pattern["items"])
        for item, value in zip(pattern["items"], values, strict=True):
            answers[item["key"]] = value
    answers.update(overrides)
    return answers


def post_data(section, answers: dict) -> dict:
    """The POST body a browser would send for one step with these answers."""
    data = {}
    for key, value in SectionForm.initial_from({q["key"]: answers[q["key"]] for q in section.questions}).items():
        if value is None:
            continue
        data[key] = value if isinstance(value, list) else str(value)
    return data


def fill_draft(client, answers: dict | None = None, *, steps: int | None = None) -> IntakeSubmission:
    """A draft with the first ``steps`` steps saved (all by default)."""
    draft = services.intake_draft_start(client=client)
    q = Questionnaire.of(draft.version)
    answers = answers or valid_answers(q)
    for section in q.sections[: steps if steps is not None else q.step_count]:
        draft = services.intake_step_save(
            submission=draft, step=section.number, answers={k["key"]: answers[k["key"]] for k in section.questions})
    return draft


def submit_intake(client, answers: dict | None = None, *, ip: str = "203.0.113.9") -> IntakeSubmission:
    draft = fill_draft(client, answers)
    request = RequestFactory().post("/", REMOTE_ADDR=ip)
    return services.intake_submit(submission=draft, typed_name=client.full_name, request=request)


def in_care_of(client, practitioner=None):
    """The user of a practitioner (a new one unless given) whom ``client`` once missed a session with, in 2020:
    the client is in her care (any session not cancelled), and no course count, next session or queue changes."""
    from datetime import UTC, datetime

    from booking.models import AppointmentStatus
    from tests.factories import AppointmentFactory, PractitionerFactory

    practitioner = practitioner or PractitionerFactory()
    AppointmentFactory(client=client, practitioner=practitioner, status=AppointmentStatus.NO_SHOW,
                       starts_at=datetime(2020, 1, 6, 10, tzinfo=UTC))
    return practitioner.user


def health_check_post(prefix: str = "", **answers) -> dict:
    """The POST body of the pre-visit health check: all clear unless overridden (``medicines`` is a list).
    ``prefix="hc"`` for the questions inside the re-assessment form."""
    values = {"acute_illness": "no", "skin_infection": "no", "procedures": "no", "medicines": ["none"],
              "pregnancy": "no", **answers}
    name = (lambda key: f"{prefix}-{key}") if prefix else (lambda key: key)
    return {name(key): value for key, value in values.items()}
