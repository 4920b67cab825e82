from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import TwoFactorDevice, User, normalise_email


class _NormalisedEmailMixin:
    """The admin stores an email in the one spelling sign-up and log-in use (see ``normalise_email``)."""

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        taken = User.objects.filter(email__iexact=email).exclude(pk=getattr(self.instance, "pk", None))
        if taken.exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


class UserAdminChangeForm(_NormalisedEmailMixin, UserChangeForm):
    pass


class UserAdminCreationForm(_NormalisedEmailMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["email"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "phone", "date_of_birth"]}),
        ("Role", {"fields": ["role", "can_view_clinical", "is_active", "is_staff", "is_superuser"]}),
        ("Communication", {"fields": ["email_verified_at", "email_reminders", "sms_reminders", "marketing_ok"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "first_name", "last_name", "role", "password1", "password2"]})]


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    """Who has two-factor sign-in; deleting a device resets it (a lost phone). The secret is never shown."""

    list_display = ["user", "confirmed_at"]
    fields = ["user", "confirmed_at"]
    readonly_fields = ["user", "confirmed_at"]
    search_fields = ["user__email", "user__last_name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
