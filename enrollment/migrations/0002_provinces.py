from django.db import migrations


def load_provinces(apps, schema_editor):
    from enrollment.provinces import load_into

    load_into(apps.get_model("enrollment", "Province"))


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0001_initial")]

    operations = [migrations.RunPython(load_provinces, migrations.RunPython.noop)]
