from django.db import migrations


def load_catalog(apps, schema_editor):
    from courses.catalog_2026 import load_into

    load_into(
        apps.get_model("courses", "Program"),
        apps.get_model("courses", "SimulationStage"),
        apps.get_model("courses", "SimulationStep"),
    )


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [migrations.RunPython(load_catalog, migrations.RunPython.noop)]
