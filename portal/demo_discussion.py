"""Demo themed discussion and reflection essays for the demo cohort: two topics with a few posts
and replies by learner-1…learner-3 and the cohort's coordinator, one essay waiting in the grading
queue (learner-2) and one passed (learner-3); learner-1 has one post (of the two asked) and no
essay yet, so that the demo login has something left to do.

Idempotent: topics are found by title, posts by author and text, essays by enrollment; the
program's requirements are set to the same values each time.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from courses.models import Cohort, DiscussionTopic
from learners.models import Enrollment, Essay, EssayStatus, Post
from portal.errors import validate_instance
from portal.models import Role, User

REQUIREMENTS = {"min_posts": 2, "require_essay": True, "essay_min_chars": 300}

TOPICS = [
    (
        "如何把党的创新理论学习成果转化为推动学校发展的实际成效",
        "结合本单位党建工作实际，谈谈在理论学习、调查研究和推动工作落实方面的做法与体会。"
        "每人至少发帖或回复两次。",
    ),
    (
        "新时代高校基层党支部“三会一课”如何提质增效",
        "围绕支部党员大会、支部委员会、党小组会和党课的组织实施，交流经验、分析问题、提出改进建议。",
    ),
]

# (topic index, key, author, reply to key or None, hours ago, text)
POSTS = [
    (
        0,
        "t1-a",
        "learner-1",
        None,
        70,
        "我们学院党委把理论学习和“一院一品”党建品牌结合起来：每月一次中心组学习，"
        "学习后由班子成员带着问题到系部、实验室开展调研，形成问题清单和整改台账。\n"
        "体会是学习要落到解决师生急难愁盼的具体问题上，才能真正见到成效。",
    ),
    (
        0,
        "t1-b",
        "learner-2",
        None,
        50,
        "我们在教师党支部推行“学习+业务”双融合，把政治理论学习与课程思政建设、"
        "科研攻关结合起来，支部书记带头讲专题党课。今年已有三门课程入选校级课程思政示范课。",
    ),
    (
        0,
        "t1-c",
        "learner-3",
        "t1-a",
        45,
        "问题清单和整改台账的做法很值得借鉴。请问台账是由谁来跟踪销号？我们学院也在考虑类似机制。",
    ),
    (
        0,
        "t1-d",
        "coordinator",
        "t1-a",
        30,
        "感谢分享。建议把调研成果和整改情况在支部内定期通报，形成学习—调研—整改—反馈的闭环。",
    ),
    (
        1,
        "t2-a",
        "learner-3",
        None,
        26,
        "“三会一课”容易流于形式，我们支部尝试每次支部党员大会设一个研讨议题，"
        "会前把材料发给党员准备发言，会后把形成的意见建议报党总支，效果明显好于以往照本宣科。",
    ),
    (
        1,
        "t2-b",
        "learner-2",
        "t2-a",
        20,
        "赞同会前准备议题的做法。我们学生党支部还邀请优秀校友党员讲党课，"
        "结合就业创业谈理想信念，同学们参与的积极性很高。",
    ),
]

ESSAY_TITLE_SUBMITTED = "以高质量党建引领教师党支部建设的几点思考"
ESSAY_SUBMITTED = (
    "参加这次高校基层党务工作者培训，我系统学习了党的创新理论和新时代党的建设总要求，"
    "也认真研读了《中国共产党普通高等学校基层组织工作条例》，对做好教师党支部工作有了更深的认识。\n\n"
    "一是要把政治建设摆在首位。教师党支部是学校党组织联系教师的桥梁，"
    "支部书记首先要做政治上的明白人，通过“三会一课”、主题党日等形式，"
    "引导教师党员坚定理想信念，做到学思用贯通、知信行统一。\n\n"
    "二是要推动党建与业务深度融合。我们支部结合学科特点，"
    "把课程思政建设、科研团队建设和师德师风建设纳入支部工作计划，"
    "由党员骨干牵头组建攻关小组，让党建工作成果体现在教学质量和科研成效上。\n\n"
    "三是要加强支部书记队伍建设。实施“双带头人”培育工程，"
    "选优配强支部书记，定期开展轮训和工作交流，不断提升支部书记的政治能力和履职能力。\n\n"
    "今后我将把培训所学运用到实际工作中，进一步规范支部组织生活，"
    "创新工作方法，努力把支部建设成为坚强战斗堡垒，为学校高质量发展提供坚强组织保证。"
)

ESSAY_TITLE_PASSED = "做好新时代高校学生党员发展工作的体会"
ESSAY_PASSED = (
    "通过本次培训，我对发展党员工作的程序要求和质量要求有了系统的认识。"
    "发展党员是党的建设的一项经常性重要工作，高校是发展学生党员的主阵地，"
    "必须坚持“控制总量、优化结构、提高质量、发挥作用”的总要求。\n\n"
    "首先，要严格把好入口关。从递交入党申请书、确定入党积极分子、列为发展对象，"
    "到接收预备党员和预备党员转正，每一个环节都要严格按照《中国共产党发展党员工作细则》执行，"
    "做到程序不减、标准不降。特别是政治审查、集中培训和支部委员会审查等环节，"
    "必须认真负责，不能走过场。\n\n"
    "其次，要加强培养教育。入党积极分子的培养联系人要经常谈心谈话，"
    "了解其思想、学习和生活情况，引导他们在学习和社会实践中锻炼成长。\n\n"
    "最后，要注重发挥作用。学生党员要在学习、科研、志愿服务等方面走在前列，"
    "让同学们看到党员的先锋模范作用。我所在的学院将以这次培训为契机，"
    "进一步完善发展党员工作台账，提高发展党员工作质量。"
)


def _coordinator(cohort: Cohort) -> User:
    if cohort.coordinator is not None:
        return cohort.coordinator
    return User.objects.filter(role=Role.ACADEMY_COORDINATOR, is_active=True).order_by("pk")[0]


@transaction.atomic
def load_discussion_demo(cohort: Cohort) -> None:
    program = cohort.program
    for name, value in REQUIREMENTS.items():
        setattr(program, name, value)
    validate_instance(program)
    program.save(update_fields=[*REQUIREMENTS, "updated_at"])

    coordinator = _coordinator(cohort)
    places = {
        enrollment.learner.username: enrollment
        for enrollment in Enrollment.objects.filter(
            cohort=cohort, learner__username__in=["learner-1", "learner-2", "learner-3"]
        ).select_related("learner")
    }
    topics = []
    for title, prompt in TOPICS:
        topic, _ = DiscussionTopic.objects.get_or_create(
            cohort=cohort, title=title, defaults={"prompt": prompt}
        )
        topics.append(topic)

    now = timezone.now()
    written: dict[str, Post] = {}
    for index, key, author, reply_to, hours_ago, body in POSTS:
        place = places.get(author)
        if author != "coordinator" and place is None:
            continue  # that demo learner was not placed: leave her posts out
        parent = written.get(reply_to) if reply_to else None
        if reply_to and parent is None:
            continue
        post, created = Post.objects.get_or_create(
            topic=topics[index],
            author=coordinator if author == "coordinator" else place.learner,
            parent=parent,
            body=body,
            defaults={"enrollment": place},
        )
        if created:
            Post.objects.filter(pk=post.pk).update(created_at=now - timedelta(hours=hours_ago))
        written[key] = post

    if "learner-2" in places:
        Essay.objects.get_or_create(
            enrollment=places["learner-2"],
            defaults={
                "title": ESSAY_TITLE_SUBMITTED,
                "body": ESSAY_SUBMITTED,
                "status": EssayStatus.SUBMITTED,
                "submitted_at": now - timedelta(hours=20),
                "revision": 1,
            },
        )
    if "learner-3" in places:
        Essay.objects.get_or_create(
            enrollment=places["learner-3"],
            defaults={
                "title": ESSAY_TITLE_PASSED,
                "body": ESSAY_PASSED,
                "status": EssayStatus.PASSED,
                "submitted_at": now - timedelta(days=3),
                "revision": 1,
                "reviewed_by": coordinator,
                "reviewed_at": now - timedelta(days=2),
                "comment": "结合实际，认识深刻，条理清楚，予以通过。",
            },
        )
