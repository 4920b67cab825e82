"""Charting: the practitioner's point map per session (c1) and before-and-after photos (c2)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# -- Before-and-after photos (c2) ------------------------------------------------------------------

PHOTO_CONSENT_TEXTS = {
    1: "I agree that my practitioner may take photographs of my face (front, both three-quarter views and close-ups "
       "of areas being treated) at my sessions, to follow how my skin changes over a course of treatment. The "
       "photographs are kept privately by the clinic, seen only by the practitioners who treat me (and by me, if "
       "the clinic offers it), never published or shared, and never used for advertising. This consent is "
       "optional: my treatment does not depend on it. I can withdraw it at any time from my account; the clinic "
       "then stops taking photographs and deletes the ones it holds.",
}
PHOTO_CONSENT_VERSION = max(PHOTO_CONSENT_TEXTS)


class PhotoConsent(models.Model):
    """A client's separate, optional consent to before-and-after photographs: one row each time she gives it.

    At most one is in force per client (a partial unique constraint); withdrawing stamps ``withdrawn_at`` and the
    row stays, as the record that consent was given and withdrawn.
    """

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="photo_consents",
                               verbose_name=_("client"))
    text_version = models.PositiveSmallIntegerField(_("consent text version"))
    typed_name = models.CharField(_("typed full name"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("photo consent")
        constraints = [models.UniqueConstraint(fields=["client"], condition=Q(withdrawn_at=None),
                                               name="charting_one_photo_consent_in_force")]

    def __str__(self) -> str:
        return f"Photo consent v{self.text_version} by client {self.client_id} at {self.given_at:%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        return PHOTO_CONSENT_TEXTS.get(self.text_version, "")


class Pose(models.TextChoices):
    FRONT = "front", _("Front")
    LEFT = "left", _("Left three-quarter")
    RIGHT = "right", _("Right three-quarter")
    CLOSE_UP = "close_up", _("Close-up")


class Photo(models.Model):
    """One photograph of a session, stored privately (``STORAGES["photos"]``) under random names.

    The files were re-encoded on upload (orientation applied, every metadata block dropped); the names are never
    shown as URLs: ``charting.views.photos`` streams them after checking who asks. ``hidden_at`` is set when the
    consent is withdrawn or the client erased: a hidden photo is shown to nobody and is deleted (files, then row)
    straight after (``charting.photos.photos_purge_hidden``).
    """

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="photos",
                               verbose_name=_("client"))
    appointment = models.ForeignKey("booking.Appointment", on_delete=models.PROTECT, related_name="photos",
                                    verbose_name=_("session"))
    consent = models.ForeignKey(PhotoConsent, on_delete=models.PROTECT, related_name="photos",
                                verbose_name=_("taken under consent"))
    pose = models.CharField(_("pose"), max_length=10, choices=Pose.choices)
    label = models.CharField(_("label"), max_length=60, blank=True, help_text=_("For a close-up: which area."))
    file_name = models.CharField(_("file"), max_length=120, unique=True)
    thumb_name = models.CharField(_("thumbnail"), max_length=120, unique=True)
    width = models.PositiveIntegerField(_("width (px)"))
    height = models.PositiveIntegerField(_("height (px)"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="photos_taken",
                                 verbose_name=_("taken by"))
    taken_at = models.DateTimeField(_("taken"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden (to be deleted)"), null=True, blank=True)

    class Meta:
        ordering = ["taken_at", "id"]
        verbose_name = _("photo")
        indexes = [models.Index(fields=["client", "pose", "taken_at"])]
        constraints = [
            # One photo per standard pose per session: a retake replaces it. Close-ups are as many as needed.
            models.UniqueConstraint(fields=["appointment", "pose"],
                                    condition=Q(hidden_at=None) & ~Q(pose="close_up"),
                                    name="charting_one_photo_per_pose_per_session"),
        ]

    def __str__(self) -> str:
        return f"Photo {self.pk} ({self.pose}) of appointment {self.appointment_id}"

    @property
    def pose_label(self) -> str:
        name = str(self.get_pose_display())
        return f"{name}: {self.label}" if self.label else name


# -- Point maps (c1) -------------------------------------------------------------------------------

MAX_NEEDLES = 120  # the treatment note's own limit: no session needs more, a bigger total is a slip
MAX_RETENTION_MINUTES = 90


class PointMapContent(models.Model):
    """What was needled in one session, as marked on the diagrams: the part a correction changes and history keeps.

    ``points``: catalogue points, ``[{"code": "ST3", "side": "L"}]`` (side "" on the midline; codes as in
    ``charting.points``). ``local_needles``: needles that are not catalogue points, either tapped on a face view,
    ``{"view": "front", "x": 121.5, "y": 80}`` (one needle each), or counted along a line or wrinkle,
    ``{"region": "forehead", "count": 6}``. ``needle_count`` is their total, computed by the service.
    """

    CONTENT_FIELDS = ("points", "local_needles", "needle_count", "retention_minutes")

    points = models.JSONField(_("points"), default=list, blank=True)
    local_needles = models.JSONField(_("local needles"), default=list, blank=True)
    needle_count = models.PositiveSmallIntegerField(_("needles"), default=0)
    retention_minutes = models.PositiveSmallIntegerField(_("needles retained (minutes)"), null=True, blank=True)

    class Meta:
        abstract = True

    def content(self) -> dict:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}


class PointMap(PointMapContent):
    """The current point map of one session. Like the treatment note it sits beside, it is corrected, not
    overwritten: a change first copies the version it replaces into ``PointMapVersion``
    (``charting.services.point_map_save``). Kept per appointment rather than per note version so the map can be
    marked during the session, before the note is written; the two histories are side by side, both timed."""

    appointment = models.OneToOneField("booking.Appointment", on_delete=models.PROTECT, related_name="point_map",
                                       verbose_name=_("session"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("saved by"))
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("point map")
        constraints = [models.CheckConstraint(condition=Q(needle_count__lte=MAX_NEEDLES),
                                              name="charting_point_map_needles_max")]

    def __str__(self) -> str:
        return f"Point map of appointment {self.appointment_id}"


class PointMapVersion(PointMapContent):
    """An earlier version of a session's point map, as it was when a correction replaced it. Never changed."""

    point_map = models.ForeignKey(PointMap, on_delete=models.PROTECT, related_name="earlier_versions")
    number = models.PositiveSmallIntegerField(_("version"))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("saved by"))
    saved_at = models.DateTimeField(_("saved"))
    replaced_at = models.DateTimeField(_("replaced"), default=timezone.now)

    class Meta:
        ordering = ["point_map", "-number"]
        verbose_name = _("earlier point map version")
        constraints = [models.UniqueConstraint(fields=["point_map", "number"], name="charting_point_map_version_once")]

    def __str__(self) -> str:
        return f"Version {self.number} of point map {self.point_map_id}"


class PlanMap(PointMapContent):
    """The planned points of a course, marked on the diagrams beside the intake assessment's treatment plan: the
    first session's map starts from it. The plan is revised rather than kept version by version, as the assessment
    it belongs to; it goes with the assessment when the clinical record is purged."""

    assessment = models.OneToOneField("intake.Assessment", on_delete=models.CASCADE, related_name="plan_map",
                                      verbose_name=_("assessment"))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("saved by"))
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("planned point map")
        constraints = [models.CheckConstraint(condition=Q(needle_count__lte=MAX_NEEDLES),
                                              name="charting_plan_map_needles_max")]

    def __str__(self) -> str:
        return f"Planned points of assessment {self.assessment_id}"
