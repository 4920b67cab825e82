"""The manager's editor for the schedule: locations, rooms, services, practitioners, hours and time off.

Appointments are read-only here: booking, moving and cancelling go through ``booking.services`` (the
front desk's calendar), which check the schedule and notify the client. The one admin action, cancel,
calls the service too.
"""

from __future__ import annotations

from django.contrib import admin, messages

from . import services
from .models import (
    Appointment,
    AppointmentEvent,
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


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "phone", "is_active"]
    inlines = [RoomInline, OpeningHoursInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "duration_minutes", "buffer_after_minutes", "price", "bookable_online",
                    "new_clients_allowed", "is_initial_consultation", "is_active"]
    list_filter = ["bookable_online", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class BreakInline(admin.TabularInline):
    model = Break
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0
    fields = ["starts_at", "ends_at", "reason"]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "is_active"]
    list_select_related = ["user"]
    filter_horizontal = ["services", "locations"]
    raw_id_fields = ["user"]
    inlines = [WorkingHoursInline, BreakInline, TimeOffInline]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["__str__", "practitioner", "location", "starts_at", "ends_at", "reason"]
    list_filter = ["location"]
    date_hierarchy = "starts_at"


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
    def cancel_selected(self, request, queryset) -> None:
        cancelled = 0
        for appointment in queryset.select_related("location"):
            try:
                services.appointment_cancel(appointment=appointment, actor=request.user, by_staff=True,
                                            reason="Cancelled by the clinic")
                cancelled += 1
            except services.BookingError as exc:
                messages.warning(request, f"Appointment {appointment.pk}: {exc.message}")
        messages.success(request, f"{cancelled} appointment(s) cancelled.")


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["__str__", "practitioner", "created_at"]
    list_select_related = ["service", "practitioner__user"]
    raw_id_fields = ["client"]
