"""Two-factor sign-in for staff: an authenticator app (TOTP, RFC 6238) plus one-time recovery codes.

Optional for each staff member (they enable it on their profile), required for all staff when the deployment
sets ``STAFF_TWO_FACTOR_REQUIRED``. Codes are checked against the frozen-able ``timezone.now()``; a code is
accepted once (``last_used_step``), and recovery codes are stored only as keyed hashes.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import RecoveryCode, TwoFactorDevice, User

STEP = 30  # seconds per code, what every authenticator app uses
DRIFT = 1  # steps either side accepted: a phone clock 30 seconds off still works
RECOVERY_CODES = 10
_RECOVERY_SALT = "accounts.recovery-code"


class TwoFactorError(Exception):
    """A two-factor change that cannot be made; ``message`` is shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _now() -> datetime:
    return timezone.now()  # frozen by time-machine in tests


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, user: User, secret: str) -> str:
    """The otpauth:// link an authenticator app reads (as a QR code or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=settings.TWO_FACTOR_ISSUER)


def secret_in_groups(secret: str) -> str:
    """The secret as people type it into an app: ABCD EFGH IJKL ..."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def is_enabled(user: User) -> bool:
    return TwoFactorDevice.objects.filter(user=user).exists()


def is_required(user: User) -> bool:
    return settings.STAFF_TWO_FACTOR_REQUIRED and user.is_clinic_staff


def _clean(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose code this is (within the drift), or None."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = int(_now().timestamp())
    for offset in range(-DRIFT, DRIFT + 1):
        moment = now + offset * STEP
        if secrets.compare_digest(totp.at(moment), code):
            return moment // STEP
    return None


def _hash_recovery(code: str) -> str:
    return salted_hmac(_RECOVERY_SALT, _clean(code)).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash_recovery(c)) for c in codes)
    return codes


def two_factor_enable(*, user: User, secret: str, code: str) -> list[str]:
    """Turn on two-factor sign-in once the app shows the right code. Returns the recovery codes (shown once)."""
    if not user.is_clinic_staff:
        raise TwoFactorError("Two-factor sign-in is for staff accounts.")
    step = _matching_step(secret, _clean(code))
    if step is None:
        raise TwoFactorError("That code does not match. Check the time on your phone and enter the code "
                             "your app shows now.")
    try:
        with transaction.atomic():
            TwoFactorDevice.objects.create(user=user, secret=secret, last_used_step=step)
            return _new_recovery_codes(user)
    except IntegrityError as exc:
        raise TwoFactorError("Two-factor sign-in is already on for your account.") from exc


def two_factor_disable(*, user: User, code: str) -> None:
    """Turn it off, proving possession with a current code or a recovery code (a stolen session is not enough)."""
    if is_required(user):
        raise TwoFactorError("The clinic requires two-factor sign-in for staff, so it cannot be turned off.")
    with transaction.atomic():
        if not two_factor_verify(user=user, code=code):
            raise TwoFactorError("That code is not right. Enter the code your app shows now, or a recovery code.")
        TwoFactorDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def recovery_codes_renew(*, user: User, code: str) -> list[str]:
    with transaction.atomic():
        if not two_factor_verify(user=user, code=code):
            raise TwoFactorError("That code is not right. Enter the code your app shows now, or a recovery code.")
        return _new_recovery_codes(user)


def two_factor_verify(*, user: User, code: str) -> bool:
    """True for the app's current code (each accepted once) or an unused recovery code (then used up).

    Both are claimed with a conditional update, so two requests racing with one code cannot both pass.
    """
    device = TwoFactorDevice.objects.filter(user=user).first()
    if device is None:
        return False
    code = _clean(code)
    step = _matching_step(device.secret, code)
    if step is not None:
        return bool(TwoFactorDevice.objects.filter(pk=device.pk, last_used_step__lt=step)
                    .update(last_used_step=step))
    if not code:
        return False
    return bool(RecoveryCode.objects.filter(user=user, code_hash=_hash_recovery(code), used_at=None)
                .update(used_at=_now()))


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at=None).count()
