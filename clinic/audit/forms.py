from __future__ import annotations

from django import forms

from clinic.core.http import strip_control

from .services import BREAK_GLASS_MIN_REASON


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need this record now?", max_length=1000, strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"At least {BREAK_GLASS_MIN_REASON} characters, e.g. \"Client arrived for an urgent session; "
                  "her practitioner is off sick.\" Do not write clinical details here.")

    def clean_reason(self) -> str:
        return strip_control(self.cleaned_data["reason"])


# What the manager asks about, mapped onto the action verbs (``intake.view``, ``intake.export``, ...).
ACTION_KINDS = [
    ("", "Any action"),
    ("read", "Read a record"),
    ("export", "Export or download"),
    ("change", "Change or settings"),
    ("break_glass", "Emergency opening (break the glass)"),
]
BREAK_GLASS_ACTION = "record.break_glass"


class DateInput(forms.DateInput):
    input_type = "date"  # the browser's date picker sends YYYY-MM-DD


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Who", required=False, max_length=254,
                            help_text="Part of a name or email address.")
    subject = forms.CharField(label="Whose data", required=False, max_length=254,
                              help_text="The client's name or email address.")
    action = forms.ChoiceField(label="What", required=False, choices=ACTION_KINDS)
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)
    ip = forms.GenericIPAddressField(label="IP address", required=False, unpack_ipv4=True,
                                     error_messages={"invalid": "Enter an IP address such as 203.0.113.9."})

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        for name in ("date_from", "date_to"):
            # The day's bounds are computed as instants: year 9999 would overflow them (a 500).
            if data.get(name) and not 2000 <= data[name].year <= 2100:
                self.add_error(name, "Choose a date between 2000 and 2100.")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data
