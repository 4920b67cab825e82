"""Forms of the client booking journey. They only parse and validate input; services do the writing.

The chosen slot travels in links and hidden fields (practitioner id, location id, UTC start). All of
it may be tampered with, so every field is validated here and the service re-checks the schedule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django import forms

from .models import Location, Practitioner, Weekday
from .selectors import MAX_COURSE_SESSIONS

BAD_LINK = "That booking link is not valid. Please choose a time from the calendar."
STAFF_DAYS_AHEAD = 730  # how far ahead the desk may book, as on its phone-booking form


def parse_start(value: str | None) -> datetime | None:
    """An ISO 8601 instant with a zone (``2026-03-10T09:00Z``) as aware UTC; None if it is not one."""
    if not value or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))  # "+" may arrive as a space
    except ValueError:
        return None
    # A naive time is ambiguous (whose zone?); far-off years would overflow when the duration is added.
    if parsed.tzinfo is None or not 2000 <= parsed.year <= 2100:
        return None
    return parsed.astimezone(UTC)


def format_start(value: datetime) -> str:
    """The compact UTC form used in links: ``2026-03-10T09:00Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def parse_day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


class StartField(forms.CharField):
    default_error_messages = {"invalid": BAD_LINK}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        parsed = parse_start(value)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class _FriendlyChoice(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": BAD_LINK}


class SlotForm(forms.Form):
    """The slot a client picked: from the week view's link (GET) or the review page's hidden fields."""

    practitioner = _FriendlyChoice(queryset=Practitioner.objects.filter(is_active=True).select_related("user"),
                                   error_messages={"required": BAD_LINK})
    location = _FriendlyChoice(queryset=Location.objects.filter(is_active=True),
                               error_messages={"required": BAD_LINK})
    start = StartField(error_messages={"required": BAD_LINK})
    any = forms.BooleanField(required=False)


class RescheduleForm(forms.Form):
    start = StartField(error_messages={"required": BAD_LINK})


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)", max_length=200, required=False,
        help_text="Practical reasons only, e.g. \u201cwork meeting\u201d. Please do not include health details.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. work meeting", "autocomplete": "off"}),
        error_messages={"max_length": "Please keep the reason under 200 characters."})


class CourseForm(forms.Form):
    """A course pattern: which weekdays, what time, how many sessions, from which date."""

    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), label="Practitioner", empty_label=None,
        help_text="A course stays with one practitioner.",
        error_messages={"invalid_choice": "Please choose one of the practitioners listed."})
    # ISO format: a browser's date input shows the en-GB default (26/11/2026) as blank.
    first_day = forms.DateField(label="Starting from",
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages={"invalid": "Please enter a date, e.g. 2026-03-10."})
    weekdays = forms.TypedMultipleChoiceField(
        label="On", choices=Weekday.choices, coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "btn-check", "autocomplete": "off"}),
        error_messages={"required": "Please choose at least one weekday.",
                        "invalid_choice": "Please choose weekdays from the list."})
    at = forms.TimeField(label="At", widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
                         error_messages={"invalid": "Please enter a time, e.g. 10:00."})
    sessions = forms.IntegerField(
        label="Number of sessions", min_value=2, max_value=MAX_COURSE_SESSIONS, initial=10,
        error_messages={"min_value": "A course has at least 2 sessions.",
                        "max_value": f"A course can have at most {MAX_COURSE_SESSIONS} sessions online. "
                                     "For more, please call the clinic."})

    def __init__(self, *args, practitioners, today: date, horizon_days: int, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners
        self.today = today
        self.horizon_days = horizon_days
        self.staff = staff  # the desk books for a client: its own bounds, not the online horizon
        if staff:
            self.fields["sessions"].error_messages["max_value"] = (
                f"A course can have at most {MAX_COURSE_SESSIONS} sessions. Book the rest as a second course.")

    def clean_first_day(self) -> date:
        day = self.cleaned_data["first_day"]
        if day < self.today:
            raise forms.ValidationError("That date has passed. Please choose today or a later date.")
        if self.staff:
            if day > self.today + timedelta(days=STAFF_DAYS_AHEAD):
                raise forms.ValidationError("Please choose a start within the next two years.")
            return day
        if day > self.today + timedelta(days=self.horizon_days):
            raise forms.ValidationError(f"Online booking opens {self.horizon_days} days ahead. "
                                        "Please choose an earlier start.")
        return day

    def clean_at(self) -> time:
        at = self.cleaned_data["at"]
        return at.replace(second=0, microsecond=0)

    def clean(self):
        data = super().clean()
        weekdays = data.get("weekdays") or []
        sessions = data.get("sessions")
        if weekdays and sessions and len(weekdays) > sessions:
            self.add_error("weekdays", "Choose no more weekdays than sessions.")
        return data

    def description(self) -> str:
        data = self.cleaned_data
        names = [str(Weekday(d).label) for d in sorted(data["weekdays"])]
        days = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"{data['sessions']} sessions, {days} at {data['at']:%H:%M}"
