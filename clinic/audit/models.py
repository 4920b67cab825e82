from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Append-only record of who viewed, exported or changed sensitive data.

    Rows carry ids and an action verb only, never the data itself. On PostgreSQL a trigger
    (migration 0002) refuses UPDATE and DELETE; on SQLite a hash chain makes tampering detectable
    (``manage.py audit_verify``); the admin is read-only everywhere.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="audit_events", verbose_name=_("who"))
    action = models.CharField(_("action"), max_length=40)  # e.g. "intake.view", "intake.submit"
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="audit_subject_events", verbose_name=_("whose data"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # SQLite has no trigger to refuse UPDATE and DELETE: there each row carries a keyed hash of its content and
    # of the row before it (clinic.audit.chain), so a row changed, deleted or slipped in is detected.
    chain = models.CharField(_("chain hash"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["subject", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}:{self.object_id}"


class BreakGlassAccess(models.Model):
    """An emergency opening of one client's clinical record by someone outside her care, with the reason given.

    Open until ``expires_at``; the opening itself is in the audit log ("record.break_glass") and every read
    during it is audited as usual.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_opened",
                              verbose_name=_("who"))
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="break_glass_subject", verbose_name=_("whose record"))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    expires_at = models.DateTimeField(_("open until"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("emergency record access")
        verbose_name_plural = _("emergency record accesses")
        indexes = [models.Index(fields=["actor", "client", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_id} -> {self.client_id}"
