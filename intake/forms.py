"""Forms built from the questionnaire definition, plus the consent, assessment and note forms."""

from __future__ import annotations

import unicodedata
from datetime import date

from django import forms
from django.utils import timezone

from .models import (
    PULSE_MAX,
    PULSE_MIN,
    PULSE_RANGE_MESSAGE,
    Assessment,
    IntakeSettings,
    PulseQuality,
    Reaction,
    TongueCoat,
    TongueColour,
    TonguePulse,
    TongueShape,
    TreatmentNote,
    tongue_pulse_problems,
)
from .questionnaire import Questionnaire, Section

CHOOSE = "Please choose an answer."


# Phones type "smart" punctuation: O'Brien arrives as O’Brien, Smith-Jones with an en dash.
_NAME_PUNCTUATION = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
                                   "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-"})


def _normalise_name(name: str) -> str:
    """Compare signatures the way a person would: ignore case, spacing and apostrophe / dash styles."""
    name = unicodedata.normalize("NFKC", name).translate(_NAME_PUNCTUATION)
    return " ".join(name.split()).casefold()


class SectionForm(forms.Form):
    """One step of the questionnaire. Field names are question keys; a concern has two fields,
    ``<key>__severity`` and ``<key>__duration``."""

    def __init__(self, *args, questionnaire: Questionnaire, section: Section, answers: dict | None = None,
                 today: date | None = None, **kwargs):
        self.questionnaire = questionnaire
        self.section = section
        self.today = today or timezone.localdate()
        kwargs.setdefault("initial", self.initial_from(answers or {}))
        super().__init__(*args, **kwargs)
        for question in section.questions:
            self._add(question)

    # -- building -----------------------------------------------------------------------------
    def _add(self, q: dict) -> None:
        kind, key, required = q["type"], q["key"], q.get("required", True)
        help_text = q.get("help", "")
        if kind == "scale":
            self.fields[key] = forms.TypedChoiceField(
                label=q["label"], coerce=int, choices=sorted(self.questionnaire.scale_labels.items()),
                widget=forms.RadioSelect(attrs={"class": "btn-check"}), error_messages={"required": CHOOSE})
        elif kind == "concern":
            self.fields[f"{key}__severity"] = forms.TypedChoiceField(
                label=q["label"], coerce=int, choices=sorted(self.questionnaire.severity_labels.items()),
                widget=forms.RadioSelect(attrs={"class": "btn-check"}), error_messages={"required": CHOOSE})
            self.fields[f"{key}__duration"] = forms.ChoiceField(
                label="For how long?", required=False,
                choices=[("", "For how long?")] + list(self.questionnaire.duration_labels.items()),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
        elif kind in ("choice", "yesno"):
            self.fields[key] = forms.ChoiceField(
                label=q["label"], required=required, choices=[tuple(c) for c in q["choices"]], help_text=help_text,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}), error_messages={"required": CHOOSE})
        elif kind == "multi":
            self.fields[key] = forms.MultipleChoiceField(
                label=q["label"], required=required, choices=[tuple(c) for c in q["choices"]], help_text=help_text,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                error_messages={"required": "Please choose at least one."})
        elif kind == "date":
            self.fields[key] = forms.DateField(
                label=q["label"], required=required, help_text=help_text,
                widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
                error_messages={"invalid": "Enter a date, for example 14/03/2026."})
        else:
            widget = (forms.Textarea(attrs={"rows": 3, "class": "form-control"}) if kind == "textarea"
                      else forms.TextInput(attrs={"class": "form-control"}))
            self.fields[key] = forms.CharField(label=q["label"], required=required, max_length=2000,
                                               help_text=help_text, widget=widget,
                                               error_messages={"required": "Please answer this question."})

    @staticmethod
    def initial_from(answers: dict) -> dict:
        initial = {}
        for key, value in answers.items():
            if isinstance(value, dict):  # a concern
                initial[f"{key}__severity"] = value.get("severity")
                initial[f"{key}__duration"] = value.get("duration", "")
            else:
                initial[key] = value
        return initial

    # -- checking -----------------------------------------------------------------------------
    def clean(self):
        data = super().clean()
        for q in self.section.questions:
            key = q["key"]
            if q["type"] == "concern":
                if data.get(f"{key}__severity") and not data.get(f"{key}__duration"):
                    self.add_error(f"{key}__duration", "Please tell us how long you have had this.")
            elif q["type"] == "date" and data.get(key):
                if q.get("past_only") and data[key] > self.today:
                    self.add_error(key, "This date is in the future: enter the date it happened.")
                elif data[key].year < 1900:
                    self.add_error(key, "Please check the year.")
            condition = q.get("required_if")
            if condition and data.get(condition["question"]) == condition["value"] and not data.get(key):
                self.add_error(key, "Please tell us here, since you answered yes above.")
        return data

    def answers(self) -> dict:
        """The cleaned answers of this step, ready to store as JSON."""
        return {q["key"]: self._answer(q) for q in self.section.questions}

    def partial_answers(self) -> dict:
        """The answers of this step that are valid so far (for the autosave); call after ``is_valid()``."""
        result = {}
        for q in self.section.questions:
            key = q["key"]
            names = [f"{key}__severity", f"{key}__duration"] if q["type"] == "concern" else [key]
            if all(name in self.cleaned_data and name not in self.errors for name in names):
                result[key] = self._answer(q)
        return result

    def _answer(self, q: dict):
        key = q["key"]
        if q["type"] == "concern":
            severity = self.cleaned_data[f"{key}__severity"]
            return {"severity": severity, "duration": self.cleaned_data[f"{key}__duration"] if severity else ""}
        value = self.cleaned_data.get(key)
        if q["type"] == "date":
            return value.isoformat() if value else ""
        if q["type"] == "multi":
            return list(value or [])
        return value.strip() if isinstance(value, str) else value

    # -- showing ------------------------------------------------------------------------------
    def rows(self) -> list[dict]:
        """(question, bound fields) in order, for the step template."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                css = attrs.get("class", "")
                if "is-invalid" not in css and ("form-control" in css or "form-select" in css):
                    attrs["class"] = css + " is-invalid"
                attrs["aria-invalid"] = "true"
        rows = []
        for q in self.section.questions:
            if q["type"] == "concern":
                rows.append({"q": q, "type": "concern", "severity": self[f"{q['key']}__severity"],
                             "duration": self[f"{q['key']}__duration"]})
            else:
                rows.append({"q": q, "type": q["type"], "field": self[q["key"]]})
        return rows

    def pattern_rows(self) -> list[tuple[dict, list[dict]]]:
        by_key = {r["q"]["key"]: r for r in self.rows()}
        return [(p, [by_key[i["key"]] for i in p["items"]]) for p in self.section.patterns]


class ReassessmentForm(forms.Form):
    """The short re-check: concern severities and the TCM signals of one questionnaire version."""

    def __init__(self, *args, questionnaire: Questionnaire, answers: dict | None = None, **kwargs):
        self.questionnaire = questionnaire
        super().__init__(*args, **kwargs)
        initial = answers or {}
        for q in questionnaire.concerns:
            self.fields[q["key"]] = forms.TypedChoiceField(
                label=q["label"], coerce=int, choices=sorted(questionnaire.severity_labels.items()),
                initial=(initial.get(q["key"]) or {}).get("severity"),
                widget=forms.RadioSelect(attrs={"class": "btn-check"}), error_messages={"required": CHOOSE})
        for pattern in questionnaire.patterns:
            for item in pattern["items"]:
                self.fields[item["key"]] = forms.TypedChoiceField(
                    label=item["label"], coerce=int, choices=sorted(questionnaire.scale_labels.items()),
                    widget=forms.RadioSelect(attrs={"class": "btn-check"}), error_messages={"required": CHOOSE})

    def concern_fields(self):
        return [self[q["key"]] for q in self.questionnaire.concerns]

    def pattern_rows(self):
        return [(p, [{"field": self[i["key"]], "q": i} for i in p["items"]]) for p in self.questionnaire.patterns]

    def answers(self) -> dict:
        result = {q["key"]: {"severity": self.cleaned_data[q["key"]]} for q in self.questionnaire.concerns}
        for pattern in self.questionnaire.patterns:
            for item in pattern["items"]:
                result[item["key"]] = self.cleaned_data[item["key"]]
        return result


class ConsentForm(forms.Form):
    full_name = forms.CharField(label="Type your full name", max_length=200,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}),
                                error_messages={"required": "Please type your full name to sign."})
    agree = forms.BooleanField(label="I have read and agree to the consent above",
                               error_messages={"required": "Please tick the box to give your consent."})

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_full_name(self) -> str:
        typed = self.cleaned_data["full_name"]
        if _normalise_name(typed) != _normalise_name(self.user.full_name):
            raise forms.ValidationError(
                f"The name must match the name on your account: {self.user.full_name}. "
                "If that is wrong, correct it under My details first.")
        return " ".join(typed.split())


class ConsentWithdrawForm(forms.Form):
    reason = forms.CharField(label="Why (optional)", required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="You do not have to give a reason.")
    confirm = forms.BooleanField(label="I understand, and withdraw my consent",
                                 error_messages={"required": "Please tick the box to confirm."})


def _ticks(label: str, choices: type[TongueCoat | TongueShape | PulseQuality], noun: str):
    return forms.MultipleChoiceField(
        label=label, required=False, choices=choices.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": f"“%(value)s” is not a {noun} on the list."})


class TonguePulseForm(forms.Form):
    """The tongue and pulse fields the assessment and the treatment note share (``models.TonguePulse``), checked
    by the same rule the services apply, so a slip shows beside its field with everything typed kept."""

    tongue_colour = forms.ChoiceField(
        label="Tongue colour", required=False, choices=[("", "Not recorded"), *TongueColour.choices],
        error_messages={"invalid_choice": "Choose the tongue colour from the list."})
    tongue_coat = _ticks("Tongue coat", TongueCoat, "tongue coat")
    tongue_shape = _ticks("Tongue shape and features", TongueShape, "tongue shape")
    pulse_rate = forms.IntegerField(
        label="Pulse (beats a minute)", required=False, min_value=PULSE_MIN, max_value=PULSE_MAX,
        widget=forms.NumberInput(attrs={"placeholder": "e.g. 72"}),
        error_messages={"min_value": PULSE_RANGE_MESSAGE, "max_value": PULSE_RANGE_MESSAGE,
                        "invalid": "Enter the pulse as a whole number of beats a minute, e.g. 72."})
    pulse_qualities = _ticks("Pulse qualities", PulseQuality, "pulse quality")

    def tongue_pulse_ticks(self) -> list[forms.BoundField]:
        """The checkbox groups, for ``intake/_tongue_pulse_fields.html``."""
        return [self["tongue_coat"], self["tongue_shape"], self["pulse_qualities"]]

    def clean(self):
        data = super().clean()
        # Only fields that passed their own checks: a wrong pulse is not also reported as a wrong reading.
        reading = {name: data[name] for name in TonguePulse.TONGUE_PULSE_FIELDS
                   if name in data and name not in self.errors}
        for name, message in tongue_pulse_problems(reading).items():
            self.add_error(name, message)
        return data


class AssessmentForm(TonguePulseForm, forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["assessment", "plan_sessions", "plan_frequency", "face_points", "body_points", "needle_count",
                  *Assessment.TONGUE_PULSE_FIELDS]
        widgets = {
            "assessment": forms.Textarea(attrs={"rows": 4}),
            "face_points": forms.Textarea(attrs={"rows": 2, "placeholder": "e.g. ST3, ST6, LI20, Yintang, GB14"}),
            "body_points": forms.Textarea(attrs={"rows": 2, "placeholder": "e.g. LU7, LI4, ST36, SP6"}),
        }
        help_texts = {"needle_count": "Typically 30 to 50."}


class TreatmentNoteForm(TonguePulseForm, forms.ModelForm):
    reactions = forms.MultipleChoiceField(choices=Reaction.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple, label="Reactions")
    # Only asked when a note exists: the change is then an amendment, and the earlier version is kept.
    amendment_reason = forms.CharField(
        label="Reason for the change (optional)", required=False, max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Needle count corrected"}))
    # The version the practitioner is looking at (0: no note yet): a save from a stale page is refused.
    based_on = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    class Meta:
        model = TreatmentNote
        fields = list(TreatmentNote.CONTENT_FIELDS)
        widgets = {
            "face_points": forms.Textarea(attrs={"rows": 2}),
            "body_points": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "aftercare_addition": forms.Textarea(attrs={
                "rows": 2, "maxlength": 1000,
                "placeholder": "e.g. A cold compress tonight helps, and drink plenty of water."}),
        }
        labels = {"aftercare_addition": "Added to the aftercare email"}
        help_texts = {"aftercare_addition": "Sent to the client below the service's aftercare advice, if written "
                                            "before the email goes. Practical advice only: email is not private, "
                                            "so no diagnosis or clinical details."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["amendment_reason"]  # a first version has nothing to explain
        self.fields["based_on"].initial = self.instance.version if self.instance.pk else 0

    def content(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def clean_aftercare_addition(self) -> str:
        text = self.cleaned_data["aftercare_addition"]  # stripped by the field
        if len(text) > 1000:
            raise forms.ValidationError(f"Please keep it under 1,000 characters (it has {len(text):,}).")
        return text

    def clean_reactions(self) -> list[str]:
        reactions = self.cleaned_data["reactions"]
        if Reaction.NONE in reactions and len(reactions) > 1:
            raise forms.ValidationError("Choose either “No reaction” or the reactions seen, not both.")
        return reactions


class IntakeSettingsForm(forms.ModelForm):
    class Meta:
        model = IntakeSettings
        fields = ["botox_wait_days", "filler_wait_days", "thread_lift_wait_days", "laser_wait_days", "peel_wait_days",
                  "microdermabrasion_wait_days", "facelift_wait_days", "isotretinoin_wait_days",
                  "major_event_wait_days", "reassess_at_sessions", "request_link_valid_days",
                  "intake_valid_months"]


class HealthCheckForm(forms.Form):
    """The pre-visit health check (``intake.healthcheck``), checked by the same rule the service applies, so a slip
    shows beside its question with everything typed kept. Used online, on the desk tablet and in re-assessments
    (there with ``prefix="hc"`` beside the re-assessment's own fields)."""

    def __init__(self, *args, today: date | None = None, **kwargs):
        from .healthcheck import HEALTH_CHECK

        self.definition = HEALTH_CHECK
        self.today = today or timezone.localdate()
        super().__init__(*args, **kwargs)
        for q in self.definition["questions"]:
            self.fields[q["key"]] = self._field(q)

    @staticmethod
    def _field(q: dict) -> forms.Field:
        kind, label, help_text = q["type"], q["label"], q.get("help", "")
        if kind in ("yesno", "choice"):
            return forms.ChoiceField(label=label, choices=[tuple(c) for c in q["choices"]], help_text=help_text,
                                     widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                                     error_messages={"required": CHOOSE})
        if kind == "multi":
            return forms.MultipleChoiceField(label=label, choices=[tuple(c) for c in q["choices"]],
                                             help_text=help_text, widget=forms.CheckboxSelectMultiple(
                                                 attrs={"class": "form-check-input"}),
                                             error_messages={"required": "Please choose at least one."})
        if kind == "date":
            widget = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-lg"}, format="%Y-%m-%d")
            return forms.DateField(label=label, required=False, help_text=help_text, widget=widget,
                                   error_messages={"invalid": "Enter a date, for example 14/03/2026."})
        return forms.CharField(label=label, required=False, max_length=300, help_text=help_text,
                               widget=forms.TextInput(attrs={"class": "form-control form-control-lg"}))

    def clean(self):
        from .healthcheck import answers_problems

        data = super().clean()
        for key, message in answers_problems(self._answers(data), today=self.today).items():
            if key not in self.errors:
                self.add_error(key, message)
        return data

    def _answers(self, data: dict) -> dict:
        answers = {}
        for q in self.definition["questions"]:
            value = data.get(q["key"])
            if q["type"] == "date":
                value = value.isoformat() if value else ""
            elif q["type"] == "multi":
                value = list(value or [])
            elif isinstance(value, str):
                value = value.strip()
            answers[q["key"]] = value
        return answers

    def answers(self) -> dict:
        """The cleaned answers, ready to store as JSON; call after ``is_valid()``."""
        return self._answers(self.cleaned_data)

    def rows(self) -> list[dict]:
        """(question, bound field) in order, for ``intake/health_check_fields.html``; the procedure dates are
        shown as one group under their yes/no question."""
        questions = self.definition["questions"]
        dates = [i for i, q in enumerate(questions) if q["type"] == "date"]
        return [{"q": q, "field": self[q["key"]], "first_date": i == dates[0], "last_date": i == dates[-1]}
                for i, q in enumerate(questions)]
