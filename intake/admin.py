"""Admin: versions are read-only (a change is a new version in intake/definitions.py) and answers are
not shown here at all, since the admin is open to managers who may not read clinical data."""

from django.contrib import admin

from .models import ConsentVersion, IntakeSettings, QuestionnaireVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "created_at"]
    exclude = ["definition"]


@admin.register(ConsentVersion)
class ConsentVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "created_at"]


@admin.register(IntakeSettings)
class IntakeSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not IntakeSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
