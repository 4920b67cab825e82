"""Before-and-after photos: the separate photo consent, upload (validation, metadata stripping, private storage),
reading one photo (audited), and erasure and export.

Every path (the session page, a script, a stale form) goes through these functions; the views only adapt HTTP.
What a photo file may be is decided by its content, never its name or the browser's content type: it must open in
Pillow as a JPEG, PNG or HEIC/HEIF, within size and dimension limits. What is stored is a new JPEG drawn from the
pixels alone (orientation applied), so no EXIF, GPS, camera, text chunk or XMP block of the original survives.

Withdrawing the photo consent (or the client's erasure) hides her photos at once and deletes them straight after:
consent is the only reason the clinic holds them, unlike the treatment note, which is the clinical record of the
session and follows the clinical retention period. A photo nobody may look at has no use left in her care.
"""

from __future__ import annotations

import io
import logging
import secrets
import warnings
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from booking.models import Appointment, AppointmentStatus
from clinic.accounts.models import Role
from clinic.audit.services import audit_record
from clinic.core.http import strip_control

from .models import PHOTO_CONSENT_VERSION, Photo, PhotoConsent, Pose

logger = logging.getLogger(__name__)

register_heif_opener()  # iPhones save HEIC by default

ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "HEIF": "HEIC"}  # Pillow's name -> what people call it
MAX_SIDE = 8000  # px: a 48-megapixel phone photo is 8064 x 6048 at most after the camera's own scaling
MIN_SIDE = 200  # px: smaller cannot show skin
# Pillow refuses to decode past twice this (DecompressionBombError) and warns past it; we refuse at the warning.
MAX_PIXELS = MAX_SIDE * MAX_SIDE
STORED_LONG_SIDE = 2400  # px: enough to compare fine lines, a few hundred KB per photo
THUMB_LONG_SIDE = 480
JPEG_QUALITY = 88
# Photos may be taken from this long before the session starts: the "before" photo is taken on arrival.
EARLIEST_BEFORE_START_MINUTES = 60


class PrivatePhotoStorage(FileSystemStorage):
    """The local disk, outside MEDIA_ROOT and STATIC: a photo has no URL, only the permission-checked view."""

    def url(self, name):
        raise NotImplementedError("Photos have no public URL: use charting.views.photos.")


def photo_storage():
    return storages["photos"]


class PhotoError(Exception):
    """A user-facing reason a photo or a photo consent was refused (``.message``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- the image itself -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreparedImage:
    photo: bytes
    thumbnail: bytes
    width: int
    height: int


def _max_bytes() -> int:
    return settings.PHOTO_MAX_MB * 1024 * 1024


def image_prepare(upload) -> PreparedImage:
    """Check an uploaded file and return it re-encoded as JPEG without any metadata, upright, plus a thumbnail.

    Raises PhotoError with a plain reason for anything that is not a usable photo."""
    size = getattr(upload, "size", None)
    if size is not None and size > _max_bytes():
        raise PhotoError(f"This file is {size / 1024 / 1024:.0f} MB: a photo can be at most {settings.PHOTO_MAX_MB} "
                         "MB. Take it again with the camera, or choose a smaller copy.")
    upload.seek(0)
    data = upload.read(_max_bytes() + 1)
    if len(data) > _max_bytes():
        raise PhotoError(f"This file is larger than {settings.PHOTO_MAX_MB} MB, the most a photo can be.")
    not_a_photo = PhotoError("This file is not a photo the clinic can use: please choose a JPEG, PNG or HEIC "
                             "(iPhone) image.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS)) as probe:
                _check_dimensions(probe.size)
                probe.verify()  # reads the whole file: a truncated or forged image fails here
            with Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS)) as image:
                image.load()
                return _reencode(image)
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_big() from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise not_a_photo from None


def _too_big() -> PhotoError:
    return PhotoError(f"This image is too large: at most {MAX_SIDE} pixels on each side. Please choose the "
                      "photo as the camera took it, or a smaller copy.")


def _check_dimensions(size: tuple[int, int]) -> None:
    width, height = size
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise _too_big()
    if width < MIN_SIDE or height < MIN_SIDE:
        raise PhotoError(f"This image is too small ({width} x {height} pixels): a photo must be at least "
                         f"{MIN_SIDE} pixels on each side to show the skin.")


def _reencode(image: Image.Image) -> PreparedImage:
    upright = ImageOps.exif_transpose(image)
    rgb = _to_srgb(upright)
    rgb.thumbnail((STORED_LONG_SIDE, STORED_LONG_SIDE), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: nothing of the original's info (EXIF, GPS, XMP, text chunks,
    # comments, ICC) can travel with it into the stored file.
    clean = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    thumb = clean.copy()
    thumb.thumbnail((THUMB_LONG_SIDE, THUMB_LONG_SIDE), Image.Resampling.LANCZOS)
    return PreparedImage(photo=_jpeg(clean), thumbnail=_jpeg(thumb), width=clean.width, height=clean.height)


def _to_srgb(image: Image.Image) -> Image.Image:
    """The image as plain RGB in sRGB, so photos from different cameras compare side by side without a colour
    shift (iPhones shoot in Display P3); transparency is laid on white."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        base = Image.new("RGB", rgba.size, "white")
        base.paste(rgba, mask=rgba.getchannel("A"))
        image = base
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: the pixels as they are
    return image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _random_name(kind: str) -> str:
    # Names say nothing about the client, the session or the time, and cannot be guessed.
    return f"{kind}/{secrets.token_urlsafe(24)}.jpg"


# -- consent -------------------------------------------------------------------------------------------

def photo_consent_current(*, client) -> PhotoConsent | None:
    return PhotoConsent.objects.filter(client=client, withdrawn_at=None).first()


def photo_consent_give(*, client, typed_name: str, ip_address: str | None, request=None) -> PhotoConsent:
    """The client gives her consent to photographs, signing with her typed name."""
    if getattr(client, "role", None) != Role.CLIENT or not client.is_active:
        raise PhotoError("Only a client can give consent to photographs, from her own account.")
    typed_name = " ".join(strip_control(typed_name or "").split())
    if not typed_name:
        raise PhotoError("Please type your full name to sign.")
    try:
        with transaction.atomic():
            consent = PhotoConsent.objects.create(client=client, text_version=PHOTO_CONSENT_VERSION,
                                                  typed_name=typed_name[:200], ip_address=ip_address,
                                                  given_at=timezone.now())
            audit_record(actor=client, action="photo_consent.give", obj=consent, subject=client, request=request)
    except IntegrityError:  # the one-in-force constraint: a second tab or a double click
        raise PhotoError("You have already given your consent to photographs.") from None
    logger.info("client %s gave photo consent %s", client.pk, consent.pk)
    return consent


def photo_consent_withdraw(*, client, request=None) -> PhotoConsent:
    """The client withdraws her photo consent: no new photos, and every photo of hers is hidden at once and
    deleted straight after the commit (see the module docstring for why not after the retention period)."""
    now = timezone.now()
    with transaction.atomic():
        # The row lock orders a withdrawal and an upload in progress (photo_upload locks the same row).
        consent = PhotoConsent.objects.select_for_update().filter(client=client, withdrawn_at=None).first()
        if consent is None:
            raise PhotoError("There is no consent to photographs to withdraw.")
        PhotoConsent.objects.filter(pk=consent.pk).update(withdrawn_at=now)
        consent.refresh_from_db()
        hidden = _hide_photos(client_id=client.pk, now=now)
        audit_record(actor=client, action="photo_consent.withdraw", obj=consent, subject=client, request=request)
    logger.info("client %s withdrew photo consent %s; %s photos to delete", client.pk, consent.pk, hidden)
    return consent


def _hide_photos(*, client_id: int, now) -> int:
    hidden = Photo.objects.filter(client_id=client_id, hidden_at=None).update(hidden_at=now)
    transaction.on_commit(lambda: _purge_after_commit(client_id))
    return hidden


def _purge_after_commit(client_id: int) -> None:
    try:
        photos_purge_hidden(client_id=client_id)
    except Exception:  # storage unreachable: the rows stay hidden and the hourly sweep deletes them later
        logger.exception("deleting hidden photos of client %s failed; the sweep will retry", client_id)


# -- upload --------------------------------------------------------------------------------------------

def photo_upload(*, appointment: Appointment, actor, pose: str, label: str = "", upload,
                 request=None) -> Photo:
    """The session's practitioner stores one photo of the session in a pose; a retake of a standard pose
    replaces the earlier one. Refused without the client's photo consent."""
    from intake.access import may_see_client

    client = appointment.client
    if appointment.practitioner.user_id != getattr(actor, "pk", None):
        raise PhotoError("Only the practitioner who gives this session takes its photos.")
    if not may_see_client(actor, client):
        raise PhotoError("This client's record is not open to you.")
    if appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
        raise PhotoError(f"This session is {appointment.get_status_display().lower()}: there is nothing to "
                         "photograph.")
    if timezone.now() < appointment.starts_at - timedelta(minutes=EARLIEST_BEFORE_START_MINUTES):
        raise PhotoError(f"Photos can be taken from {EARLIEST_BEFORE_START_MINUTES} minutes before the session.")
    if pose not in Pose.values:
        raise PhotoError("Please choose a pose: front, left or right three-quarter, or close-up.")
    label = " ".join(strip_control(label or "").split())[:60]  # PostgreSQL refuses a NUL: never a 500
    if pose == Pose.CLOSE_UP and not label:
        raise PhotoError("Please say which area the close-up shows, e.g. forehead lines.")
    if pose != Pose.CLOSE_UP:
        label = ""
    if photo_consent_current(client=client) is None:
        raise PhotoError(f"{client.full_name} has not given consent to photographs (or has withdrawn it): no "
                         "photo can be taken. She can give it from her account.")
    prepared = image_prepare(upload)  # before the transaction: decoding takes a moment and locks nothing
    storage = photo_storage()
    file_name = storage.save(_random_name("photos"), ContentFile(prepared.photo))
    thumb_name = storage.save(_random_name("thumbs"), ContentFile(prepared.thumbnail))
    try:
        photo = _photo_record(appointment=appointment, actor=actor, pose=pose, label=label, prepared=prepared,
                              file_name=file_name, thumb_name=thumb_name, request=request)
    except BaseException:
        _delete_files([file_name, thumb_name])  # nothing points at them
        raise
    logger.info("photo %s stored for appointment %s", photo.pk, appointment.pk)
    return photo


def _photo_record(*, appointment, actor, pose, label, prepared, file_name, thumb_name, request) -> Photo:
    client = appointment.client
    now = timezone.now()
    with transaction.atomic():
        consent = PhotoConsent.objects.select_for_update().filter(client=client, withdrawn_at=None).first()
        if consent is None:  # withdrawn while the photo was being prepared
            raise PhotoError(f"{client.full_name} has just withdrawn consent to photographs: the photo was not "
                             "kept.")
        if pose != Pose.CLOSE_UP:
            replaced = Photo.objects.filter(appointment=appointment, pose=pose, hidden_at=None).update(hidden_at=now)
            if replaced:
                transaction.on_commit(lambda: _purge_after_commit(client.pk))
        try:
            with transaction.atomic():
                photo = Photo.objects.create(
                    client=client, appointment=appointment, consent=consent, pose=pose, label=label,
                    file_name=file_name, thumb_name=thumb_name, width=prepared.width, height=prepared.height,
                    size_bytes=len(prepared.photo), taken_by=actor, taken_at=now)
        except IntegrityError:  # another upload of the same pose won the race
            raise PhotoError("Another photo in this pose was saved for this session a moment ago: reload the "
                             "page to see it, then retake if needed.") from None
        audit_record(actor=actor, action="photo.upload", obj=photo, subject=client, request=request)
    return photo


# -- reading -------------------------------------------------------------------------------------------

def photo_open(*, photo: Photo, viewer, thumbnail: bool = False, request=None):
    """The stored file, opened for streaming, with the view written to the audit log. Callers have checked that
    ``viewer`` may see it (the views answer 404 otherwise)."""
    if photo.hidden_at is not None:
        raise Photo.DoesNotExist
    handle = photo_storage().open(photo.thumb_name if thumbnail else photo.file_name, "rb")
    try:  # a file that cannot be opened was not viewed; one that was opened is in the log before it is sent
        audit_record(actor=viewer, action="photo.view", obj=photo, subject=photo.client, request=request)
    except BaseException:
        handle.close()
        raise
    return handle


# -- erasure, export, deletion ---------------------------------------------------------------------------

def photos_erase(client) -> int:
    """Erase every photo of the client (her erasure): consent withdrawn, photos hidden now and deleted, files
    and rows, right after the caller's transaction commits. Returns how many photos go."""
    now = timezone.now()
    with transaction.atomic():
        PhotoConsent.objects.filter(client=client, withdrawn_at=None).update(withdrawn_at=now)
        return _hide_photos(client_id=client.pk, now=now)


def photos_purge_hidden(*, client_id: int | None = None) -> int:
    """Delete hidden photos: files first, then the rows, so a failure leaves a hidden row to retry, never a file
    nobody knows about. Safe to run twice at once (a missing file is already deleted)."""
    photos = Photo.objects.filter(hidden_at__isnull=False)
    if client_id is not None:
        photos = photos.filter(client_id=client_id)
    deleted = 0
    for photo in photos.only("pk", "file_name", "thumb_name"):
        _delete_files([photo.file_name, photo.thumb_name])
        deleted += Photo.objects.filter(pk=photo.pk).delete()[0]
    return deleted


def _delete_files(names: list[str]) -> None:
    storage = photo_storage()
    for name in names:
        storage.delete(name)  # FileSystemStorage and S3 both ignore a name that is already gone


def photos_export(client) -> list[dict]:
    """What a copy of her data says about her photos: when, which session, which pose (not the images: she asks
    the clinic for those, as for her treatment notes)."""
    return [{
        "session": photo.appointment.starts_at.isoformat(), "pose": photo.pose_label,
        "taken": photo.taken_at.isoformat(), "width": photo.width, "height": photo.height,
    } for photo in Photo.objects.filter(client=client, hidden_at=None).select_related("appointment")]


def photo_consents_export(client) -> list[dict]:
    return [{"consent_text_version": c.text_version, "typed_name": c.typed_name, "given": c.given_at.isoformat(),
             "from_address": c.ip_address, "withdrawn": c.withdrawn_at.isoformat() if c.withdrawn_at else None}
            for c in PhotoConsent.objects.filter(client=client).order_by("given_at")]


def photo_records_purge(*, client_id: int) -> None:
    """When an erased client's retention period ends: whatever is left of her photos, then her photo consents
    (the record that she gave and withdrew them, kept until now like her intake consent)."""
    Photo.objects.filter(client_id=client_id, hidden_at=None).update(hidden_at=timezone.now())
    photos_purge_hidden(client_id=client_id)
    PhotoConsent.objects.filter(client_id=client_id).delete()
