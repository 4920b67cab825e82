"""TCM pattern scores from the 5-point signals (1 never .. 5 always).

Each pattern of n items scores ``(raw - n) / (4n) x 100``: 0 when every answer is "never", 100 when
every answer is "always" (the published transform of 5-point constitution questionnaires; the
items are our own). Thresholds are settings: ``INTAKE_PATTERN_PRESENT`` and ``INTAKE_PATTERN_TENDENCY``.
The result supports the practitioner; it is not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from .questionnaire import Questionnaire

PRESENT, TENDENCY, NOT_INDICATED = "present", "tendency", "not_indicated"
BAND_LABELS = {PRESENT: "Present", TENDENCY: "Tendency", NOT_INDICATED: "Not indicated"}
# Answers at or above "often" are the ones shown as driving a pattern.
DRIVER_MIN = 4


def pattern_score(values: list[int]) -> float:
    """Score 0-100 of one pattern's answers, rounded to one decimal."""
    if not values:
        raise ValueError("a pattern needs at least one answer")
    if any(v < 1 or v > 5 for v in values):
        raise ValueError("answers are 1 (never) to 5 (always)")
    n = len(values)
    return round((sum(values) - n) / (4 * n) * 100, 1)


def band(score: float) -> str:
    if score >= settings.INTAKE_PATTERN_PRESENT:
        return PRESENT
    if score >= settings.INTAKE_PATTERN_TENDENCY:
        return TENDENCY
    return NOT_INDICATED


def score_patterns(questionnaire: Questionnaire, answers: dict) -> dict[str, float]:
    """{pattern key: score} for every pattern whose items are all answered (in a section that applies)."""
    answers = questionnaire.applicable_answers(answers)
    scores = {}
    for pattern in questionnaire.patterns:
        values = [answers.get(item["key"]) for item in pattern["items"]]
        if all(isinstance(v, int) for v in values):
            scores[pattern["key"]] = pattern_score(values)
    return scores


@dataclass
class PatternResult:
    key: str
    label: str
    about: str
    score: float
    band: str
    items: list[tuple[str, int, str]]  # (item text, answer 1-5, answer label)
    drivers: list[tuple[str, str]] = field(default_factory=list)  # (item text, answer label), strongest first

    @property
    def band_label(self) -> str:
        return BAND_LABELS[self.band]

    @property
    def colour(self) -> str:
        return {PRESENT: "danger", TENDENCY: "warning", NOT_INDICATED: "secondary"}[self.band]


def pattern_results(questionnaire: Questionnaire, answers: dict) -> list[PatternResult]:
    """Each pattern with its score, band and the answers that drove it (highest score first)."""
    results = []
    labels = questionnaire.scale_labels
    answers = questionnaire.applicable_answers(answers)
    for pattern in questionnaire.patterns:
        values = [answers.get(item["key"]) for item in pattern["items"]]
        if not all(isinstance(v, int) for v in values):
            continue
        score = pattern_score(values)
        items = [(item["label"], v, labels[v]) for item, v in zip(pattern["items"], values, strict=True)]
        drivers = [(text, label) for text, v, label in sorted(items, key=lambda i: -i[1]) if v >= DRIVER_MIN]
        results.append(PatternResult(pattern["key"], pattern["label"], pattern.get("about", ""), score,
                                     band(score), items, drivers))
    return sorted(results, key=lambda r: -r.score)


@dataclass(frozen=True)
class YinYang:
    key: str  # "balanced" | "yin_deficient" | "yang_deficient" | "both_deficient"
    label: str
    yin_score: float
    yang_score: float


# Within this many points the two sides count as even.
YIN_YANG_MARGIN = 10


def yin_yang(scores: dict[str, float]) -> YinYang | None:
    """Which side is weaker, from the yin- and yang-deficiency scores.

    A side below the tendency band is never called deficient: "both" needs both sides in the band or
    above, and within ``YIN_YANG_MARGIN`` of each other; otherwise the higher side is the weaker one.
    """
    if "yin_deficiency" not in scores or "yang_deficiency" not in scores:
        return None
    yin, yang = scores["yin_deficiency"], scores["yang_deficiency"]
    tendency = settings.INTAKE_PATTERN_TENDENCY
    if max(yin, yang) < tendency:
        return YinYang("balanced", "Yin and yang look balanced", yin, yang)
    if min(yin, yang) >= tendency and abs(yin - yang) < YIN_YANG_MARGIN:
        return YinYang("both_deficient", "Both yin and yang show weakness", yin, yang)
    if yin > yang:
        return YinYang("yin_deficient", "Yin is the weaker side: dryness and heat, especially at night", yin, yang)
    return YinYang("yang_deficient", "Yang is the weaker side: cold, pale and tired", yin, yang)
