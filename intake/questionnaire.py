"""A read-only view over one questionnaire definition: steps, questions, labels.

Everything that shows or checks answers goes through this, built from the exact
``QuestionnaireVersion.definition`` the answers belong to.
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

    @property
    def is_scale(self) -> bool:
        return bool(self.patterns)


class Questionnaire:
    def __init__(self, definition: dict):
        self.definition = definition

    @classmethod
    def of(cls, version) -> Questionnaire:
        return cls(version.definition)

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
            result.append(Section(index, raw["key"], raw["title"], raw.get("intro", ""), questions, patterns))
        return result

    @property
    def step_count(self) -> int:
        return len(self.sections)

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
        """Every section with (question, displayed answer) pairs, in order: the "full answers" view."""
        return [(s, [(q, self.display(q["key"], answers.get(q["key"]))) for q in s.questions])
                for s in self.sections]

    def concern_severities(self, answers: dict) -> dict[str, int]:
        return {q["key"]: int((answers.get(q["key"]) or {}).get("severity", 0)) for q in self.concerns}
