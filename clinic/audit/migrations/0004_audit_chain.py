"""Tamper evidence on SQLite: each audit event carries a keyed hash of its content and of the event before it
(clinic.audit.chain). Existing events are linked here, in insertion order. On PostgreSQL the append-only trigger
(0002) already refuses changes, and would refuse this update too: the chain is left empty there."""

from django.db import migrations, models


def link_existing_events(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from clinic.audit.chain import chain_rebuild

    chain_rebuild(apps.get_model("audit", "AuditEvent"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_break_glass"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"),
        ),
        migrations.RunPython(link_existing_events, migrations.RunPython.noop),
    ]
