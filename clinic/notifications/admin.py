"""Messages in the admin: a read-only log for looking a message up by its key.

Nothing here changes a message: resending goes through ``services.message_resend`` on the staff's
Messages page (audited, and handed to a worker), and rows are only ever written by the services.
"""

from __future__ import annotations

from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "channel", "recipient", "due_at", "state", "attempts", "sent_at"]
    list_filter = ["state", "kind", "channel"]
    list_select_related = ["recipient"]
    search_fields = ["key"]
    date_hierarchy = "due_at"
    ordering = ["-due_at", "-id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # view only: states move through the services (claims, retries, audit)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
