import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0005_bounded_validated_fields"),
        ("learners", "0004_fill_enrollment_school"),
    ]

    operations = [
        migrations.AlterField(
            model_name="enrollment",
            name="institution",
            field=models.ForeignKey(
                help_text="为其报名的学校：该校只看到自己报名的记录。",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="enrollments",
                to="enrollment.institution",
                verbose_name="报名单位",
            ),
        ),
        migrations.AlterField(
            model_name="learner",
            name="issued_by",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="enrollment.institution",
                verbose_name="开通账号的单位",
            ),
        ),
    ]
