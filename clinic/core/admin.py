from django.contrib import admin

from .models import ClinicSettings, OutboxEmail

admin.site.register(ClinicSettings)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject"]
    search_fields = ["to", "subject"]
