# The point map of each session (with its earlier versions) and the planned points of an assessment (c1).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0004_booked_via_waitlist'),
        ('charting', '0001_initial'),
        ('intake', '0005_tongue_and_pulse'),  # Assessment; before the intake branches now in progress
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PointMap',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('points', models.JSONField(blank=True, default=list, verbose_name='points')),
                ('local_needles', models.JSONField(blank=True, default=list, verbose_name='local needles')),
                ('needle_count', models.PositiveSmallIntegerField(default=0, verbose_name='needles')),
                ('retention_minutes', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='needles retained (minutes)')),
                ('version', models.PositiveSmallIntegerField(default=1, verbose_name='version')),
                ('saved_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='saved')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('appointment', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='point_map', to='booking.appointment', verbose_name='session')),
                ('saved_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='saved by')),
            ],
            options={
                'verbose_name': 'point map',
            },
        ),
        migrations.CreateModel(
            name='PointMapVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('points', models.JSONField(blank=True, default=list, verbose_name='points')),
                ('local_needles', models.JSONField(blank=True, default=list, verbose_name='local needles')),
                ('needle_count', models.PositiveSmallIntegerField(default=0, verbose_name='needles')),
                ('retention_minutes', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='needles retained (minutes)')),
                ('number', models.PositiveSmallIntegerField(verbose_name='version')),
                ('saved_at', models.DateTimeField(verbose_name='saved')),
                ('replaced_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='replaced')),
                ('point_map', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='earlier_versions', to='charting.pointmap')),
                ('saved_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='saved by')),
            ],
            options={
                'verbose_name': 'earlier point map version',
                'ordering': ['point_map', '-number'],
            },
        ),
        migrations.CreateModel(
            name='PlanMap',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('points', models.JSONField(blank=True, default=list, verbose_name='points')),
                ('local_needles', models.JSONField(blank=True, default=list, verbose_name='local needles')),
                ('needle_count', models.PositiveSmallIntegerField(default=0, verbose_name='needles')),
                ('retention_minutes', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='needles retained (minutes)')),
                ('saved_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='saved')),
                ('assessment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='plan_map', to='intake.assessment', verbose_name='assessment')),
                ('saved_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='saved by')),
            ],
            options={
                'verbose_name': 'planned point map',
                'constraints': [models.CheckConstraint(condition=models.Q(('needle_count__lte', 120)), name='charting_plan_map_needles_max')],
            },
        ),
        migrations.AddConstraint(
            model_name='pointmap',
            constraint=models.CheckConstraint(condition=models.Q(('needle_count__lte', 120)), name='charting_point_map_needles_max'),
        ),
        migrations.AddConstraint(
            model_name='pointmapversion',
            constraint=models.UniqueConstraint(fields=('point_map', 'number'), name='charting_point_map_version_once'),
        ),
    ]
