"""A read-only view over one questionnaire definition: steps, questions, labels.

Everything that shows or checks answers goes through this, built from the exact
``QuestionnaireVersion.definition`` the answers belong to.

A section is a step only for the clients it applies to (its ``show_if``): ``steps(answers)`` are the
sections one client is asked, in order. Section numbers stay those of the definition, so a step's URL
and the draft's completed steps keep their meaning when an answer later skips or restores a section.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.utils.dateformat import format as date_format


@dataclass(frozen=True)
class Section:
    number: int  # 1-based step number
    key: str
    title: str
    intro: str
    questions: list[dict]
    patterns: list[dict]
    show_if: dict | None = None  # {"question": key, "in": [values]} or {"question": key, "value": value}

    @property
    def is_scale(self) -> bool:
        return bool(self.patterns)


_FROZEN: dict[tuple[int, str], Questionnaire] = {}  # (version id, checksum) -> its parsed wording (``frozen``)


class Questionnaire:
    def __init__(self, definition: dict):
        self.definition = definition

    @classmethod
    def of(cls, version) -> Questionnaire:
        return cls(version.definition)

    @classmethod
    def frozen(cls, version) -> Questionnaire:
        """The wording of ``version``, shared by every caller of the process: a version is never edited (a change
        is a new number, ``QuestionnaireVersion``), so the screening gate, asked on every page a client books
        from, need not read and parse its 26 KB each time. Read the version with its ``definition`` deferred: a
        version written in ``intake.definitions`` is known by its checksum, and any other is read (one query)
        the first time only. Read-only, like every ``Questionnaire``."""
        from .definitions import in_code

        key = (version.pk, version.checksum)
        parsed = _FROZEN.get(key)
        if parsed is None:
            definition = in_code().get(version.checksum)
            parsed = _FROZEN[key] = cls(definition if definition is not None else version.definition)
        return parsed

    @property
    def number(self) -> int:
        return self.definition["version"]

    @cached_property
    def sections(self) -> list[Section]:
        result = []
        for index, raw in enumerate(self.definition["sections"], start=1):
            patterns = raw.get("patterns", [])
            questions = raw.get("questions", [])
            if patterns:
                questions = [{"key": item["key"], "type": "scale", "label": item["label"], "pattern": p["key"]}
                             for p in patterns for item in p["items"]]
            result.append(Section(index, raw["key"], raw["title"], raw.get("intro", ""), questions, patterns,
                                  raw.get("show_if")))
        return result

    @property
    def step_count(self) -> int:
        """Every section of the definition; ``step_count + 1`` stands for the check page."""
        return len(self.sections)

    # -- sections that apply to one client ----------------------------------------------------
    def skipped(self, answers: dict) -> set[str]:
        """Keys of the sections these answers skip.

        A section whose deciding answer is not given yet still counts as a step, so the step count only
        shrinks as the client answers (progress never goes backwards). A question in a skipped section
        decides nothing.
        """
        owner = {q["key"]: s.key for s in self.sections for q in s.questions}
        skipped: set[str] = set()
        for section in self.sections:
            condition = section.show_if
            if not condition:
                continue
            if owner.get(condition["question"]) in skipped:
                skipped.add(section.key)
                continue
            value = answers.get(condition["question"])
            if value in (None, "", []):
                continue
            allowed = condition["in"] if "in" in condition else [condition["value"]]
            if value not in allowed:
                skipped.add(section.key)
        return skipped

    def steps(self, answers: dict) -> list[Section]:
        """The sections these answers lead the client through, in order."""
        skipped = self.skipped(answers)
        return [s for s in self.sections if s.key not in skipped]

    def applies(self, number: int, answers: dict) -> bool:
        return self.section(number).key not in self.skipped(answers)

    def next_step(self, completed: list[int], answers: dict) -> int:
        """The first step not yet completed; ``step_count + 1`` (the check page) when all are."""
        return next((s.number for s in self.steps(answers) if s.number not in completed), self.step_count + 1)

    def step_after(self, number: int, answers: dict) -> int | None:
        return next((s.number for s in self.steps(answers) if s.number > number), None)

    def step_before(self, number: int, answers: dict) -> int | None:
        return next((s.number for s in reversed(self.steps(answers)) if s.number < number), None)

    def applicable_answers(self, answers: dict) -> dict:
        """The answers without those of skipped sections: once a client says the cycle questions do not
        apply, cycle answers given before are not scored, screened or shown."""
        skipped = self.skipped(answers)
        if not skipped:
            return answers
        dropped = {q["key"] for s in self.sections if s.key in skipped for q in s.questions}
        return {k: v for k, v in answers.items() if k not in dropped}

    def section(self, number: int) -> Section:
        return self.sections[number - 1]

    def section_by_key(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    @cached_property
    def questions(self) -> dict[str, dict]:
        return {q["key"]: q for s in self.sections for q in s.questions}

    @cached_property
    def patterns(self) -> list[dict]:
        return [p for s in self.sections for p in s.patterns]

    @cached_property
    def concerns(self) -> list[dict]:
        return [q for q in self.questions.values() if q["type"] == "concern"]

    @cached_property
    def scale_labels(self) -> dict[int, str]:
        return {int(v): label for v, label in self.definition["scale"]}

    @cached_property
    def severity_labels(self) -> dict[int, str]:
        return {int(v): label for v, label in self.definition["severity"]}

    @cached_property
    def duration_labels(self) -> dict[str, str]:
        return dict(self.definition["duration"])

    @property
    def max_severity(self) -> int:
        return max(self.severity_labels)

    def display(self, key: str, value) -> str:
        """An answer as the client would read it."""
        question = self.questions.get(key)
        if question is None or value in (None, "", []):
            return "—"
        kind = question["type"]
        if kind == "scale":
            return self.scale_labels.get(int(value), str(value))
        if kind == "concern":
            severity = int(value.get("severity", 0))
            text = self.severity_labels.get(severity, str(severity))
            if severity and value.get("duration"):
                text += f", for {self.duration_labels.get(value['duration'], value['duration']).lower()}"
            return text
        if kind in ("choice", "yesno"):
            return dict(question["choices"]).get(value, str(value))
        if kind == "multi":
            labels = dict(question["choices"])
            return ", ".join(labels.get(v, v) for v in value)
        if kind == "date":
            return date_format(date.fromisoformat(value), "j M Y")
        return str(value)

    def answered_sections(self, answers: dict) -> list[tuple[Section, list[tuple[dict, str]]]]:
        """Every section asked, with (question, displayed answer) pairs, in order: the "full answers" view."""
        return [(s, [(q, self.display(q["key"], answers.get(q["key"]))) for q in s.questions])
                for s in self.steps(answers)]

    def concern_severities(self, answers: dict) -> dict[str, int]:
        return {q["key"]: int((answers.get(q["key"]) or {}).get("severity", 0)) for q in self.concerns}
