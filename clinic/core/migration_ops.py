"""Migration helpers for guarantees only PostgreSQL can hold."""

from __future__ import annotations

from django.db import migrations


def postgres_only_sql(forward: str, backward: str) -> migrations.RunPython:
    """Run SQL on PostgreSQL and skip it elsewhere (SQLite has no exclusion constraints or triggers)."""

    def run(sql: str):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forward), run(backward), elidable=False)
