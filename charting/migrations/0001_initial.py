# Before-and-after photos (charting.photos): the photo consent and the photos. Written by hand from
# makemigrations' output with only these two models: the point map's models follow in their own migration.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('booking', '0004_booked_via_waitlist'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PhotoConsent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text_version', models.PositiveSmallIntegerField(verbose_name='consent text version')),
                ('typed_name', models.CharField(max_length=200, verbose_name='typed full name')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                ('given_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='given')),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True, verbose_name='withdrawn')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='photo_consents', to=settings.AUTH_USER_MODEL, verbose_name='client')),
            ],
            options={
                'verbose_name': 'photo consent',
                'ordering': ['-given_at'],
            },
        ),
        migrations.CreateModel(
            name='Photo',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('pose', models.CharField(choices=[('front', 'Front'), ('left', 'Left three-quarter'), ('right', 'Right three-quarter'), ('close_up', 'Close-up')], max_length=10, verbose_name='pose')),
                ('label', models.CharField(blank=True, help_text='For a close-up: which area.', max_length=60, verbose_name='label')),
                ('file_name', models.CharField(max_length=120, unique=True, verbose_name='file')),
                ('thumb_name', models.CharField(max_length=120, unique=True, verbose_name='thumbnail')),
                ('width', models.PositiveIntegerField(verbose_name='width (px)')),
                ('height', models.PositiveIntegerField(verbose_name='height (px)')),
                ('size_bytes', models.PositiveIntegerField(verbose_name='size (bytes)')),
                ('taken_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='taken')),
                ('hidden_at', models.DateTimeField(blank=True, null=True, verbose_name='hidden (to be deleted)')),
                ('appointment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='photos', to='booking.appointment', verbose_name='session')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='photos', to=settings.AUTH_USER_MODEL, verbose_name='client')),
                ('taken_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='photos_taken', to=settings.AUTH_USER_MODEL, verbose_name='taken by')),
                ('consent', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='photos', to='charting.photoconsent', verbose_name='taken under consent')),
            ],
            options={
                'verbose_name': 'photo',
                'ordering': ['taken_at', 'id'],
            },
        ),
        migrations.AddConstraint(
            model_name='photoconsent',
            constraint=models.UniqueConstraint(condition=models.Q(('withdrawn_at', None)), fields=('client',), name='charting_one_photo_consent_in_force'),
        ),
        migrations.AddIndex(
            model_name='photo',
            index=models.Index(fields=['client', 'pose', 'taken_at'], name='charting_ph_client__023afe_idx'),
        ),
        migrations.AddConstraint(
            model_name='photo',
            constraint=models.UniqueConstraint(condition=models.Q(('hidden_at', None), models.Q(('pose', 'close_up'), _negated=True)), fields=('appointment', 'pose'), name='charting_one_photo_per_pose_per_session'),
        ),
    ]
