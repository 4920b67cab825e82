# The clinic chooses whether clients see their own before-and-after photos (charting); off by default.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_clinical_retention_years'),
    ]

    operations = [
        migrations.AddField(
            model_name='clinicsettings',
            name='clients_see_photos',
            field=models.BooleanField(default=False, help_text='If on, a client who consented to photographs can compare her own photos in her account.', verbose_name='clients see their before-and-after photos'),
        ),
    ]
