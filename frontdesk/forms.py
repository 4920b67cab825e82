"""Front-desk forms. Slots travel as ``<practitioner id>@<UTC ISO start>``; the booking services
re-check everything, so a tampered value can at worst be refused with a message."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django import forms
from django.utils import timezone

from booking.models import Location, Practitioner, Service, Weekday
from clinic.accounts.models import User
from clinic.core.http import strip_control

from .models import TimeOfDay


def slot_value(practitioner_id: int, start: datetime) -> str:
    return f"{practitioner_id}@{start.astimezone(UTC).isoformat()}"


def parse_slot(value: str) -> tuple[int, datetime] | None:
    try:
        pk, iso = value.split("@", 1)
        start = datetime.fromisoformat(iso)
        pk_int = int(pk)
    except (ValueError, AttributeError):
        return None
    if start.tzinfo is None:
        return None
    return pk_int, start.astimezone(UTC)


class SlotField(forms.CharField):
    default_error_messages = {"invalid": "Please choose one of the free times shown."}

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        parsed = parse_slot(value)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class SearchField(forms.CharField):
    """Free text for a search box. Control characters are dropped before validation: a pasted or tampered NUL
    is not worth an error, and PostgreSQL would refuse it in the query (a 500)."""

    def to_python(self, value):
        return super().to_python(strip_control(value) if isinstance(value, str) else value)


class ClientSearchForm(forms.Form):
    q = SearchField(label="Search clients", required=False, max_length=100,
                    widget=forms.TextInput(attrs={"placeholder": "Name, email or phone", "autocomplete": "off",
                                                  "type": "search"}))


class ClientQuickCreateForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    email = forms.EmailField(label="Email", help_text="Confirmations and reminders go here.")
    phone = forms.CharField(label="Phone", max_length=40)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A client with this email already exists: search for them above.")
        return email

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if sum(c.isdigit() for c in phone) < 6:
            raise forms.ValidationError("Please enter a phone number we can call.")
        return phone


MAX_DAYS_AHEAD = 730


class _ScheduleForm(forms.Form):
    """Date + practitioner + chosen free time, shared by booking and moving."""

    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none(), required=False,
                                          empty_label="Any practitioner")
    slot = SlotField(label="Free time", required=False)

    def __init__(self, *args, location: Location, service: Service | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = location
        qs = Practitioner.objects.filter(is_active=True, locations=location).select_related("user")
        if service is not None:
            qs = qs.filter(services=service)
        self.fields["practitioner"].queryset = qs

    def clean_date(self) -> date:
        day = self.cleaned_data["date"]
        today = timezone.localdate(timezone=self.location.tz)
        if day < today:
            raise forms.ValidationError("That date has passed. Please choose today or a later date.")
        if day > today + timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError("Please choose a date within the next two years.")
        return day

    def clean(self):
        cleaned = super().clean()
        if self.is_bound and self.data.get("confirm") and not cleaned.get("slot") and "slot" not in self.errors:
            self.add_error("slot", "Please choose one of the free times shown.")
        return cleaned


class BookingForm(_ScheduleForm):
    service = forms.ModelChoiceField(queryset=Service.objects.filter(is_active=True), empty_label=None)
    desk_note = forms.CharField(label="Front-desk note", max_length=300, required=False,
                                help_text="Practical notes only (parking, access). No clinical details.")
    field_order = ["service", "practitioner", "date", "slot", "desk_note"]

    def __init__(self, *args, location: Location, **kwargs):
        super().__init__(*args, location=location, **kwargs)
        self.fields["practitioner"].queryset = Practitioner.objects.filter(
            is_active=True, locations=location).select_related("user")


class MoveForm(_ScheduleForm):
    pass


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=200,
                             widget=forms.TextInput(attrs={"list": "cancel-reasons", "autocomplete": "off"}),
                             help_text="Shown in the appointment's history. No clinical details.")


class WaitlistEntryForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.filter(is_active=True), empty_label=None)
    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none(), required=False,
                                          empty_label="Any practitioner")
    weekdays = forms.TypedMultipleChoiceField(label="Days that suit", choices=Weekday.choices, coerce=int,
                                              required=False, widget=forms.CheckboxSelectMultiple,
                                              help_text="Leave all unticked for any day.")
    time_of_day = forms.ChoiceField(label="Time of day", choices=TimeOfDay.choices, initial=TimeOfDay.ANY,
                                    widget=forms.RadioSelect)

    def __init__(self, *args, location: Location, online: bool, **kwargs):
        super().__init__(*args, **kwargs)
        services = Service.objects.filter(is_active=True)
        if online:
            services = services.filter(bookable_online=True)
        self.fields["service"].queryset = services.order_by("duration_minutes", "name")
        self.fields["practitioner"].queryset = Practitioner.objects.filter(
            is_active=True, locations=location).select_related("user")
        if not online:
            self.fields["note"] = forms.CharField(label="Front-desk note", max_length=200, required=False,
                                                  help_text="Practical notes only. No clinical details.")


# Dates the pages accept from a query string; anything else falls back to today (no overflow at 9999).
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def parse_date(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is not None and EARLIEST <= day <= LATEST else None
