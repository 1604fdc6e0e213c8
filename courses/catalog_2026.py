"""The 2026 catalog (国教院函字〔2026〕9号, 附件1), as plain data.

Loaded by the data migration ``0002_catalog_2026`` and by ``manage.py load_catalog``; coordinators
edit it in the admin afterwards. Default hours follow the rule for concentrated party training
("一般不少于3天或24学时") and the secretaries' yearly 5 days / 40 hours; the academy may change them.
"""

from decimal import Decimal

THEMATIC = "thematic"
SPECIAL = "special"
CUSTOM = "custom"

PER_PERSON_TOPIC = "per_person_topic"
PER_WORKSHOP = "per_workshop"
NEGOTIATED = "negotiated"

ONLINE_FEE = Decimal("200")
SIMULATION_FEE = Decimal("280")
WORKSHOP_FEE = Decimal("98000")
WORKSHOP_MAX_PARTICIPANTS = 50

_MEMBER = "引导学员坚定理想信念，把牢正确政治方向，争做“四有”好老师的示范标杆。"
_SECRETARY = "引导学员树立和践行正确政绩观，坚持实干实绩、务求实效，推进党建与业务深度融合。"


def _thematic(code, name, category, audience, description, hours):
    return {
        "code": code,
        "name": name,
        "series": THEMATIC,
        "category": category,
        "audience": audience,
        "description": description,
        "fee_rule": PER_PERSON_TOPIC,
        "fee_amount": ONLINE_FEE,
        "max_participants": None,
        "default_hours": Decimal(hours),
    }


PROGRAMS = [
    _thematic(
        "activists",
        "入党积极分子培训",
        "member_development",
        "教职工入党积极分子",
        "教职工党员发展与党性修养提升培训之一，按党员发展流程分班开展。" + _MEMBER,
        "24",
    ),
    _thematic(
        "development-candidates",
        "发展对象培训",
        "member_development",
        "教职工发展对象",
        "教职工党员发展与党性修养提升培训之一，按党员发展流程分班开展。" + _MEMBER,
        "24",
    ),
    _thematic(
        "probationary-members",
        "预备党员培训",
        "member_development",
        "教职工预备党员",
        "教职工党员发展与党性修养提升培训之一，按党员发展流程分班开展。" + _MEMBER,
        "24",
    ),
    _thematic(
        "party-members",
        "党员培训",
        "member_development",
        "教职工党员",
        "教职工党员发展与党性修养提升培训之一，按党员发展流程分班开展。" + _MEMBER,
        "24",
    ),
    _thematic(
        "party-affairs-staff",
        "高校基层党务工作者培训",
        "secretary_one",
        "学校全部党务工作人员",
        "基层党组织书记培训“1+N”分班模式中的“1”，覆盖学校全部党务工作人员。" + _SECRETARY,
        "40",
    ),
    _thematic(
        "school-secretaries",
        "院(系)党组织书记政治能力和履职能力提升培训",
        "secretary_n",
        "院(系)党组织书记",
        "基层党组织书记培训“1+N”分班模式中的“N”（重点人群培训）。" + _SECRETARY,
        "40",
    ),
    _thematic(
        "double-leader-secretaries",
        "“双带头人”教师党支部书记履职能力提升培训",
        "secretary_n",
        "“双带头人”教师党支部书记",
        "基层党组织书记培训“1+N”分班模式中的“N”（重点人群培训）。" + _SECRETARY,
        "40",
    ),
    _thematic(
        "student-branch-secretaries",
        "学生党支部书记履职能力提升培训",
        "secretary_n",
        "学生党支部书记",
        "基层党组织书记培训“1+N”分班模式中的“N”（重点人群培训）。" + _SECRETARY,
        "40",
    ),
    _thematic(
        "organisers",
        "组织员履职能力提升培训",
        "secretary_n",
        "高校组织员",
        "基层党组织书记培训“1+N”分班模式中的“N”（重点人群培训）。" + _SECRETARY,
        "40",
    ),
    _thematic(
        "private-college-party-building",
        "民办高校党建工作规范化建设能力提升培训",
        "secretary_n",
        "民办高校党组织书记和党务工作者",
        "基层党组织书记培训“1+N”分班模式中的“N”（重点人群培训）。" + _SECRETARY,
        "40",
    ),
    {
        "code": "development-workflow-simulation",
        "name": "党务情景模拟：发展党员工作流程规范实训",
        "series": SPECIAL,
        "category": "simulation",
        "audience": "党务工作者、组织员、党支部书记",
        "description": (
            "采用线上情景模拟形式，以入党全周期为脉络，聚焦“入党申请人、入党积极分子、发展对象、"
            "预备党员和党员”五个关键阶段的25个核心步骤，打造情景化、沉浸式培训场景，推动学员在"
            "模拟实操中深化认知、掌握技能、锤炼党性。"
        ),
        "fee_rule": PER_PERSON_TOPIC,
        "fee_amount": SIMULATION_FEE,
        "max_participants": None,
        "default_hours": Decimal("24"),
    },
    {
        "code": "double-creation-workshop",
        "name": "高校党建“双创”工作指导建设专题网络工作坊",
        "series": SPECIAL,
        "category": "workshop",
        "audience": "高校党建“双创”建设单位负责人及核心成员",
        "description": (
            "采用网络工作坊形式，特邀党建领域专家学者，以及全国党建工作示范高校、标杆院系、样板支部"
            "相关负责人担任指导专家，开展专项指导，推动构建高质量高校党建工作体系。每坊不超过50人。"
        ),
        "fee_rule": PER_WORKSHOP,
        "fee_amount": WORKSHOP_FEE,
        "max_participants": WORKSHOP_MAX_PARTICIPANTS,
        "default_hours": Decimal("40"),
    },
    {
        "code": "branch-standardisation",
        "name": "高校党支部规范化建设专题培训",
        "series": SPECIAL,
        "category": "branch_standardisation",
        "audience": "高校教职工、学生党支部",
        "description": (
            "培训指导一体化服务：提供支部“三会一课”、主题党日等活动模板，按需匹配“党建+岗位+主题”"
            "课程，并提供专家进行支部建设指导；亦可提供线上专栏、直播课堂、专家送教、联建活动等"
            "定制服务。"
        ),
        "fee_rule": PER_PERSON_TOPIC,
        "fee_amount": ONLINE_FEE,
        "max_participants": None,
        "default_hours": Decimal("24"),
    },
    {
        "code": "custom-training",
        "name": "委托定制培训",
        "series": CUSTOM,
        "category": "custom",
        "audience": "按参训单位需求确定",
        "description": (
            "结合参训单位需要进行定制化设计，可开展同步直播、送培送教、现场指导等活动，"
            "线上与线下培训有机结合。费用根据学员规模、培训具体组织方式等因素协商确定。"
        ),
        "fee_rule": NEGOTIATED,
        "fee_amount": None,
        "max_participants": None,
        "default_hours": Decimal("0"),
    },
]

SIMULATION_STAGES = [
    (1, "申请入党", ["递交入党申请书", "党组织派人谈话"]),
    (
        2,
        "入党积极分子的确定和培养教育",
        ["推荐和确定入党积极分子", "上级党委备案", "指定培养联系人", "培养教育考察"],
    ),
    (
        3,
        "发展对象的确定和考察",
        ["确定发展对象", "报上级党委备案", "确定入党介绍人", "进行政治审查", "开展集中培训"],
    ),
    (
        4,
        "预备党员的接收",
        [
            "支部委员会审查",
            "上级党委预审",
            "填写入党志愿书",
            "支部大会讨论",
            "上级党委派人谈话",
            "上级党委审批",
            "再上一级党委组织部门备案",
        ],
    ),
    (
        5,
        "预备党员的教育考察和转正",
        [
            "编入党支部和党小组",
            "入党宣誓",
            "继续教育考察",
            "提出转正申请",
            "支部大会讨论",
            "上级党委审批",
            "材料归档",
        ],
    ),
]


def load_into(program_model, stage_model, step_model) -> int:
    """Create what is missing of the catalog; never overwrite a coordinator's edits.

    Takes the model classes so that the data migration can pass its historical models.
    Returns the number of programs created.
    """
    created = 0
    for position, data in enumerate(PROGRAMS, start=1):
        fields = {k: v for k, v in data.items() if k != "code"}
        _, was_created = program_model.objects.get_or_create(
            code=data["code"], defaults={**fields, "position": position * 10}
        )
        created += was_created
    step_number = 0
    for number, name, steps in SIMULATION_STAGES:
        stage, _ = stage_model.objects.get_or_create(number=number, defaults={"name": name})
        for step_name in steps:
            step_number += 1
            step_model.objects.get_or_create(
                number=step_number, defaults={"stage": stage, "name": step_name}
            )
    return created
