"""Demo intakes: Chloe mid-course (reviewed intake, notes, two re-assessments), Emma waiting for review
with a flag, Hannah reviewed, Tom with a draft, Priya missing, and Oliver, whose questionnaire (sent after he
booked) says Botox two days ago: his next session falls inside the wait, a clinical conflict for the desk, and
his booking pages start at the first safe date. Idempotent: a client who already has any intake is left alone."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from booking.models import Appointment, AppointmentStatus

from . import definitions, notifications, scoring, screening
from .models import (
    Assessment,
    ConsentRecord,
    Frequency,
    IntakeFlag,
    IntakeSettings,
    IntakeSubmission,
    Reassessment,
    SubmissionStatus,
    TreatmentNote,
)
from .questionnaire import Questionnaire


def _answers(questionnaire: Questionnaire, *, signals: dict[str, list[int]], concerns: dict[str, tuple[int, str]],
             **overrides) -> dict:
    answers: dict = {}
    for key, q in questionnaire.questions.items():
        if q["type"] in ("choice", "yesno"):
            answers[key] = q["choices"][0][0]
        elif q["type"] == "multi":
            answers[key] = []
        elif q["type"] == "concern":
            severity, duration = concerns.get(key, (0, ""))
            answers[key] = {"severity": severity, "duration": duration}
        elif q["type"] != "scale":
            answers[key] = ""
    for pattern in questionnaire.patterns:
        for item, value in zip(pattern["items"], signals[pattern["key"]], strict=True):
            answers[item["key"]] = value
    answers.update(overrides)
    return answers


def _submit(client, answers: dict, *, at, version, consent) -> IntakeSubmission:
    questionnaire = Questionnaire.of(version)
    answers = questionnaire.applicable_answers(answers)  # as intake_submit keeps them
    submission = IntakeSubmission.objects.create(
        client=client, version=version, status=SubmissionStatus.SUBMITTED, answers=answers, is_current=True,
        current_step=questionnaire.step_count + 1, completed_steps=[s.number for s in questionnaire.steps(answers)],
        scores=scoring.score_patterns(questionnaire, answers), started_at=at - timedelta(minutes=14),
        submitted_at=at)
    ConsentRecord.objects.create(submission=submission, client=client, consent_version=consent,
                                 typed_name=client.full_name, ip_address="127.0.0.1", signed_at=at)
    flags = screening.screen(questionnaire, answers, waits=IntakeSettings.load(), today=timezone.localdate())
    IntakeFlag.objects.bulk_create(IntakeFlag(submission=submission, code=f.code, level=f.level, reason=f.reason,
                                              until=f.until) for f in flags)
    return submission


def _reassess(client, by, *, at, version, signals, concerns, session: int, appointment) -> None:
    questionnaire = Questionnaire.of(version)
    answers = {key: {"severity": sev} for key, sev in concerns.items()}
    for pattern in questionnaire.patterns:
        for item, value in zip(pattern["items"], signals[pattern["key"]], strict=True):
            answers[item["key"]] = value
    Reassessment.objects.create(client=client, version=version, recorded_by=by, appointment=appointment,
                                session_number=session, answers=answers,
                                scores=scoring.score_patterns(questionnaire, answers), created_at=at)


# Answers 1-5 per pattern of the current questionnaire, in item order.
CHLOE_START = {"lung_qi": [3, 4, 2, 3, 2], "yin_deficiency": [3, 3, 4, 3], "yang_deficiency": [2, 2, 3, 1, 2],
               "spleen_damp": [3, 2, 2, 2, 2, 2], "phlegm": [2, 2, 2, 1, 2], "heat": [4, 4, 3, 3, 2, 4],
               "damp_heat": [3, 2, 2, 2, 2, 3], "blood_dryness": [2, 2, 1, 2, 2, 1], "liver_qi": [4, 4, 4, 3, 4],
               "blood_stasis": [4, 3, 2, 2, 3]}
CHLOE_MID = {"lung_qi": [3, 3, 2, 2, 2], "yin_deficiency": [2, 3, 3, 2], "yang_deficiency": [2, 2, 2, 1, 2],
             "spleen_damp": [2, 2, 2, 2, 2, 2], "phlegm": [2, 2, 2, 1, 2], "heat": [3, 3, 3, 2, 2, 3],
             "damp_heat": [2, 2, 2, 2, 2, 2], "blood_dryness": [2, 2, 1, 2, 2, 1], "liver_qi": [3, 3, 3, 3, 3],
             "blood_stasis": [3, 3, 2, 2, 3]}
CHLOE_NOW = {"lung_qi": [2, 3, 1, 2, 2], "yin_deficiency": [2, 2, 2, 2], "yang_deficiency": [2, 2, 2, 1, 1],
             "spleen_damp": [2, 1, 2, 2, 1, 2], "phlegm": [1, 2, 2, 1, 1], "heat": [2, 2, 2, 2, 2, 2],
             "damp_heat": [2, 1, 2, 1, 2, 2], "blood_dryness": [1, 2, 1, 2, 1, 1], "liver_qi": [3, 2, 3, 2, 2],
             "blood_stasis": [3, 2, 2, 1, 2]}


# Chloe's tongue and pulse at each session, as the heat clears: a red tip and a yellow coat early on, pinker with a
# thin white coat later, the pulse slowing and losing its wiry edge. Sessions past the list keep the last one.
CHLOE_TONGUE_PULSE = [
    {"tongue_colour": "red_tip", "tongue_coat": ["yellow", "greasy"], "tongue_shape": ["tooth_marked"],
     "pulse_rate": 88, "pulse_qualities": ["wiry", "rapid"]},
    {"tongue_colour": "red_tip", "tongue_coat": ["yellow"], "tongue_shape": ["tooth_marked"],
     "pulse_rate": 86, "pulse_qualities": ["wiry", "rapid"]},
    {"tongue_colour": "red_tip", "tongue_coat": ["yellow"], "tongue_shape": [], "pulse_rate": 80,
     "pulse_qualities": ["wiry"]},
    {"tongue_colour": "pink", "tongue_coat": ["thin_white"], "tongue_shape": [], "pulse_rate": 76,
     "pulse_qualities": ["wiry"]},
    {"tongue_colour": "pink", "tongue_coat": ["thin_white"], "tongue_shape": [], "pulse_rate": 72,
     "pulse_qualities": []},
]


def _seed_chloe(chloe, ana_user, version, consent) -> None:
    sessions = list(Appointment.objects.filter(client=chloe).order_by("starts_at"))
    completed = [a for a in sessions if a.status == AppointmentStatus.COMPLETED]
    first = sessions[0].starts_at if sessions else timezone.now()
    questionnaire = Questionnaire.of(version)
    answers = _answers(
        questionnaire, signals=CHLOE_START,
        concerns={"fine_lines": (2, "1_5y"), "acne": (2, "3_12m"), "dark_circles": (2, "1_5y"),
                  "dullness": (1, "3_12m"), "tmj": (1, "over_5y")},
        skin_type="combination", sensitivity="some", sun="protected", actives=["vitamin_c"],
        products="Gentle cleanser, vitamin C serum, SPF 30 moisturiser.",
        sleep_hours="6_7", sleep_quality="broken", stress="high", water="1_2l", caffeine="3_plus",
        alcohol="light", smoking="never", exercise="weekly", diet=["spicy", "sweet"],
        reasons=["ageing", "skin_condition", "self_care"], results=["lines", "clear", "eyes", "jaw"],
        goal_notes="Calmer, clearer skin and less tension in my jaw.",
        bruising_supplements="yes", takes_medication="yes", medication_list="Fish oil 1 g daily.",
        has_allergies="yes", allergy_list="Hay fever in spring.", has_cycle="periods",
        cycle_regularity="regular", cycle_breakouts="most", pms=["mood", "bloating"], period_pain="moderate")
    submission = _submit(chloe, answers, at=first - timedelta(days=2, hours=3), version=version, consent=consent)
    IntakeSubmission.objects.filter(pk=submission.pk).update(reviewed_at=first - timedelta(hours=1),
                                                             reviewed_by=ana_user)
    assessment = Assessment.objects.create(
        submission=submission, practitioner=ana_user, plan_sessions=10, plan_frequency=Frequency.WEEKLY,
        assessment="Lung heat with some yin deficiency and qi stagnation (stress, jaw tension). Tongue red at the "
                   "tip under a yellow, slightly greasy coat; pulse wiry and a little rapid. Combination skin, "
                   "inflamed spots on the chin.",
        face_points="LI20, ST3, ST6, Yintang, Taiyang, GB14, SI18", body_points="LU7, LI4, LI11, SP6, LV3",
        needle_count=40, **CHLOE_TONGUE_PULSE[0])
    # Written at the review, before her first session (the course table orders visits by time).
    Assessment.objects.filter(pk=assessment.pk).update(created_at=first - timedelta(hours=1),
                                                       updated_at=first - timedelta(hours=1))
    points = ["LI20, ST3, ST6, Yintang, Taiyang", "LI20, ST3, ST6, Yintang, GB14, SI18"]
    for index, appointment in enumerate(completed):
        TreatmentNote.objects.create(
            appointment=appointment, practitioner=ana_user, face_points=points[index % 2],
            body_points="LU7, LI4, LI11, SP6", needle_count=36 + 2 * min(index, 4), retention_minutes=25,
            **CHLOE_TONGUE_PULSE[min(index, len(CHLOE_TONGUE_PULSE) - 1)],
            reactions=["bruising"] if index == 1 else ["none"],
            notes="Small bruise by the left eye; advised arnica and a cold compress." if index == 1
            else "Relaxed well; skin calmer.")
    checkpoints = [(3, CHLOE_MID, {"fine_lines": 2, "acne": 1, "dark_circles": 2, "dullness": 1, "tmj": 1}),
                   (5, CHLOE_NOW, {"fine_lines": 1, "acne": 1, "dark_circles": 1, "dullness": 0, "tmj": 0})]
    for session, signals, concerns in checkpoints:
        if len(completed) >= session:
            appointment = completed[session - 1]
            _reassess(chloe, ana_user, at=appointment.ends_at, version=version, signals=signals,
                      concerns=concerns, session=session, appointment=appointment)


def seed(users) -> None:
    version = definitions.questionnaire_current()
    consent = definitions.consent_current()
    questionnaire = Questionnaire.of(version)
    chloe, emma, hannah, tom, oliver = (users[e] for e in (
        "client@demo.clinic", "emma@demo.clinic", "hannah@demo.clinic", "tom@demo.clinic", "oliver@demo.clinic"))
    with_intake = set(IntakeSubmission.objects.values_list("client_id", flat=True))
    now = timezone.now()
    if chloe.pk not in with_intake:
        _seed_chloe(chloe, users["ana@demo.clinic"], version, consent)
    if emma.pk not in with_intake:
        _submit(emma, _answers(
            questionnaire,
            signals={"lung_qi": [2, 2, 1, 2, 2], "yin_deficiency": [3, 4, 4, 3], "yang_deficiency": [2, 2, 2, 1, 2],
                     "spleen_damp": [2, 2, 2, 2, 1, 1], "phlegm": [1, 1, 2, 1, 2], "heat": [2, 3, 2, 2, 1, 2],
                     "damp_heat": [1, 1, 2, 1, 1, 1], "blood_dryness": [4, 3, 2, 2, 3, 2], "liver_qi": [4, 3, 4, 3, 2],
                     "blood_stasis": [3, 2, 2, 1, 2]},
            concerns={"fine_lines": (2, "1_5y"), "sagging": (1, "1_5y"), "dark_circles": (1, "3_12m")},
            skin_type="dry", sensitivity="low", sun="protected", sleep_hours="6_7", sleep_quality="poor",
            stress="high", water="under_1l", caffeine="1_2", alcohol="light", smoking="never", exercise="often",
            reasons=["natural", "ageing"], results=["lines", "glow", "firmness"], migraines="recent",
            needle_fear="nervous", takes_medication="yes", medication_list="Sumatriptan when needed.",
            has_allergies="no", has_cycle="perimenopause", cycle_regularity="changing", hot_flushes="some"),
            at=now - timedelta(days=1, hours=2), version=version, consent=consent)
    if hannah.pk not in with_intake:
        submission = _submit(hannah, _answers(
            questionnaire,
            signals={"lung_qi": [2, 4, 2, 2, 2], "yin_deficiency": [2, 2, 2, 2], "yang_deficiency": [4, 4, 4, 3, 3],
                     "spleen_damp": [4, 3, 3, 3, 3, 2], "phlegm": [2, 2, 3, 1, 2], "heat": [2, 2, 2, 2, 2, 2],
                     "damp_heat": [1, 1, 2, 1, 1, 1], "blood_dryness": [2, 1, 1, 3, 2, 2], "liver_qi": [2, 2, 3, 2, 1],
                     "blood_stasis": [3, 2, 2, 1, 2]},
            concerns={"dark_circles": (2, "1_5y"), "seasonal_allergies": (2, "over_5y"), "dullness": (2, "1_5y")},
            skin_type="dry", sensitivity="some", sun="little", sleep_hours="7_8", sleep_quality="good",
            stress="moderate", water="1_2l", caffeine="1_2", alcohol="none", smoking="never", exercise="weekly",
            reasons=["natural", "self_care"], results=["glow", "eyes", "allergies"], blood_pressure="low",
            takes_medication="no", has_allergies="yes", allergy_list="Pollen and house dust."),
            at=now - timedelta(days=42), version=version, consent=consent)
        IntakeSubmission.objects.filter(pk=submission.pk).update(reviewed_at=now - timedelta(days=40),
                                                                 reviewed_by=users["ana@demo.clinic"])
    if tom.pk not in with_intake:
        about = questionnaire.section(1)
        answers = _answers(questionnaire, signals={p["key"]: [1] * len(p["items"]) for p in questionnaire.patterns},
                           concerns={})
        IntakeSubmission.objects.create(
            client=tom, version=version, current_step=2, completed_steps=[1],
            answers={q["key"]: answers[q["key"]] for q in about.questions} | {"skin_type": "oily"})
    if oliver.pk not in with_intake:
        _submit(oliver, _answers(
            questionnaire, signals={p["key"]: [2] * len(p["items"]) for p in questionnaire.patterns},
            concerns={"fine_lines": (1, "1_5y")}, skin_type="normal", sensitivity="low", sun="protected",
            sleep_hours="7_8", sleep_quality="good", stress="moderate", water="1_2l", caffeine="1_2",
            alcohol="light", smoking="never", exercise="weekly", reasons=["ageing"], results=["lines"],
            takes_medication="no", has_allergies="no", has_cycle="no",
            botox_date=(timezone.localdate() - timedelta(days=2)).isoformat()),
            at=now - timedelta(hours=20), version=version, consent=consent)
        # Sent after he booked: his session inside the wait is a clinical conflict, and he is asked to rearrange.
        notifications.screening_conflicts_queue(client=oliver)
