from decimal import Decimal

import pytest
from django.core.management import call_command

from courses.catalog_2026 import PROGRAMS
from courses.models import FeeRule, Program, SimulationStage, SimulationStep
from courses.services import catalog_load

pytestmark = pytest.mark.django_db

NOTICE_PROGRAMS = {
    "入党积极分子培训": "200",
    "发展对象培训": "200",
    "预备党员培训": "200",
    "党员培训": "200",
    "高校基层党务工作者培训": "200",
    "院(系)党组织书记政治能力和履职能力提升培训": "200",
    "“双带头人”教师党支部书记履职能力提升培训": "200",
    "学生党支部书记履职能力提升培训": "200",
    "组织员履职能力提升培训": "200",
    "民办高校党建工作规范化建设能力提升培训": "200",
    "党务情景模拟：发展党员工作流程规范实训": "280",
    "高校党建“双创”工作指导建设专题网络工作坊": "98000",
    "高校党支部规范化建设专题培训": "200",
    "委托定制培训": None,
}


def test_the_catalog_holds_every_program_of_the_2026_notice_with_its_fee():
    fees = {
        p.name: (None if p.fee_amount is None else f"{p.fee_amount:.0f}")
        for p in Program.objects.all()
    }
    assert fees == NOTICE_PROGRAMS


def test_the_workshop_is_priced_per_workshop_and_capped_at_fifty():
    workshop = Program.objects.get(code="double-creation-workshop")
    assert workshop.fee_rule == FeeRule.PER_WORKSHOP
    assert workshop.max_participants == 50
    assert workshop.fee_display == "98,000 元/坊（不超过 50 人）"


def test_custom_training_is_negotiated():
    custom = Program.objects.get(code="custom-training")
    assert custom.fee_rule == FeeRule.NEGOTIATED
    assert custom.fee_amount is None
    assert "协商" in custom.fee_display


def test_the_simulation_has_five_stages_and_twenty_five_steps_in_order():
    assert list(SimulationStage.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    steps = list(SimulationStep.objects.order_by("number").values_list("number", "stage__number"))
    assert [n for n, _ in steps] == list(range(1, 26))
    assert steps[0] == (1, 1)
    assert steps[10] == (11, 3)
    assert steps[24] == (25, 5)
    assert SimulationStep.objects.get(number=25).name == "材料归档"


def test_loading_again_creates_nothing_and_keeps_a_coordinators_edit():
    Program.objects.filter(code="activists").update(default_hours=Decimal("32"))

    created = catalog_load()
    call_command("load_catalog")

    assert created == 0
    assert Program.objects.count() == len(PROGRAMS)
    assert Program.objects.get(code="activists").default_hours == Decimal("32")


def test_loading_restores_a_missing_program():
    Program.objects.filter(code="organisers").delete()

    assert catalog_load() == 1
    assert Program.objects.filter(code="organisers").exists()


def test_the_public_catalog_page_lists_every_program_with_fee_and_how_to_enroll(client):
    response = client.get("/catalog/")

    page = response.content.decode()
    for name in NOTICE_PROGRAMS:
        assert name in page
    assert "200 元/人/专题" in page
    assert "280 元/人/专题" in page
    assert "98,000 元/坊" in page
    assert "如何报名" in page
    assert "0200053009008801215" in page


def test_the_simulation_page_shows_its_25_steps(client):
    response = client.get("/catalog/development-workflow-simulation/")

    page = response.content.decode()
    assert "递交入党申请书" in page
    assert "材料归档" in page


def test_the_programs_api_lists_every_program_with_its_fee(client):
    response = client.get("/api/v1/programs/")

    assert response.status_code == 200
    by_name = {p["name"]: p for p in response.json()}
    assert set(by_name) == set(NOTICE_PROGRAMS)
    assert by_name["党务情景模拟：发展党员工作流程规范实训"]["fee_amount"] == "280.00"
    assert by_name["委托定制培训"]["fee_amount"] is None
    assert by_name["高校党建“双创”工作指导建设专题网络工作坊"]["max_participants"] == 50


def test_an_inactive_program_leaves_the_catalog(client):
    Program.objects.filter(code="organisers").update(is_active=False)

    assert "组织员履职能力提升培训" not in client.get("/catalog/").content.decode()
    assert client.get("/api/v1/programs/organisers/").status_code == 404


def test_a_program_fee_must_match_its_rule():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(code="activists").update(fee_amount=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(code="custom-training").update(fee_amount=Decimal("1"))
