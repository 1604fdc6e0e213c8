import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import av
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from courses import catalog_2026, simulation_2026
from courses.models import (
    Choice,
    Cohort,
    HourBand,
    Lesson,
    Program,
    Question,
    QuestionKind,
    SimulationOption,
    SimulationStage,
    SimulationStep,
)
from portal import access
from portal.errors import ApplicationError, PermissionRefused, StateConflict, validate_instance
from portal.models import User
from portal.services import audit_record


@transaction.atomic
def catalog_load() -> int:
    """Load the 2026 catalog where it is missing; returns how many programs were created."""
    created = catalog_2026.load_into(Program, SimulationStage, SimulationStep)
    simulation_2026.load_into(Program, SimulationStep, SimulationOption)
    return created


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


MAX_STUDY_MONTHS = 2
ERROR_STUDY_TOO_LONG = _("学习时长原则上不超过2个月：结束日期最晚为 %(latest)s。")
ERROR_OVER_PROGRAM_LIMIT = _("该班次每期最多 %(max)s 人，容量不能超过此数。")
ERROR_CAPACITY_BELOW_ENROLLED = _("该期次已有 %(enrolled)s 名学员，容量不能少于此数。")
ERROR_PROGRAM_LOCKED = _("该期次已有学员，不能更换培训班次。")
ERROR_PROGRAM_CLOSED = _("班次「%(name)s」暂不接受报名，不能新建期次。")

COHORT_FIELDS = ("program", "name", "start_date", "end_date", "capacity", "coordinator")


def cohort_validate(cohort: Cohort) -> None:
    """Every rule a cohort must keep, whoever writes it (page, API, admin).

    The model's own rules first (bounded dates, capacity, a coordinator of the academy, a unique
    name), so that the date arithmetic below only ever sees dates near today; then the notice's
    scheduling rules: at most two months of study, a workshop at most its program's limit; then
    what its enrollments require: room for them all, and the program they were placed into.
    """
    validate_instance(cohort)  # includes the end not before the start (cohort_end_after_start)
    latest = add_months(cohort.start_date, MAX_STUDY_MONTHS)
    if cohort.end_date > latest:
        message = str(ERROR_STUDY_TOO_LONG % {"latest": latest.isoformat()})
        raise ApplicationError(message, fields={"end_date": [message]})
    program = cohort.program
    if program.max_participants is not None and cohort.capacity > program.max_participants:
        message = str(ERROR_OVER_PROGRAM_LIMIT % {"max": program.max_participants})
        raise ApplicationError(message, fields={"capacity": [message]})
    if cohort.pk is None:
        if not program.is_active:
            message = str(ERROR_PROGRAM_CLOSED % {"name": program.name})
            raise ApplicationError(message, fields={"program": [message]})
        return
    enrolled = cohort.enrollments.count()
    if cohort.capacity < enrolled:
        message = str(ERROR_CAPACITY_BELOW_ENROLLED % {"enrolled": enrolled})
        raise StateConflict(message, fields={"capacity": [message]})
    if enrolled:
        current = Cohort.objects.filter(pk=cohort.pk).values_list("program_id", flat=True).get()
        if current != cohort.program_id:
            message = str(ERROR_PROGRAM_LOCKED)
            raise StateConflict(message, fields={"program": [message]})


def _lock_program(program_id: int) -> None:
    """Cohorts and their program's limit change one at a time: each write locks the program."""
    list(Program.objects.select_for_update().filter(pk=program_id).values_list("pk"))


def _check_academy(by: User) -> None:
    if not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY))


ERROR_NOT_ACADEMY = _("只有学院项目负责人可以安排期次。")


@transaction.atomic
def cohort_create(
    *,
    program: Program,
    name: str,
    start_date: date,
    end_date: date,
    capacity: int,
    coordinator: User | None,
    by: User,
) -> Cohort:
    _check_academy(by)
    cohort = Cohort(
        program=program,
        name=name,
        start_date=start_date,
        end_date=end_date,
        capacity=capacity,
        coordinator=coordinator,
    )
    _lock_program(program.pk)
    cohort_validate(cohort)
    cohort.save()
    audit_record(actor=by, action="cohort.create", target=cohort)
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, by: User, data: dict) -> Cohort:
    """Change a cohort's schedule, capacity, name or coordinator; locked, so that a placement
    running at the same time cannot slip under a capacity being lowered."""
    _check_academy(by)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    changed = [
        name for name in COHORT_FIELDS if name in data and getattr(cohort, name) != data[name]
    ]
    for name in changed:
        setattr(cohort, name, data[name])
    _lock_program(cohort.program_id)
    cohort_validate(cohort)
    cohort.save()
    audit_record(actor=by, action="cohort.change", target=cohort, details={"changed": changed})
    return cohort


ERROR_LIMIT_BELOW_COHORT = _("该班次已有容量为 %(capacity)s 的期次，人数上限不能低于此数。")


def program_validate(program: Program) -> None:
    """A program keeps the model's rules, and its limit holds every cohort already scheduled."""
    validate_instance(program)
    if program.pk is None or program.max_participants is None:
        return
    largest = program.cohorts.aggregate(largest=Max("capacity"))["largest"]
    if largest is not None and largest > program.max_participants:
        message = str(ERROR_LIMIT_BELOW_COHORT % {"capacity": largest})
        raise StateConflict(message, fields={"max_participants": [message]})


@transaction.atomic
def program_save(*, program: Program, by: User, changed: list[str]) -> Program:
    """Create or change a program of the catalog (the academy edits it in the admin)."""
    _check_academy(by)
    created = program.pk is None
    if not created:  # cohorts being scheduled wait (_lock_program), so the limit holds them all
        _lock_program(program.pk)
    program_validate(program)
    program.save()
    audit_record(
        actor=by,
        action=f"program.{'create' if created else 'change'}",
        target=program,
        details={"changed": changed},
    )
    return program


# ---- exam question bank ----

MIN_CHOICES, MAX_CHOICES = 2, 8
MIN_MULTIPLE_CHOICES = 3
TRUE_FALSE_TEXTS = ("正确", "错误")
ERROR_CHOICE_COUNT = _("每道题须有 2 至 8 个选项。")
ERROR_CHOICE_EMPTY = _("选项内容不能为空。")
ERROR_CHOICE_DUPLICATE = _("同一道题的选项不能重复：「%(text)s」出现了不止一次。")
ERROR_SINGLE_ONE_CORRECT = _("单选题须有且只有一个正确答案。")
ERROR_TRUE_FALSE_CHOICES = _("判断题的选项须恰好为“正确”和“错误”两项，并标出其中一项为正确答案。")
ERROR_MULTIPLE_CHOICES = _("多选题须有 3 至 8 个选项，其中至少两个正确答案。")
ERROR_NOT_ACADEMY_BANK = _("只有学院项目负责人可以编辑题库。")


@dataclass(frozen=True)
class ChoiceData:
    text: str
    is_correct: bool


def question_validate(question: Question, choices: Sequence[Choice | ChoiceData]) -> None:
    """Every rule a question of the bank keeps, whoever writes it (admin, import, demo).

    Every question has 2–8 choices with distinct texts; a single-choice question exactly one right
    choice; a true/false question exactly the two choices 正确/错误, one of them right; a
    multiple-choice question 3–8 choices, at least two of them right.
    """
    validate_instance(question, exclude=["program"] if question.program_id is None else None)
    question_choices_validate(question.kind, choices)


def question_choices_validate(kind: str, choices: Sequence[Choice | ChoiceData]) -> None:
    """The rules on a question's choices alone (the admin's inline checks them on its own)."""
    texts = [choice.text.strip() for choice in choices]
    if any(not text for text in texts):
        raise ApplicationError(str(ERROR_CHOICE_EMPTY))
    if not MIN_CHOICES <= len(texts) <= MAX_CHOICES:
        raise ApplicationError(str(ERROR_CHOICE_COUNT))
    seen: set[str] = set()
    for text in texts:
        if text in seen:
            raise ApplicationError(str(ERROR_CHOICE_DUPLICATE % {"text": text}))
        seen.add(text)
    right = sum(1 for choice in choices if choice.is_correct)
    if kind == QuestionKind.TRUE_FALSE:
        if sorted(texts) != sorted(TRUE_FALSE_TEXTS) or right != 1:
            raise ApplicationError(str(ERROR_TRUE_FALSE_CHOICES))
    elif kind == QuestionKind.SINGLE:
        if right != 1:
            raise ApplicationError(str(ERROR_SINGLE_ONE_CORRECT))
    elif len(texts) < MIN_MULTIPLE_CHOICES or right < 2:
        raise ApplicationError(str(ERROR_MULTIPLE_CHOICES))


@transaction.atomic
def question_save(
    *, question: Question, choices: Sequence[ChoiceData], by: User | None
) -> Question:
    """Create or change a question with its choices (in the given order), all or nothing.

    ``by`` is None only for the system's own loads (demo data). Existing choices are kept by
    position, so that past attempts keep pointing at the rows their learners chose.
    """
    if by is not None and not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY_BANK))
    question_validate(question, choices)
    created = question.pk is None
    question.save()
    existing = {choice.position: choice for choice in question.choices.all()}
    for position, data in enumerate(choices):
        choice = existing.pop(position, None) or Choice(question=question, position=position)
        choice.text, choice.is_correct = data.text.strip(), data.is_correct
        validate_instance(choice, exclude=["question"])
        choice.save()
    Choice.objects.filter(pk__in=[choice.pk for choice in existing.values()]).delete()
    if by is not None:
        audit_record(
            actor=by,
            action=f"question.{'create' if created else 'change'}",
            target=question,
        )
    return question


# ---- lessons ----

ERROR_VIDEO_UNREADABLE = _("无法读取该视频文件，请上传 MP4（H.264）或 WebM 视频。")
ERROR_VIDEO_TOO_LARGE = _("视频文件不能超过 %(limit)s MB（该文件约 %(size)s MB）。")
ERROR_VIDEO_MISSING = _("请上传视频文件。")
ERROR_NOT_ACADEMY_LESSON = _("只有学院项目负责人可以编辑视频课程。")


def video_duration_seconds(video) -> int:
    """The length in whole seconds of a video file (an upload or a stored file), read by PyAV.

    Refuses, on the field "video", a file that is not a readable video: no video stream, no frame
    that decodes, or no length. Only the container's header and the first frame are read.
    """
    message = str(ERROR_VIDEO_UNREADABLE)
    try:
        source = _probe_source(video)
        with av.open(source, mode="r") as container:
            if not container.streams.video:
                raise ApplicationError(message, fields={"video": [message]})
            stream = container.streams.video[0]
            seconds = None
            if container.duration:
                seconds = container.duration / av.time_base
            elif stream.duration and stream.time_base:
                seconds = float(stream.duration * stream.time_base)
            next(container.decode(stream))  # at least one frame decodes
    except (av.FFmpegError, OSError, ValueError, EOFError, StopIteration, IndexError):
        raise ApplicationError(message, fields={"video": [message]}) from None
    finally:
        if hasattr(video, "seek"):
            video.seek(0)
    if seconds is None or not math.isfinite(seconds) or seconds < 0.5:
        raise ApplicationError(message, fields={"video": [message]})
    return round(seconds)


def _probe_source(video):
    """A path when the file is on disk (a large upload, a stored file), else the file object."""
    inner = getattr(video, "file", None) if not getattr(video, "_committed", True) else None
    upload = inner if inner is not None else video
    if hasattr(upload, "temporary_file_path"):
        return upload.temporary_file_path()
    if getattr(video, "_committed", False):
        try:
            return video.path
        except NotImplementedError:  # a storage without local paths
            video.open("rb")
            return video.file
    upload.seek(0)
    return upload


def lesson_hours(program: Program, duration_seconds: int, bands=None) -> Decimal:
    """The hours a lesson of this length earns in ``program``: the band with the highest
    threshold it reaches (at least ``min_minutes`` minutes); below every band, or no band, 0."""
    if bands is None:
        bands = list(HourBand.objects.filter(program=program).values_list("min_minutes", "hours"))
    reached = [(minutes, hours) for minutes, hours in bands if duration_seconds >= minutes * 60]
    return max(reached)[1] if reached else Decimal("0")


def lesson_validate(lesson: Lesson) -> None:
    """Every rule a lesson keeps: the model's, a file within the size limit that is a readable
    video. Sets ``duration_seconds`` when the file is new (or was never measured). A lesson of a
    program being created in the same form is judged without its program (not saved yet)."""
    exclude = [] if lesson.video else ["video"]
    if lesson.program_id is None:
        exclude.append("program")
    validate_instance(lesson, exclude=exclude or None)
    if not lesson.video:
        message = str(ERROR_VIDEO_MISSING)
        raise ApplicationError(message, fields={"video": [message]})
    if not getattr(lesson.video, "_committed", True) or not lesson.duration_seconds:
        limit = settings.LESSON_VIDEO_MAX_BYTES
        size = lesson.video.size
        if size > limit:
            message = str(
                ERROR_VIDEO_TOO_LARGE
                % {"limit": limit // (1024 * 1024), "size": -(-size // (1024 * 1024))}
            )
            raise ApplicationError(message, fields={"video": [message]})
        lesson.duration_seconds = video_duration_seconds(lesson.video)


@transaction.atomic
def lesson_save(*, lesson: Lesson, by: User | None) -> Lesson:
    """Create or change a lesson: its length is read from the file, its hours from the program's
    hour bands. ``by`` is None only for the system's own loads (demo data)."""
    if by is not None and not access.is_academy(by):
        raise PermissionRefused(str(ERROR_NOT_ACADEMY_LESSON))
    _lock_program(lesson.program_id)  # hour bands change one at a time with their lessons
    lesson_validate(lesson)
    lesson.hours = lesson_hours(lesson.program, lesson.duration_seconds)
    created = lesson.pk is None
    lesson.save()
    if by is not None:
        audit_record(
            actor=by,
            action=f"lesson.{'create' if created else 'change'}",
            target=lesson,
            details={"duration_seconds": lesson.duration_seconds, "hours": str(lesson.hours)},
        )
    return lesson


@transaction.atomic
def program_hour_bands_changed(program: Program) -> int:
    """Recompute every lesson's hours after the program's bands changed; returns how many changed.

    Completed enrollments keep the hours fixed on them when they completed."""
    _lock_program(program.pk)
    bands = list(HourBand.objects.filter(program=program).values_list("min_minutes", "hours"))
    changed = []
    for lesson in Lesson.objects.filter(program=program):
        hours = lesson_hours(program, lesson.duration_seconds, bands)
        if lesson.hours != hours:
            lesson.hours = hours
            changed.append(lesson)
    if changed:
        Lesson.objects.bulk_update(changed, ["hours"])
    return len(changed)
