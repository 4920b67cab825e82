from __future__ import annotations

from datetime import date

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import timezone

from .models import Role, User, normalise_email

# A browser's <input type="date"> only accepts ISO dates; the en-GB default (25/12/1990) shows as blank,
# so a saved date of birth would vanish from the form and be wiped on the next save.
ISO_DATE = "%Y-%m-%d"


class _CrispyMixin:
    submit_label = "Save"

    def _setup_helper(self) -> None:
        self.helper = FormHelper()
        submit = Submit("submit", self.submit_label)
        submit.field_classes = "btn btn-clinic"  # the clinic's green, like every other main action
        self.helper.add_input(submit)


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))

    error_messages = {
        "invalid_login": "That email and password do not match an account. Both are case-sensitive "
        "except the email.",
        "inactive": "This account is inactive. Please call the clinic.",
    }


def _clean_date_of_birth(dob: date | None) -> date | None:
    if dob is None:
        return dob
    today = timezone.localdate()
    if dob >= today:
        raise forms.ValidationError("Date of birth must be in the past.")
    if today.year - dob.year > 120:
        raise forms.ValidationError("Please check the year of your date of birth.")
    return dob


class SignUpForm(_CrispyMixin, forms.ModelForm):
    submit_label = "Create my account"
    password1 = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput,
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label="Password again", strip=False, widget=forms.PasswordInput)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "date_of_birth"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email", "phone", "date_of_birth"):
            self.fields[name].required = True
        self._setup_helper()

    def clean_email(self) -> str:
        # No "already exists" error here: that would tell anyone who is a client of the clinic. The service
        # emails the owner instead, and the page answers as for a new account.
        return normalise_email(self.cleaned_data["email"])

    def _get_validation_exclusions(self) -> set[str]:
        # The model's unique email constraint would say "already exists" (see clean_email): the service's
        # IntegrityError handles a taken address instead.
        return super()._get_validation_exclusions() | {"email"}

    def clean_date_of_birth(self) -> date:
        return _clean_date_of_birth(self.cleaned_data["date_of_birth"])

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match.")
        elif p1:
            candidate = User(email=cleaned.get("email", ""), first_name=cleaned.get("first_name", ""),
                             last_name=cleaned.get("last_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class StaffCreateForm(_CrispyMixin, forms.ModelForm):
    submit_label = "Create staff account"
    role = forms.ChoiceField(choices=[c for c in Role.choices if c[0] != Role.CLIENT])

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "role", "can_view_clinical"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


class ProfileForm(_CrispyMixin, forms.ModelForm):
    submit_label = "Save my details"

    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "date_of_birth", "email_reminders", "sms_reminders",
                  "care_messages", "marketing_ok"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)}
        help_texts = {
            "email_reminders": "An email before each session. Confirmations and changes are always emailed.",
            "sms_reminders": "A text message to the mobile number above before each session.",
            "care_messages": "Aftercare advice after each session, and a short progress check-in during a course.",
            "marketing_ok": "Occasional clinic news and offers by email. We never share your details.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()

    def clean_date_of_birth(self) -> date | None:
        return _clean_date_of_birth(self.cleaned_data["date_of_birth"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("sms_reminders") and not (cleaned.get("phone") or "").strip():
            self.add_error("phone", "Add a mobile number to get text message reminders, or untick them.")
        return cleaned


class SignInLinkPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending through the one path of sign-in emails: a message of the outbox per account
    found (retried like any other, content hidden from staff), whose link is made when it is sent."""

    def save(self, **kwargs) -> None:
        # The view's options (templates, domain, token generator) are not needed: clinic.accounts.emails renders
        # the email from SITE_URL when it goes out, so the token is never stored.
        from .services import password_reset_send

        for user in self.get_users(self.cleaned_data["email"]):
            password_reset_send(user=user)


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    code = forms.CharField(label="Code", max_length=32, strip=True, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "spellcheck": "false"}))


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(label="Why (optional)", required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}), help_text="You do not have to give a reason.")
    confirm = forms.BooleanField(label="I understand: erase my details and close my account",
                                 error_messages={"required": "Please tick the box to confirm."})


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "Confirm and erase"), ("decline", "Decline")])
    note = forms.CharField(label="Note", required=False, max_length=500)
