from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from .models import ClinicSettings


class ClinicSettingsForm(forms.ModelForm):
    class Meta:
        model = ClinicSettings
        fields = ["name", "address", "phone", "email", "time_zone", "minimum_notice_hours",
                  "booking_horizon_days", "slot_step_minutes", "cancellation_window_hours",
                  "first_visit_must_be_initial", "reminder_hours", "intake_nudge_hours_before",
                  "aftercare_delay_minutes", "course_checkin_hours_before", "waitlist_offer_hours",
                  "clinical_access", "clinical_retention_years", "clients_see_photos"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save settings"))
