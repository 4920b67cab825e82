"""Forms of the manager's schedule pages. They parse and check input; ``booking.schedule`` saves and enforces
the rules (overlaps, sessions left outside the hours)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone

from .admin import CodeListField, ServiceAdminForm
from .models import Break, Location, Practitioner, Room, TimeOff, WorkingHours

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
PHOTO_MAX_MB = 5


class ServiceForm(ServiceAdminForm):
    """The admin's service form (the same checks, the screening codes typed as a list), on the manager's page."""

    screening_codes = CodeListField(required=False, label="Screening flags that apply",
                                    help_text=ServiceAdminForm.base_fields["screening_codes"].help_text)


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["location", "name", "is_active"]


class _EndAfterStart(forms.ModelForm):
    end_message = "The end must be after the start."

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("end", self.end_message)
        return cleaned


class WorkingHoursForm(_EndAfterStart):
    end_message = "The end of the shift must be after its start."

    class Meta:
        model = WorkingHours
        fields = ["location", "weekday", "start", "end"]
        widgets = {"start": TIME, "end": TIME}

    def __init__(self, *args, practitioner: Practitioner, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.practitioner = practitioner
        locations = practitioner.locations.all() or Location.objects.filter(is_active=True)
        self.fields["location"].queryset = locations
        if len(locations) == 1:  # the usual case: one clinic, nothing to choose
            self.fields["location"].initial = locations[0].pk
            self.fields["location"].empty_label = None


class BreakForm(_EndAfterStart):
    end_message = "The end of the break must be after its start."

    class Meta:
        model = Break
        fields = ["weekday", "start", "end"]
        widgets = {"start": TIME, "end": TIME}

    def __init__(self, *args, practitioner: Practitioner, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.practitioner = practitioner


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the clinic's zone (a browser's datetime-local), stored as aware UTC."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *args, tz, **kwargs):
        self.tz = tz
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.astimezone(self.tz).strftime("%Y-%m-%dT%H:%M")
        return value

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        if not 2000 <= parsed.year <= 2100:
            raise forms.ValidationError("Please check the year.")
        return timezone.make_aware(timezone.make_naive(parsed), self.tz) if timezone.is_aware(parsed) \
            else timezone.make_aware(parsed, self.tz)


class TimeOffForm(forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ["practitioner", "location", "starts_at", "ends_at", "reason"]

    def __init__(self, *args, tz, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = Practitioner.objects.select_related("user")
        self.fields["practitioner"].empty_label = "Nobody in particular: a closure"
        self.fields["practitioner"].help_text = "Leave empty for a closure of a location or of the whole clinic."
        self.fields["location"].empty_label = "Every location"
        self.fields["starts_at"] = LocalDateTimeField(label="Starts", tz=tz)
        self.fields["ends_at"] = LocalDateTimeField(label="Ends", tz=tz)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start is not None and end is not None and end <= start:
            self.add_error("ends_at", "The time off must end after it starts.")
        return cleaned


class ProfileForm(forms.Form):
    title = forms.CharField(max_length=120)
    bio = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=2000,
                          help_text="Shown to clients when they choose a practitioner. A few plain sentences.")
    photo = forms.ImageField(required=False, help_text=f"A JPEG or PNG, up to {PHOTO_MAX_MB} MB. Shown to clients.")
    remove_photo = forms.BooleanField(required=False, label="Remove the current photo")

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > PHOTO_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(f"This photo is larger than {PHOTO_MAX_MB} MB: choose a smaller one.")
        return photo

