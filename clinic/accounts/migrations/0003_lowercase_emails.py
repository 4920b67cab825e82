"""Store every email in the one spelling log-in, sign-up and the lock-out use: lower case.

Refuses (and changes nothing) if two accounts differ only by the case of their email, so that nobody's
sign-in silently moves to another account: merge or rename one of them first.
"""

from django.db import migrations
from django.db.models.functions import Lower


def lowercase_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    seen: dict[str, int] = {}
    clashes = []
    for pk, email in User.objects.order_by("pk").values_list("pk", "email"):
        key = email.strip().lower()
        if key in seen:
            clashes.append((seen[key], pk))
        seen[key] = pk
    if clashes:
        pairs = ", ".join(f"{a} and {b}" for a, b in clashes)
        raise RuntimeError(
            f"Cannot lower-case emails: accounts {pairs} (user ids) have the same email in different case. "
            "Merge or rename one account of each pair, then migrate again.")
    User.objects.exclude(email=Lower("email")).update(email=Lower("email"))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_user_care_messages"),
    ]

    operations = [
        migrations.RunPython(lowercase_emails, migrations.RunPython.noop),
    ]
