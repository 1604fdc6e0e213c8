"""Building receipts the way users do, through the services."""

import datetime

from django.utils import timezone

from courses.models import Program
from enrollment.models import Institution, Receipt
from enrollment.services import (
    LineRequest,
    receipt_create,
    receipt_submit,
    roster_add_person,
)
from portal import pii
from portal.models import User

RECEIPT_DATA = {
    "department": "党委组织部",
    "trainee_categories": "党务工作者",
    "leader_name": "周建国",
    "leader_title": "部长",
    "leader_mobile": "13800138000",
    "liaison_name": "吴敏",
    "liaison_phone": "010-62750000",
    "liaison_mobile": "13900139000",
    "liaison_email": "liaison@example.edu.cn",
    "liaison_fax": "",
    "postal_address": "北京市海淀区示范路 1 号",
    "postcode": "100871",
    "preferred_start_date": timezone.localdate() + datetime.timedelta(days=30),
    "study_length_days": 45,
    "invoice_title": "北京测试大学",
    "taxpayer_id": "12100000400000624D",
    "suggestions": "",
    "filled_on": timezone.localdate(),
}


def id_number(serial: int, area: str = "110105") -> str:
    first17 = f"{area}1985{serial % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 1000:03d}"
    return first17 + pii.check_digit(first17)


def person(serial: int, program: Program, **overrides) -> dict[str, str]:
    return {
        "name": f"学员{serial}",
        "gender": "男" if serial % 2 else "女",
        "id_number": id_number(serial),
        "mobile": f"139{serial:08d}",
        "department": "组织部",
        "post": "党务工作者",
        "party_status": "正式党员",
        "program": program.name,
        **overrides,
    }


def draft_receipt(
    institution: Institution,
    by: User,
    *,
    people: int = 2,
    code: str = "party-affairs-staff",
    serial_base: int = 0,
    fill_roster: bool = True,
) -> Receipt:
    program = Program.objects.get(code=code)
    receipt = receipt_create(
        institution=institution,
        by=by,
        data={**RECEIPT_DATA, "invoice_title": institution.name},
        lines=[LineRequest(program=program, participants=people)],
    )
    if fill_roster:
        for n in range(people):
            roster_add_person(
                receipt=receipt, by=by, values=person(serial_base + n + 1, program), consent=True
            )
    return receipt


def submitted_receipt(institution: Institution, by: User, *, people: int = 2, **kwargs) -> Receipt:
    return receipt_submit(receipt=draft_receipt(institution, by, people=people, **kwargs), by=by)


def receipt_form(**overrides) -> dict[str, str]:
    """The receipt page's form filled in as a school would, asking for 2 party-affairs staff."""
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in RECEIPT_DATA.items()}
    program = Program.objects.get(code="party-affairs-staff")
    data[f"program_{program.pk}"] = "2"
    data.update(overrides)
    return data
