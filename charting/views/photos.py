"""Photo pages: the session's photos (take and upload), the permission-checked file view, the comparison, and the
client's own photo consent (and, if the clinic allows it, her own comparison).

Every file is streamed by ``_stream`` after the caller has checked who asks: a photo has no other URL. Another
client's photo, or one outside the practitioner's care, answers 404; roles without the capability get 403.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from booking.models import Appointment
from clinic.accounts.models import Role, User
from clinic.accounts.permissions import Cap, require
from clinic.core.http import client_ip
from intake.access import may_see_client

from .. import photos as services
from ..models import PHOTO_CONSENT_TEXTS, PHOTO_CONSENT_VERSION, Photo, Pose
from ..photo_forms import PhotoConsentForm, PhotoConsentWithdrawForm, PhotoUploadForm

STANDARD_POSES = [Pose.FRONT, Pose.LEFT, Pose.RIGHT]


def photo_view(cap: Cap) -> Callable:
    """``@require(cap)`` and no-store: these pages show a client's face."""

    def decorator(view: Callable) -> Callable:
        wrapped = never_cache(require(cap)(view))
        wrapped.required_cap = cap  # type: ignore[attr-defined]
        return wrapped

    return decorator


# -- the session page -------------------------------------------------------------------------------------

@photo_view(Cap.VIEW_CLINICAL)
def session_photos(request, appointment_id: int):
    """The session's photos, one card per pose; its practitioner takes or uploads them here."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("client", "service", "location", "practitioner__user"), pk=appointment_id)
    if not may_see_client(request.user, appointment.client, clinic=request.clinic):
        raise Http404("Not in this person's care.")
    failed: PhotoUploadForm | None = None
    if request.method == "POST":
        form = PhotoUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                photo = services.photo_upload(
                    appointment=appointment, actor=request.user, pose=form.cleaned_data["pose"],
                    label=form.cleaned_data["label"], upload=form.cleaned_data["image"], request=request)
            except services.PhotoError as exc:
                form.add_error("image", exc.message)
            else:
                messages.success(request, f"{photo.pose_label} photo saved.")
                return redirect("charting:session_photos", appointment.pk)
        failed = form
        if form["pose"].value() not in Pose.values:  # a stale or forged form: no card to show the error on
            messages.error(request, "Please choose a pose: front, left or right three-quarter, or close-up.")
    return render(request, "charting/photos_session.html", _session_context(request, appointment, failed),
                  status=400 if failed is not None else 200)


def _session_context(request, appointment: Appointment, failed: PhotoUploadForm | None) -> dict:
    photos = list(Photo.objects.filter(appointment=appointment, hidden_at=None))
    failed_pose = failed["pose"].value() if failed is not None else None
    cards = []
    for pose in [*STANDARD_POSES, Pose.CLOSE_UP]:
        form = failed if failed_pose == pose else PhotoUploadForm(initial={"pose": pose})
        cards.append({"pose": pose, "label": Pose(pose).label, "form": form,
                      "photos": [p for p in photos if p.pose == pose]})
    is_theirs = appointment.practitioner.user_id == request.user.pk
    consent = services.photo_consent_current(client=appointment.client)
    return {"appointment": appointment, "cards": cards, "consent": consent, "is_theirs": is_theirs,
            "can_take": is_theirs and consent is not None and request.user.role == Role.PRACTITIONER,
            "local_start": appointment.local_starts_at}


# -- the files --------------------------------------------------------------------------------------------

def _stream(request, photo: Photo, *, thumbnail: bool) -> HttpResponse:
    try:
        handle = services.photo_open(photo=photo, viewer=request.user, thumbnail=thumbnail, request=request)
    except (Photo.DoesNotExist, FileNotFoundError):
        raise Http404("No such photo.") from None
    response = FileResponse(handle, content_type="image/jpeg", as_attachment=False,
                            filename=f"photo-{photo.pk}{'-small' if thumbnail else ''}.jpg")
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _visible_photo(pk: int) -> Photo:
    return get_object_or_404(Photo.objects.select_related("client"), pk=pk, hidden_at=None)


@photo_view(Cap.VIEW_CLINICAL)
def photo_file(request, pk: int, size: str = "full"):
    photo = _visible_photo(pk)
    if not may_see_client(request.user, photo.client, clinic=request.clinic):
        raise Http404("No such photo.")
    return _stream(request, photo, thumbnail=size == "thumb")


@photo_view(Cap.BOOK_ONLINE)
def my_photo_file(request, pk: int, size: str = "full"):
    photo = _visible_photo(pk)
    if photo.client_id != request.user.pk or not request.clinic.clients_see_photos:
        raise Http404("No such photo.")
    return _stream(request, photo, thumbnail=size == "thumb")


# -- the comparison ---------------------------------------------------------------------------------------

def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _comparison(request, client: User, *, file_url: str) -> dict:
    """First versus latest photo of a pose, or the two the page asked for (``a``, ``b``)."""
    photos = list(Photo.objects.filter(client=client, hidden_at=None).select_related("appointment__location")
                  .order_by("appointment__starts_at", "taken_at", "id"))
    by_id = {p.pk: p for p in photos}
    a, b = by_id.get(_int(request.GET.get("a"))), by_id.get(_int(request.GET.get("b")))
    if (request.GET.get("a") and a is None) or (request.GET.get("b") and b is None):
        messages.info(request, "One of the photos asked for is not available: showing the first and the latest.")
    pose = request.GET.get("pose") if request.GET.get("pose") in Pose.values else (a or b).pose if (a or b) \
        else Pose.FRONT
    of_pose = [p for p in photos if p.pose == pose]
    if a is None and of_pose:
        a = of_pose[0]
    if b is None and of_pose:
        b = of_pose[-1] if of_pose[-1] != a else None
    poses = [{"value": value, "label": label, "count": sum(1 for p in photos if p.pose == value)}
             for value, label in Pose.choices]
    return {"client": client, "photos": photos, "a": a, "b": b, "pose": pose, "poses": poses,
            "file_url": file_url}


@photo_view(Cap.VIEW_CLINICAL)
def compare(request, client_id: int):
    client = get_object_or_404(User, pk=client_id, role=Role.CLIENT)
    if not may_see_client(request.user, client, clinic=request.clinic):
        raise Http404("Not in this person's care.")
    context = _comparison(request, client, file_url="charting:photo_file")
    return render(request, "charting/compare.html", {**context, "own": False})


@photo_view(Cap.BOOK_ONLINE)
def my_compare(request):
    if not request.clinic.clients_see_photos:
        raise Http404("The clinic does not show photos in clients' accounts.")
    context = _comparison(request, request.user, file_url="charting:my_photo_file")
    return render(request, "charting/compare.html", {**context, "own": True})


# -- the client's photo consent ---------------------------------------------------------------------------

@photo_view(Cap.BOOK_ONLINE)
def my_photo_consent(request):
    """The client reads, gives or (on its own page) withdraws her consent to photographs."""
    consent = services.photo_consent_current(client=request.user)
    form = PhotoConsentForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and consent is None and form.is_valid():
        try:
            services.photo_consent_give(client=request.user, typed_name=form.cleaned_data["full_name"],
                                        ip_address=client_ip(request), request=request)
        except services.PhotoError as exc:
            messages.info(request, exc.message)
        else:
            messages.success(request, "Thank you: your practitioner may now take photographs at your sessions.")
        return redirect("charting:my_photo_consent")
    return render(request, "charting/photo_consent.html", {
        "consent": consent, "form": form, "text": PHOTO_CONSENT_TEXTS[PHOTO_CONSENT_VERSION],
        "can_compare": request.clinic.clients_see_photos and consent is not None
        and Photo.objects.filter(client=request.user, hidden_at=None).exists(),
        "withdrawn": request.user.photo_consents.exclude(withdrawn_at=None).first(),
    }, status=400 if form.is_bound and form.errors else 200)


@photo_view(Cap.BOOK_ONLINE)
def my_photo_consent_withdraw(request):
    consent = services.photo_consent_current(client=request.user)
    if consent is None:
        messages.info(request, "There is no consent to photographs to withdraw.")
        return redirect("charting:my_photo_consent")
    form = PhotoConsentWithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.photo_consent_withdraw(client=request.user, request=request)
        except services.PhotoError as exc:  # a second tab withdrew it a moment ago
            messages.info(request, exc.message)
        else:
            messages.success(request, "Your consent is withdrawn: no more photographs, and the clinic's copies of "
                                      "yours are being deleted.")
        return redirect("charting:my_photo_consent")
    photo_count = Photo.objects.filter(client=request.user, hidden_at=None).count()
    return render(request, "charting/photo_consent_withdraw.html",
                  {"consent": consent, "form": form, "photo_count": photo_count}, status=400 if form.errors else 200)
