from django.contrib import admin

from .models import WaitlistEntry, WaitlistOffer, WaitlistOpening


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "client", "service", "practitioner", "time_of_day", "status", "created_at"]
    list_filter = ["status", "service", "location"]
    raw_id_fields = ["client", "added_by", "appointment"]


class WaitlistOfferInline(admin.TabularInline):
    model = WaitlistOffer
    extra = 0
    raw_id_fields = ["entry", "appointment"]


@admin.register(WaitlistOpening)
class WaitlistOpeningAdmin(admin.ModelAdmin):
    list_display = ["id", "starts_at", "practitioner", "location", "status", "created_at"]
    list_filter = ["status", "location"]
    raw_id_fields = ["source_appointment"]
    inlines = [WaitlistOfferInline]
