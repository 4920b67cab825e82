"""The no-double-booking guarantee, held by PostgreSQL itself.

Two exclusion constraints on half-open ranges [starts_at, blocked_until) (the buffer after a session
is part of the time it holds; back-to-back sessions touch but do not overlap): one per practitioner,
one per room. Cancelled appointments are excluded. On SQLite this migration does nothing and
booking.services serialises writes instead.
"""

from django.db import migrations

from clinic.core.migration_ops import postgres_only_sql

FORWARD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE booking_appointment
  ADD CONSTRAINT booking_appointment_no_practitioner_overlap
  EXCLUDE USING gist (practitioner_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
  WHERE (status <> 'cancelled');
ALTER TABLE booking_appointment
  ADD CONSTRAINT booking_appointment_no_room_overlap
  EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
  WHERE (status <> 'cancelled');
"""

BACKWARD = """
ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS booking_appointment_no_practitioner_overlap;
ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS booking_appointment_no_room_overlap;
"""


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [postgres_only_sql(FORWARD, BACKWARD)]
