"""Forms of the photo pages: the client's photo consent, and one upload per pose on the session page."""

from __future__ import annotations

from django import forms

from intake.forms import ConsentForm

from .models import Pose


class PhotoConsentForm(ConsentForm):
    """Signed like the intake consent: her typed name must match her account's, and a tick."""

    agree = forms.BooleanField(label="I have read and agree to the photo consent above",
                               error_messages={"required": "Please tick the box to give your consent."})


class PhotoConsentWithdrawForm(forms.Form):
    confirm = forms.BooleanField(label="I understand: stop taking photographs and delete the ones the clinic holds",
                                 error_messages={"required": "Please tick the box to confirm."})


class PhotoUploadForm(forms.Form):
    pose = forms.ChoiceField(choices=Pose.choices, widget=forms.HiddenInput)
    label = forms.CharField(label="Which area", max_length=60, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "e.g. forehead lines"}))
    # accept/capture open the camera on a phone or tablet; what the file is, is decided by its content
    # (charting.photos.image_prepare), never by these attributes or its name.
    image = forms.FileField(label="Photo", widget=forms.FileInput(
        attrs={"accept": "image/*", "capture": "user", "class": "form-control"}),
        error_messages={"required": "Please take or choose a photo first."})
