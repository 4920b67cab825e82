from django.contrib import admin

from .models import AuditEvent, BreakGlassAccess


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence is read, never added, edited or tidied up from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "subject", "ip_address"]
    list_filter = ["action", "object_type"]
    date_hierarchy = "at"


@admin.register(BreakGlassAccess)
class BreakGlassAccessAdmin(ReadOnlyAdmin):
    """Read-only, like the log: an emergency opening is evidence, not something to tidy up."""

    list_display = ["created_at", "actor", "client", "expires_at"]
    date_hierarchy = "created_at"
