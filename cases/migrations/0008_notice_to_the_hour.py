import lib.clock
from django.db import migrations, models
from django.db.models.functions import Trunc


def cut_to_the_hour(apps, schema_editor):
    """Notices already recorded lose their minutes and seconds too."""
    Notice = apps.get_model("cases", "Notice")
    Notice.objects.update(created_at=Trunc("created_at", "hour"))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_staff_site_in_every_language"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notice",
            name="created_at",
            field=models.DateTimeField(default=lib.clock.coarse_now),
        ),
        migrations.RunPython(cut_to_the_hour, migrations.RunPython.noop),
    ]
