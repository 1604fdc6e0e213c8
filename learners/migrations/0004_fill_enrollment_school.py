"""Until now a person's account moved to whichever school enrolled her last, and enrollments did not
record their school: the account's school is the best knowledge of both for existing rows."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Enrollment = apps.get_model("learners", "Enrollment")
    Learner = apps.get_model("learners", "Learner")
    User = apps.get_model("portal", "User")
    school = Subquery(User.objects.filter(pk=OuterRef("learner_id")).values("institution_id")[:1])
    Enrollment.objects.filter(institution__isnull=True).update(institution_id=school)
    account_school = Subquery(
        User.objects.filter(pk=OuterRef("user_id")).values("institution_id")[:1]
    )
    Learner.objects.filter(issued_by__isnull=True).update(issued_by_id=account_school)


class Migration(migrations.Migration):
    dependencies = [("learners", "0003_enrollment_school")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
