from django.contrib import admin

from .models import ClinicSettings, OutboxEmail


@admin.register(ClinicSettings)
class ClinicSettingsAdmin(admin.ModelAdmin):
    """One row (``ClinicSettings.load()`` reads pk=1): a second row would do nothing, deleting it would
    silently reset the clinic's name, zone and policies to the defaults."""

    def has_add_permission(self, request) -> bool:
        return not ClinicSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject"]
    search_fields = ["to", "subject"]
