"""The manager's editor for the schedule: locations, rooms, services, practitioners, hours and time off.

Appointments are read-only here: booking, moving and cancelling go through ``booking.services`` (the
front desk's calendar), which check the schedule and notify the client. The one admin action, cancel,
calls the service too.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from . import services
from .models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Break,
    Course,
    Location,
    OpeningHours,
    Practitioner,
    Room,
    Service,
    TimeOff,
    WorkingHours,
)


def _end_after_start_form(model, start: str, end: str, message: str) -> type[forms.ModelForm]:
    """A form that says in plain words what the database check would otherwise report as
    'Constraint "booking_..." is violated' (the manager is not a developer)."""

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        begins, finishes = cleaned.get(start), cleaned.get(end)
        if begins is not None and finishes is not None and finishes <= begins:
            self.add_error(end, message)
        return cleaned

    return type(f"{model.__name__}AdminForm", (forms.ModelForm,),
                {"Meta": type("Meta", (), {"model": model, "fields": "__all__"}), "clean": clean})


OpeningHoursForm = _end_after_start_form(OpeningHours, "opens", "closes", "Closing time must be after opening time.")
WorkingHoursForm = _end_after_start_form(WorkingHours, "start", "end", "The end of the shift must be after its start.")
BreakForm = _end_after_start_form(Break, "start", "end", "The end of the break must be after its start.")
TimeOffForm = _end_after_start_form(TimeOff, "starts_at", "ends_at", "The time off must end after it starts.")


def _warn_about_booked_sessions(request, time_off: TimeOff) -> None:
    """Time off does not cancel anything: tell the manager which booked sessions now fall inside it."""
    clash = Appointment.objects.filter(status__in=[AppointmentStatus.BOOKED, AppointmentStatus.PENDING],
                                       starts_at__lt=time_off.ends_at, ends_at__gt=time_off.starts_at)
    if time_off.practitioner_id:
        clash = clash.filter(practitioner_id=time_off.practitioner_id)
    elif time_off.location_id:
        clash = clash.filter(location_id=time_off.location_id)
    count = clash.count()
    if count:
        messages.warning(request, f"{count} booked session(s) fall inside this time off ({time_off}). They are "
                                  "not cancelled automatically: move or cancel them from the front-desk calendar.")


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    form = OpeningHoursForm
    extra = 0


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "phone", "is_active"]
    inlines = [RoomInline, OpeningHoursInline]


class CodeListField(forms.CharField):
    """A list of screening flag codes typed as "blood_pressure, skin_infection" (stored as a JSON list)."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        codes = [code.strip() for code in (super().to_python(value) or "").replace("\n", ",").split(",")]
        codes = [code for code in codes if code]
        bad = [code for code in codes if not re.fullmatch(r"[a-z0-9_]+", code)]
        if bad:
            raise forms.ValidationError(f"“{bad[0]}” is not a flag code: use the codes shown on the intake, "
                                        "e.g. blood_pressure, separated by commas.")
        return list(dict.fromkeys(codes))


class ServiceAdminForm(forms.ModelForm):
    screening_codes = CodeListField(
        required=False, label="Screening flags that apply",
        help_text="Leave empty for facial acupuncture: every screening flag applies. For a service without facial "
                  "needling, list the flag codes that still stop it, separated by commas (e.g. blood_pressure, "
                  "acute_illness); the others, such as the waits after cosmetic procedures, are then ignored.")

    class Meta:
        model = Service
        fields = ["name", "slug", "description", "duration_minutes", "buffer_after_minutes", "price", "is_active",
                  "bookable_online", "new_clients_allowed", "is_initial_consultation", "requires_intake",
                  "screening_codes", "aftercare_note"]

    def clean_aftercare_note(self) -> str:
        # Browsers send textarea lines as CRLF; the email builder finds paragraphs at blank lines ("\n\n").
        return "\n".join(line.rstrip() for line in self.cleaned_data["aftercare_note"].splitlines()).strip()


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceAdminForm
    list_display = ["name", "duration_minutes", "buffer_after_minutes", "price", "bookable_online",
                    "new_clients_allowed", "is_initial_consultation", "is_active"]
    list_filter = ["bookable_online", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", ("duration_minutes", "buffer_after_minutes"), "price",
                           "is_active"]}),
        ("Who may book", {"fields": ["bookable_online", "new_clients_allowed", "is_initial_consultation",
                                     "requires_intake", "screening_codes"]}),
        ("Aftercare email", {
            "fields": ["aftercare_note"],
            "description": "The advice every client gets by email after a session of this service; how long "
                           "after is set in the clinic settings. A blank line starts a new paragraph. The "
                           "practitioner can add a line for one client on the treatment note.",
        }),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "aftercare_note":
            field.widget.attrs.update(rows=14, cols=80)  # room to read the whole note while editing it
        return field


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    form = WorkingHoursForm
    extra = 0


class BreakInline(admin.TabularInline):
    model = Break
    form = BreakForm
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    form = TimeOffForm
    extra = 0
    fields = ["starts_at", "ends_at", "reason"]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "is_active"]
    list_select_related = ["user"]
    filter_horizontal = ["services", "locations"]
    inlines = [WorkingHoursInline, BreakInline, TimeOffInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A named list of practitioner accounts, not a raw user id the manager would have to look up.
        if db_field.name == "user":
            from clinic.accounts.models import Role, User

            kwargs["queryset"] = User.objects.filter(role=Role.PRACTITIONER).order_by("first_name", "last_name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is TimeOff:
            for time_off in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
                _warn_about_booked_sessions(request, time_off)


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    form = TimeOffForm
    list_display = ["__str__", "practitioner", "location", "starts_at", "ends_at", "reason"]
    list_filter = ["location"]
    date_hierarchy = "starts_at"

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        _warn_about_booked_sessions(request, obj)


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "action", "details"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "service", "practitioner", "location", "room", "status", "booked_via"]
    list_filter = ["status", "location", "practitioner"]
    list_select_related = ["service", "practitioner__user", "location", "room"]
    date_hierarchy = "starts_at"
    inlines = [AppointmentEventInline]
    actions = ["cancel_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # view only: changes go through the services (checks, notifications, history)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Cancel the selected appointments (notifies the clients)")
    def cancel_selected(self, request, queryset):
        # Cancelling emails every client at once: show what will happen and ask for a reason first
        # (a Django admin action otherwise runs the moment "Go" is pressed).
        reason = request.POST.get("reason", "").strip()
        if request.POST.get("confirm") != "yes" or not reason:
            return TemplateResponse(request, "admin/booking/appointment/cancel_confirmation.html", {
                **self.admin_site.each_context(request), "title": "Cancel these appointments?",
                "opts": self.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "appointments": queryset.select_related("client", "service", "practitioner__user", "location"),
                "reason": reason, "missing_reason": request.POST.get("confirm") == "yes",
            })
        cancelled = 0
        for appointment in queryset.select_related("location"):
            try:
                services.appointment_cancel(appointment=appointment, actor=request.user, by_staff=True,
                                            reason=reason)
                cancelled += 1
            except services.BookingError as exc:
                messages.warning(request, f"Appointment {appointment.pk}: {exc.message}")
        messages.success(request, f"{cancelled} appointment(s) cancelled.")
        return None


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["__str__", "practitioner", "created_at"]
    list_select_related = ["service", "practitioner__user"]
    raw_id_fields = ["client"]
