"""Demo exam for 高校基层党务工作者培训: a bank of questions on 党章 basics, 发展党员 and 三会一课, and the
program's exam rules. Idempotent: a question already in the bank (same text) is left as it is.

Facts follow the 中国共产党章程, the 中国共产党发展党员工作细则 and the 中国共产党支部工作条例（试行）.
"""

from django.db import transaction

from courses.models import Program, Question, QuestionKind
from courses.services import ChoiceData, question_save

EXAM_RULES = {
    "require_exam": True,
    "exam_question_count": 10,
    "exam_time_limit_minutes": 20,
    "exam_pass_score": 60,
    "exam_max_attempts": 3,
}

S, M, T = QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE

# (kind, text, [(choice, right), ...] or True/False for a true/false question, explanation)
BANK: list[tuple[str, str, list[tuple[str, bool]] | bool, str]] = [
    (
        S,
        "中国共产党预备党员的预备期为（　）。",
        [("半年", False), ("一年", True), ("两年", False), ("三年", False)],
        "党章第七条：预备党员的预备期为一年。",
    ),
    (
        S,
        "发展党员，必须有（　）正式党员作入党介绍人。",
        [("一名", False), ("两名", True), ("三名", False), ("五名", False)],
        "党章第五条：发展党员，必须有两名正式党员作介绍人。",
    ),
    (
        S,
        "年满（　）岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子，可以申请加入中国共产党。",
        [("十六", False), ("十八", True), ("二十", False), ("二十二", False)],
        "党章第一条。",
    ),
    (
        S,
        "入党积极分子经过（　）以上的培养教育和考察、基本具备党员条件的，可列为发展对象。",
        [("三个月", False), ("半年", False), ("一年", True), ("两年", False)],
        "《发展党员工作细则》第十三条。",
    ),
    (
        S,
        "对发展对象进行短期集中培训，培训时间一般不少于（　）。",
        [
            ("1天（或8个学时）", False),
            ("3天（或24个学时）", True),
            ("5天（或40个学时）", False),
            ("7天（或56个学时）", False),
        ],
        "《发展党员工作细则》第十六条。",
    ),
    (
        S,
        "党组织收到入党申请书后，应当在（　）内派人同入党申请人谈话。",
        [("一周", False), ("一个月", True), ("三个月", False), ("半年", False)],
        "《发展党员工作细则》第八条。",
    ),
    (
        S,
        "预备党员的预备期，从（　）之日算起。",
        [
            ("递交入党申请书", False),
            ("支部大会通过其为预备党员", True),
            ("上级党委批准", False),
            ("入党宣誓", False),
        ],
        "党章第七条。",
    ),
    (
        S,
        "党员的党龄，从（　）之日算起。",
        [
            ("支部大会通过其为预备党员", False),
            ("入党宣誓", False),
            ("预备期满转为正式党员", True),
            ("被确定为入党积极分子", False),
        ],
        "党章第七条。",
    ),
    (
        S,
        "预备党员除了没有（　）以外，也有同正式党员一样的权利。",
        [
            ("表决权、选举权和被选举权", True),
            ("参加党的会议的权利", False),
            ("对党的工作提出建议的权利", False),
            ("申诉的权利", False),
        ],
        "党章第七条。",
    ),
    (
        S,
        "预备党员需要继续考察和教育的，可以延长预备期，但延长时间不能超过（　）。",
        [("三个月", False), ("半年", False), ("一年", True), ("两年", False)],
        "党章第七条。",
    ),
    (
        S,
        "《中国共产党发展党员工作细则》规定，发展党员工作的总要求是（　）。",
        [
            ("控制总量、优化结构、提高质量、发挥作用", True),
            ("扩大数量、注重速度、简化程序、积极发展", False),
            ("突出重点、扩大规模、放宽标准、加快发展", False),
            ("严格程序、简化手续、注重效率、适度发展", False),
        ],
        "《发展党员工作细则》第三条。",
    ),
    (
        S,
        "党支部党员大会一般（　）召开1次。",
        [("每月", False), ("每季度", True), ("每半年", False), ("每年", False)],
        "《支部工作条例（试行）》：党员大会一般每季度召开1次。",
    ),
    (
        S,
        "党支部委员会会议一般（　）召开1次。",
        [("每周", False), ("每月", True), ("每季度", False), ("每半年", False)],
        "《支部工作条例（试行）》：支部委员会会议一般每月召开1次。",
    ),
    (
        S,
        "“三会一课”中的“一课”是指（　）。",
        [("党课", True), ("业务培训课", False), ("形势政策课", False), ("专题讲座", False)],
        "“三会一课”即支部党员大会、支部委员会、党小组会和党课；党课每季度至少1次。",
    ),
    (
        S,
        "企业、农村、机关、学校等基层单位，凡是有正式党员（　）人以上的，都应当成立党的基层组织。",
        [("三", True), ("五", False), ("七", False), ("十", False)],
        "党章第三十条。",
    ),
    (
        S,
        "党的根本组织原则是（　）。",
        [("民主集中制", True), ("集体领导", False), ("个人分工负责", False), ("党管干部", False)],
        "党章第十条：党是根据自己的纲领和章程，按照民主集中制组织起来的统一整体。",
    ),
    (
        S,
        "中国共产党的根本宗旨是（　）。",
        [
            ("全心全意为人民服务", True),
            ("实现中华民族伟大复兴", False),
            ("解放和发展生产力", False),
            ("坚持党的基本路线", False),
        ],
        "党章总纲。",
    ),
    (
        S,
        "党的最高理想和最终目标是（　）。",
        [
            ("实现共产主义", True),
            ("全面建成小康社会", False),
            ("实现社会主义现代化", False),
            ("实现共同富裕", False),
        ],
        "党章总纲。",
    ),
    (
        M,
        "“三会一课”中的“三会”是指（　）。",
        [("支部党员大会", True), ("支部委员会", True), ("党小组会", True), ("职工代表大会", False)],
        "“三会一课”是党的组织生活的基本制度。",
    ),
    (
        M,
        "发展党员工作的五个阶段包括（　）。",
        [
            ("申请入党", True),
            ("入党积极分子的确定和培养教育", True),
            ("发展对象的确定和考察", True),
            ("干部选拔任用", False),
            ("预备党员的接收", True),
        ],
        "五个阶段：申请入党；入党积极分子的确定和培养教育；发展对象的确定和考察；预备党员的接收；"
        "预备党员的教育、考察和转正。",
    ),
    (
        M,
        "对发展对象进行政治审查，主要内容包括（　）。",
        [
            ("对党的理论和路线、方针、政策的态度", True),
            ("遵纪守法和遵守社会公德情况", True),
            ("直系亲属和与本人关系密切的主要社会关系人的政治情况", True),
            ("个人收入和家庭财产状况", False),
        ],
        "《发展党员工作细则》第十五条。",
    ),
    (
        M,
        "党的纪律处分包括（　）。",
        [
            ("警告", True),
            ("严重警告", True),
            ("撤销党内职务", True),
            ("留党察看", True),
            ("开除党籍", True),
            ("行政记过", False),
        ],
        "党章第四十二条：党的纪律处分有五种。",
    ),
    (
        M,
        "民主集中制要求（　）。",
        [
            ("党员个人服从党的组织", True),
            ("少数服从多数", True),
            ("下级组织服从上级组织", True),
            ("上级组织服从下级组织", False),
        ],
        "党章第十条：全党各个组织和全体党员服从党的全国代表大会和中央委员会。",
    ),
    (T, "预备党员的预备期为一年。", True, "党章第七条。"),
    (T, "发展党员，必须有两名正式党员作入党介绍人。", True, "党章第五条。"),
    (T, "预备党员享有表决权、选举权和被选举权。", False, "预备党员没有这三项权利（党章第七条）。"),
    (
        T,
        "党员的党龄从支部大会通过其为预备党员之日算起。",
        False,
        "党龄从预备期满转为正式党员之日算起。",
    ),
    (T, "党支部党员大会一般每月召开1次。", False, "党员大会一般每季度召开1次。"),
    (
        T,
        "党组织应当在收到入党申请书后一个月内派人同入党申请人谈话。",
        True,
        "《发展党员工作细则》第八条。",
    ),
    (
        T,
        "预备党员需要继续考察的，延长预备期可以超过一年。",
        False,
        "延长预备期不能超过一年（党章第七条）。",
    ),
]


def _choices(answer: list[tuple[str, bool]] | bool) -> list[ChoiceData]:
    if isinstance(answer, bool):
        return [ChoiceData("正确", answer), ChoiceData("错误", not answer)]
    return [ChoiceData(text, right) for text, right in answer]


@transaction.atomic
def load_exam_demo(program: Program) -> int:
    """Give the program its exam rules and its bank; returns how many questions were added."""
    Program.objects.filter(pk=program.pk).update(**EXAM_RULES)
    for name, value in EXAM_RULES.items():
        setattr(program, name, value)
    existing = set(Question.objects.filter(program=program).values_list("text", flat=True))
    added = 0
    for kind, text, answer, explanation in BANK:
        if text in existing:
            continue
        question = Question(program=program, kind=kind, text=text, explanation=explanation)
        question_save(question=question, choices=_choices(answer), by=None)
        added += 1
    return added
