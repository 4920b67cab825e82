"""A booking holds its practitioner and room for at most ``booking.models.MAX_HOLD`` (12 hours), so the engine can
bound ``starts_at`` from below and read the schedule through the starts_at indexes (see ``booking.selectors``)."""

import datetime
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0006_practitioner_photo'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='appointment',
            constraint=models.CheckConstraint(condition=models.Q(('blocked_until__lte', django.db.models.expressions.CombinedExpression(models.F('starts_at'), '+', models.Value(datetime.timedelta(seconds=43200))))), name='booking_appointment_holds_at_most_max_hold', violation_error_message='A session and its clean-up last at most 12 hours.'),
        ),
        migrations.AddConstraint(
            model_name='service',
            constraint=models.CheckConstraint(condition=models.Q(('duration_minutes__lte', django.db.models.expressions.CombinedExpression(models.Value(720), '-', models.F('buffer_after_minutes')))), name='booking_service_holds_at_most_max_hold', violation_error_message='A session and its clean-up last at most 12 hours.'),
        ),
    ]
