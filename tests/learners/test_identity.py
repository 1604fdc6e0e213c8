"""One person, several schools: who gets her credentials, who sees what, and what a school learns.

Her school is the one that enrolled her most recently (people change jobs); her account and its
password stay hers. Each school sees the enrollments it made, and only those; its credentials
export hands over only the accounts it opened; and a school learns nothing about whether another
school has enrolled somebody: the academy desk sees those duplicates when it reviews.
"""

import io

import openpyxl
import pytest
from django.urls import reverse

from courses.models import Program
from enrollment.services import receipt_approve, roster_add_person
from learners.models import Enrollment, Learner
from learners.services import cohort_place_line
from portal import access, pii
from portal.models import AuditEvent
from tests.factories import CohortFactory
from tests.receipts import draft_receipt, id_number, person, submitted_receipt

pytestmark = pytest.mark.django_db
SHARED = 101  # the serial of the person both schools enroll


def place(world, receipt, cohort, coordinator):
    receipt = receipt_approve(receipt=receipt, by=world.users[coordinator])
    cohort_place_line(cohort=cohort, line=receipt.lines.get(), by=world.users[coordinator])
    return receipt


def credentials(client, receipt) -> list[tuple]:
    response = client.get(reverse("enrollment:credentials-export", args=[receipt.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.fixture
def enrolled_by_both(world):
    """School A enrolled the person first; then school B (another province and desk) did."""
    first = place(
        world,
        submitted_receipt(world.school_a, world.users["staff_a"], people=1, serial_base=100),
        world.cohort,
        "coord_ug",
    )
    learner = Learner.objects.get(id_hash=pii.keyed_hash(id_number(SHARED)))
    initial = pii.decrypt(learner.initial_password_encrypted)
    second = place(
        world,
        submitted_receipt(
            world.school_b, world.users["staff_b"], people=1, serial_base=100, code="activists"
        ),
        CohortFactory(program=Program.objects.get(code="activists")),
        "coord_voc",
    )
    return first, second, initial


def test_a_person_enrolled_by_a_second_school_keeps_her_account_and_moves_to_it(
    world, enrolled_by_both
):
    _, _, initial = enrolled_by_both

    learner = Learner.objects.select_related("user").get(id_hash=pii.keyed_hash(id_number(SHARED)))

    assert Learner.objects.count() == 1
    assert learner.issued_by == world.school_a
    assert learner.user.institution == world.school_b
    assert pii.decrypt(learner.initial_password_encrypted) == initial  # not reset
    move = AuditEvent.objects.get(action="learner.move")
    assert move.details == {
        "from_institution": world.school_a.pk,
        "to_institution": world.school_b.pk,
    }


def test_the_second_school_never_receives_her_credentials(world, client_for, enrolled_by_both):
    first, second, initial = enrolled_by_both
    learner = Learner.objects.select_related("user").get(id_hash=pii.keyed_hash(id_number(SHARED)))

    rows_b = credentials(client_for(world.users["staff_b"]), second)
    rows_a = credentials(client_for(world.users["staff_a"]), first)

    assert len(rows_b) == 1
    assert learner.user.username not in rows_b[0]
    assert initial not in rows_b[0]
    assert "已有账号" in rows_b[0][5]
    assert rows_a[0][4:] == (learner.user.username, initial)  # the school that opened it


def test_each_school_sees_the_enrollments_it_made_and_only_those(world, enrolled_by_both):
    first, second, _ = enrolled_by_both

    def seen_by(role):
        return set(
            access.scope(world.users[role], Enrollment.objects.all()).values_list(
                "cohort__program__code", flat=True
            )
        )

    assert seen_by("staff_a") == {"party-affairs-staff"}
    assert seen_by("staff_b") == {"activists"}
    assert seen_by("prov_bj") == {"party-affairs-staff"}
    # learner_a is not the shared person: she sees only her own place (the world's study cohort)
    assert set(
        access.scope(world.users["learner_a"], Enrollment.objects.all()).values_list(
            "pk", flat=True
        )
    ) == {world.enrollment_a.pk}
    assert seen_by("admin") == {"party-affairs-staff", "activists"}
    learner = Learner.objects.get(id_hash=pii.keyed_hash(id_number(SHARED)))
    for role in ("staff_a", "staff_b", "prov_bj"):
        assert access.can(world.users[role], access.VIEW, learner)


def test_a_school_typing_an_id_number_learns_nothing_about_other_schools(world):
    # given school A has placed the person in the party-affairs program
    place(
        world,
        submitted_receipt(world.school_a, world.users["staff_a"], people=1, serial_base=100),
        world.cohort,
        "coord_ug",
    )
    draft = draft_receipt(world.school_b, world.users["staff_b"], people=1, fill_roster=False)
    program = Program.objects.get(code="party-affairs-staff")

    # when school B types the same ID number into its draft for the same program
    entry = roster_add_person(
        receipt=draft,
        by=world.users["staff_b"],
        values=person(SHARED, program),
        consent=True,
    )

    # then it is accepted like anybody else, with nothing flagged that the school can see
    assert entry.pk is not None
    assert not entry.needs_review
    assert entry.review_note == ""


def test_the_academy_desk_sees_cross_school_duplicates_when_it_reviews(world, client_for):
    place(
        world,
        submitted_receipt(world.school_a, world.users["staff_a"], people=1, serial_base=100),
        world.cohort,
        "coord_ug",
    )
    receipt = submitted_receipt(world.school_b, world.users["staff_b"], people=1, serial_base=100)
    url = reverse("enrollment:receipt-detail", args=[receipt.pk])

    desk = client_for(world.users["coord_voc"]).get(url).content.decode()
    school = client_for(world.users["staff_b"]).get(url).content.decode()

    assert "已由其他单位报名同一班次" in desk
    assert world.school_a.name in desk
    assert "已由其他单位报名同一班次" not in school
    assert world.school_a.name not in school


def test_a_province_may_not_download_initial_passwords(world, client_for):
    receipt = place(
        world,
        submitted_receipt(world.school_a, world.users["staff_a"], people=1, serial_base=100),
        world.cohort,
        "coord_ug",
    )
    url = reverse("enrollment:credentials-export", args=[receipt.pk])

    assert client_for(world.users["prov_bj"]).get(url).status_code == 403
    assert client_for(world.users["coord_ug"]).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="credentials.export").exists()
