"""The manager's pages for the schedule: services, rooms, practitioners' weekly hours, breaks and profiles, time
off and closures. They replace the Django admin for day-to-day editing; every write goes through
``booking.schedule``, which enforces the rules."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinic.accounts.permissions import Cap, require

from . import schedule
from .forms_manage import BreakForm, ProfileForm, RoomForm, ServiceForm, TimeOffForm, WorkingHoursForm
from .models import Break, Location, Practitioner, Room, Service, TimeOff, WorkingHours


def _save(request, form, save, **kwargs) -> schedule.Saved | None:
    """Run a schedule service for a valid form; a refusal becomes an error on the form (typed values kept)."""
    try:
        saved = save(**kwargs)
    except schedule.ScheduleError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None
    for warning in saved.warnings:
        messages.warning(request, warning)
    return saved


@require(Cap.MANAGE_CLINIC)
def services(request):
    return render(request, "booking/manage/services.html", {"services": Service.objects.all()})


@require(Cap.MANAGE_CLINIC)
def service_edit(request, pk: int | None = None):
    service = get_object_or_404(Service, pk=pk) if pk else Service()
    form = ServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid() and _save(request, form, schedule.service_save,
                                                              service=form.instance):
        messages.success(request, f"“{form.instance.name}” saved.")
        return redirect("manage_schedule:services")
    return render(request, "booking/manage/form.html", {
        "form": form, "title": f"Edit {service.name}" if pk else "New service",
        "back": "manage_schedule:services", "back_label": "Services"})


@require(Cap.MANAGE_CLINIC)
def rooms(request):
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _save(request, form, schedule.room_save, room=form.instance):
        messages.success(request, f"Room “{form.instance.name}” added.")
        return redirect("manage_schedule:rooms")
    return render(request, "booking/manage/rooms.html", {
        "form": form, "locations": Location.objects.prefetch_related("rooms")})


@require(Cap.MANAGE_CLINIC)
def room_edit(request, pk: int):
    room = get_object_or_404(Room, pk=pk)
    form = RoomForm(request.POST or None, instance=room)
    if request.method == "POST" and form.is_valid() and _save(request, form, schedule.room_save, room=form.instance):
        messages.success(request, f"Room “{form.instance.name}” saved.")
        return redirect("manage_schedule:rooms")
    return render(request, "booking/manage/form.html", {
        "form": form, "title": f"Edit {room.name}", "back": "manage_schedule:rooms", "back_label": "Rooms"})


@require(Cap.MANAGE_CLINIC)
def practitioners(request):
    return render(request, "booking/manage/practitioners.html", {
        "practitioners": Practitioner.objects.select_related("user").prefetch_related("locations")})


@require(Cap.MANAGE_CLINIC)
def practitioner_schedule(request, pk: int):
    """One practitioner's week (shifts and breaks, each added, edited or removed here) and public profile."""
    practitioner = get_object_or_404(Practitioner.objects.select_related("user"), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    hours = _owned(WorkingHours, practitioner, request.GET.get("hours") or request.POST.get("hours_id"))
    brk = _owned(Break, practitioner, request.GET.get("break") or request.POST.get("break_id"))
    hours_form = WorkingHoursForm(request.POST if action == "hours" else None, instance=hours,
                                  practitioner=practitioner, prefix="hours")
    break_form = BreakForm(request.POST if action == "break" else None, instance=brk, practitioner=practitioner,
                           prefix="break")
    profile_form = ProfileForm(request.POST if action == "profile" else None,
                               request.FILES if action == "profile" else None,
                               initial={"title": practitioner.title, "bio": practitioner.bio}, prefix="profile")
    saved = None
    if action == "hours" and hours_form.is_valid():
        saved = _save(request, hours_form, schedule.working_hours_save, hours=hours_form.instance)
    elif action == "break" and break_form.is_valid():
        saved = _save(request, break_form, schedule.break_save, brk=break_form.instance)
    elif action == "profile" and profile_form.is_valid():
        data = profile_form.cleaned_data
        saved = _save(request, profile_form, schedule.practitioner_profile_save, practitioner=practitioner,
                      title=data["title"], bio=data["bio"], photo=data["photo"] or None,
                      remove_photo=data["remove_photo"])
    if saved is not None:
        messages.success(request, "Saved.")
        return redirect("manage_schedule:practitioner", practitioner.pk)
    return render(request, "booking/manage/practitioner.html", {
        "practitioner": practitioner, "hours_form": hours_form, "break_form": break_form,
        "profile_form": profile_form, "editing_hours": hours, "editing_break": brk,
        "hours": practitioner.working_hours.select_related("location"), "breaks": practitioner.breaks.all(),
        "outside": schedule.sessions_outside_hours(practitioner=practitioner),
    })


def _owned(model, practitioner: Practitioner, pk: str | None):
    if not pk or not str(pk).isdigit():
        return None
    return get_object_or_404(model, pk=pk, practitioner=practitioner)


@require_POST
@require(Cap.MANAGE_CLINIC)
def practitioner_delete_hours(request, pk: int, item: int):
    practitioner = get_object_or_404(Practitioner, pk=pk)
    if request.POST.get("kind") == "break":
        schedule.break_delete(brk=get_object_or_404(Break, pk=item, practitioner=practitioner))
    else:
        saved = schedule.working_hours_delete(hours=get_object_or_404(WorkingHours, pk=item,
                                                                      practitioner=practitioner))
        for warning in saved.warnings:
            messages.warning(request, warning)
    messages.success(request, "Removed.")
    return redirect("manage_schedule:practitioner", practitioner.pk)


@require(Cap.MANAGE_CLINIC)
def time_off(request):
    return render(request, "booking/manage/time_off.html", {"entries": schedule.closures_and_time_off()})


@require(Cap.MANAGE_CLINIC)
def time_off_edit(request, pk: int | None = None):
    entry = get_object_or_404(TimeOff, pk=pk) if pk else TimeOff()
    initial = {"practitioner": request.GET.get("practitioner")} if not pk else None
    form = TimeOffForm(request.POST or None, instance=entry, tz=request.clinic.tz, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, schedule.time_off_save, time_off=form.instance)
        if saved:
            messages.success(request, "Time off saved.")
            return redirect("manage_schedule:time_off")
    return render(request, "booking/manage/form.html", {
        "form": form, "title": "Edit time off" if pk else "New time off or closure",
        "back": "manage_schedule:time_off", "back_label": "Time off and closures",
        "note": f"Times are in the clinic's zone ({request.clinic.time_zone}). Booked sessions are never cancelled "
                "by time off: you are told which ones to move."})


@require_POST
@require(Cap.MANAGE_CLINIC)
def time_off_delete(request, pk: int):
    get_object_or_404(TimeOff, pk=pk).delete()
    messages.success(request, "Time off removed.")
    return redirect("manage_schedule:time_off")


def practitioner_photo(request, pk: int):
    """A practitioner's profile photo, public like the booking pages that show it."""
    practitioner = get_object_or_404(Practitioner, pk=pk, is_active=True)
    if not practitioner.photo or not default_storage.exists(practitioner.photo.name):
        raise Http404
    response = FileResponse(default_storage.open(practitioner.photo.name), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600"
    return response
