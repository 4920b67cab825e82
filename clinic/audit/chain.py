"""Tamper evidence for the audit log where the database cannot refuse changes (SQLite).

On PostgreSQL a trigger makes ``audit_auditevent`` append-only. SQLite has no such guard, so there each
event stores ``chain``: an HMAC (keyed with SECRET_KEY) of its content and of the previous event's chain. Editing
a row breaks its own hash; deleting one breaks the next row's; a row slipped in between cannot carry a valid
hash without the key. ``chain_verify`` walks the log in insertion order and names the first event that does not
fit. (Deleting the newest rows leaves a shorter, valid chain: compare the count with an earlier run.)

The hash is computed inside the write transaction: every SQLite write transaction starts with
BEGIN IMMEDIATE (settings), which takes the database's one write lock, so two events can never both
link to the same predecessor.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC

from django.db import connections
from django.utils.crypto import salted_hmac

_SALT = "clinic.audit.chain"


def chain_enabled(using: str = "default") -> bool:
    return connections[using].vendor == "sqlite"


def _content(event) -> str:
    # Every column but the id (the order of the chain is the proof of position) and the hash itself.
    return "|".join([
        event.at.astimezone(UTC).isoformat(), str(event.actor_id or ""), event.action, event.object_type,
        event.object_id, str(event.subject_id or ""),
        # As stored: an IPv6 address is written in its canonical form, whatever form it came in.
        type(event)._meta.get_field("ip_address").get_prep_value(event.ip_address) or "",
    ])


def chain_hash(*, previous: str, event) -> str:
    return salted_hmac(_SALT, f"{previous}\n{_content(event)}", algorithm="sha256").hexdigest()


def chain_previous(model, using: str = "default") -> str:
    """The newest event's hash: the link the next event must carry."""
    return model.objects.using(using).order_by("-pk").values_list("chain", flat=True).first() or ""


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_id: int | None = None
    protected_by: str = "hash chain"

    @property
    def summary(self) -> str:
        if self.protected_by != "hash chain":
            return f"The audit log is append-only ({self.protected_by})."
        if self.ok:
            return f"The audit log is intact: {self.checked} event{'s' if self.checked != 1 else ''} checked."
        return (f"The audit log was tampered with at event #{self.broken_id}: that event, or the one just before "
                "it, was changed, deleted or inserted outside the app.")


def chain_verify(model, using: str = "default") -> ChainReport:
    if not chain_enabled(using):
        return ChainReport(ok=True, checked=0, protected_by="a PostgreSQL trigger refuses changes and deletions")
    previous, checked = "", 0
    rows = model.objects.using(using).order_by("pk").only(
        "pk", "at", "actor_id", "action", "object_type", "object_id", "subject_id", "ip_address", "chain")
    for event in rows.iterator(chunk_size=2000):
        if not hmac.compare_digest(event.chain, chain_hash(previous=previous, event=event)):
            return ChainReport(ok=False, checked=checked, broken_id=event.pk)
        previous, checked = event.chain, checked + 1
    return ChainReport(ok=True, checked=checked)


def chain_rebuild(model, using: str = "default") -> int:
    """Link every event in insertion order (the migration that adds the chain runs this over existing rows)."""
    previous, count = "", 0
    for event in model.objects.using(using).order_by("pk").iterator(chunk_size=2000):
        previous = chain_hash(previous=previous, event=event)
        model.objects.using(using).filter(pk=event.pk).update(chain=previous)
        count += 1
    return count
