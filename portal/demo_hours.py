"""Demo hour ledger (电子培训档案) for the demo school's five learners, across the plan period's first
years: hours recognised from other platforms (学时互认), imported by the academy from a spreadsheet
through the import itself; a branch secretary's off-job training (脱产培训), entered by her school;
her requirement corrected to a secretary's, and an elderly colleague exempted (年老体弱), both by
the school. So the school's dashboard (学时统计) shows people met, on track, behind and exempt, and
the learners' transcripts a chart over the years.

Idempotent: the import runs only while none of them has a recognised entry (it would skip every
row anyway, but leave an audit event of nothing), an off-job entry already there is left alone,
and a requirement already as wanted is not corrected again.
"""

import contextlib
import datetime
import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook

from enrollment.models import Institution
from learners.hour_selectors import plan_period
from learners.models import HourCategory, HourEntry, HourSource, Learner
from learners.services.hours import (
    HOUR_IMPORT_HEADERS,
    hour_entries_import,
    hour_entry_off_job_add,
    learner_hour_profile_update,
)
from portal import pii
from portal.errors import StateConflict
from portal.models import Role, User

REMOTE = "全国党员干部现代远程教育平台"
ACADEMY = "中国教育干部网络学院"
ORGANISER = "中共北京市委教育工作委员会"

DISCIPLINE = "党纪学习教育网络专题班"
THIRD_PLENUM = "学习贯彻党的二十届三中全会精神网络专题培训"
EIGHT_RULES = "深入贯彻中央八项规定精神学习教育专题培训"
FOURTH_PLENUM = "学习贯彻党的二十届四中全会精神网络专题班"
MEMBERS_YEARLY = "高校教师党员年度集中轮训（网络）"
PRACTICE = "高校基层党建工作实务网络课程"

# Per demo learner (learner-N): recognised entries of (year of the plan period, 0 = its first;
# month, day, title, platform, hours, theory hours). The plan period's first three years (2024–2026
# by default): with a member due 96 h and a secretary 168 h by now, learner-1 is on track, learner-2
# (a secretary, also with off-job training) on track, learner-3 has met the 160 h, learner-4 is
# behind, learner-5 is exempt.
RECOGNISED: dict[int, list[tuple[int, int, int, str, str, int, int]]] = {
    1: [
        (0, 6, 20, DISCIPLINE, REMOTE, 16, 12),
        (0, 10, 18, THIRD_PLENUM, REMOTE, 12, 10),
        (1, 6, 12, EIGHT_RULES, REMOTE, 16, 12),
        (1, 9, 26, MEMBERS_YEARLY, ACADEMY, 20, 10),
        (2, 3, 20, FOURTH_PLENUM, REMOTE, 24, 18),
        (2, 5, 15, PRACTICE, ACADEMY, 16, 6),
    ],
    2: [
        (0, 10, 18, THIRD_PLENUM, REMOTE, 24, 20),
        (1, 6, 12, EIGHT_RULES, REMOTE, 24, 18),
        (2, 3, 20, FOURTH_PLENUM, REMOTE, 24, 18),
    ],
    3: [
        (0, 6, 20, DISCIPLINE, REMOTE, 32, 24),
        (0, 10, 18, THIRD_PLENUM, REMOTE, 24, 18),
        (1, 6, 12, EIGHT_RULES, REMOTE, 32, 24),
        (1, 9, 26, MEMBERS_YEARLY, ACADEMY, 40, 20),
        (2, 3, 20, FOURTH_PLENUM, REMOTE, 32, 24),
    ],
    4: [(1, 6, 12, EIGHT_RULES, REMOTE, 12, 8)],
    5: [(0, 10, 18, THIRD_PLENUM, REMOTE, 8, 6)],
}
SECRETARY = 2
# The secretary's off-job training: (year of the plan period, month, day, title, hours, theory).
# The third year's falls short of the 40 h a year, which her transcript points out.
OFF_JOB = [
    (0, 7, 12, "北京高校党支部书记示范培训班", 40, 24),
    (1, 7, 18, "北京高校党支部书记示范培训班", 40, 24),
    (2, 8, 22, "北京高校党支部书记抓党建工作能力提升班", 32, 20),
]
EXEMPT = 5
EXEMPT_REASON = "年老体弱"


def _on(year_index: int, month: int, day: int) -> datetime.date:
    """The date in that year of the plan period, never after today (the ledger refuses the future)."""
    start, _ = plan_period()
    return min(datetime.date(start + year_index, month, day), timezone.localdate())


def load_hours_demo(institution: Institution) -> None:
    people = {
        int(learner.user.username.removeprefix("learner-")): learner
        for learner in Learner.objects.select_related("user").filter(
            user__institution=institution, user__username__in=[f"learner-{n}" for n in RECOGNISED]
        )
    }
    if not people:
        return
    staff = User.objects.get(role=Role.INSTITUTION_STAFF, institution=institution)
    academy = User.objects.get(username="coord-ug")

    # her school says who is a secretary and who is exempt (the roster said "党务工作者")
    for number, category, exempt in [
        (SECRETARY, HourCategory.SECRETARY, False),
        (EXEMPT, HourCategory.MEMBER, True),
    ]:
        person = people.get(number)
        if person is None or (person.hour_category, person.hour_exempt) == (category, exempt):
            continue
        learner_hour_profile_update(
            learner=person,
            by=staff,
            category=category,
            exempt=exempt,
            reason=EXEMPT_REASON if exempt else "",
        )

    # the academy imports their hours from other platforms, as a coordinator would
    recognised = HourEntry.objects.filter(learner__in=people.values(), source=HourSource.RECOGNISED)
    if not recognised.exists():
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(list(HOUR_IMPORT_HEADERS))
        for number, entries in RECOGNISED.items():
            person = people.get(number)
            if person is None:
                continue
            id_number = pii.decrypt(person.id_encrypted)
            for year, month, day, title, platform, hours, theory in entries:
                on = _on(year, month, day)
                sheet.append([id_number, person.name, title, on, hours, theory, platform])
        out = io.BytesIO()
        workbook.save(out)
        result = hour_entries_import(file=out.getvalue(), by=academy)
        if not result.ok:  # the demo's own rows: a mistake here is the demo's to fix
            raise ValueError("; ".join(str(error) for error in result.errors))

    # the secretary's off-job training, entered by her school
    secretary = people.get(SECRETARY)
    if secretary is not None:
        for year, month, day, title, hours, theory in OFF_JOB:
            with contextlib.suppress(StateConflict):  # entered by an earlier run
                hour_entry_off_job_add(
                    learner=secretary,
                    by=staff,
                    title=title,
                    organiser=ORGANISER,
                    completed_on=_on(year, month, day),
                    hours=Decimal(hours),
                    theory_hours=Decimal(theory),
                )
