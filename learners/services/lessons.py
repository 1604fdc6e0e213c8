"""Watching a video lesson: the heartbeat that turns watching into credited time.

The player sends a heartbeat every few seconds while it plays (and when it pauses or ends) with a
random id of its window ("tab") and the playback position. The rules, stated to the learner on the
lesson page (``RULES``):

1. One window counts at a time. The learner's row holds the counting window (``study_tab``) and
   its last beat (``study_beat_at``); a beat from another window is taken over only when the
   counting one has been silent for longer than ``WINDOW``. The claim is one conditional UPDATE,
   so two windows can never both count.
2. ``watched_seconds`` is the furthest point reached by watching without a gap from the start. A
   beat moving the position from p0 to p1 adds to it only when the same window beat less than
   ``WINDOW`` ago, the position advanced by no more than the time that passed (plus ``SLACK``),
   and p0 lies within the ground already watched. Seeking ahead, faster playback, re-watching and
   a second window earn nothing; the credited time never exceeds the video's length.
3. A lesson is learnt when ``watched_seconds`` reaches the program's share of its length; the
   enrollment is then completed if that was the last requirement.
4. Nothing is credited outside the cohort's dates.

The common path costs three queries: the progress row (with its enrollment, cohort, program and
lesson, read by the view), the conditional UPDATE of the clock, and one UPDATE of the progress —
two on PostgreSQL, where both writes are one statement (``_claim_and_record_sql``).
"""

import functools
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from courses.models import Cohort, Lesson
from learners.lesson_selectors import BeatState
from learners.models import Enrollment, Learner, LessonProgress
from learners.services.completion import enrollment_complete_if_met, require_study_open
from portal.errors import ApplicationError

# A window silent for longer than this no longer counts; another one may take over.
WINDOW = timedelta(seconds=45)
# Rounding and network jitter: a beat may advance this much more than the time that passed.
SLACK = 2.0
# A position may run this far past the file's measured length (containers round differently).
POSITION_OVERRUN = 5.0
TAB_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")

RULES = [
    gettext_lazy("同一时间只有一个窗口计时：另一个窗口或设备正在播放时，本窗口的观看不计入。"),
    gettext_lazy(
        "只计入从头开始连续观看的时长：拖动进度条跳过的部分、倍速播放超出实际时间的部分、"
        "重复观看的部分都不计入。"
    ),
    gettext_lazy("连续观看达到视频时长的 %(percent)s%% 即为学完本课，计入本课学时。"),
    gettext_lazy("只在本期次的学习时间内计入；暂停或离开超过 45 秒后，继续播放时重新开始计时。"),
]


def counting_rules(percent: int) -> list[str]:
    """The rules above as the lesson page states them, with the program's share filled in."""
    return [str(rule) % {"percent": percent} if "%(" in str(rule) else str(rule) for rule in RULES]


MESSAGE_OTHER_WINDOW = gettext_lazy(
    "另一个窗口或设备正在计时，本窗口的观看暂不计入。请关闭其他窗口后继续观看。"
)
MESSAGE_SKIPPED = gettext_lazy("跳过的部分不计入：请回到已计时长处（%(at)s）继续观看。")
MESSAGE_TOO_FAST = gettext_lazy("播放进度快于实际时间（如倍速播放），这段观看不计入。")
MESSAGE_COMPLETED = gettext_lazy("本课已学完。")
MESSAGE_COUNTING = gettext_lazy("正在计时。")
ERROR_TAB = gettext_lazy("窗口标识无效，请刷新页面后重试。")
ERROR_POSITION = gettext_lazy("播放位置无效，请刷新页面后重试。")


class BadBeat(ApplicationError):
    """A heartbeat that is not well formed (400)."""

    status = 400
    code = "bad_request"


@dataclass(frozen=True)
class Beat:
    watched_seconds: int
    duration: int
    completed: bool
    counting: bool
    message: str
    warning: bool = False  # the message says why this stretch was not credited

    def as_json(self) -> dict:
        return {
            "watched_seconds": self.watched_seconds,
            "duration": self.duration,
            "completed": self.completed,
            "counting": self.counting,
            "message": self.message,
            "warning": self.warning,
        }


def clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def completion_threshold(duration_seconds: int, percent: int) -> int:
    """Seconds of continuous watching that complete a lesson of this length (rounded up)."""
    return math.ceil(duration_seconds * percent / 100)


def progress_start(*, enrollment: Enrollment, lesson: Lesson) -> LessonProgress:
    """The learner's progress row of the lesson, made at the first beat (a concurrent first
    beat's row is used as it is)."""
    progress = LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).first()
    if progress is not None:
        return progress
    try:
        with transaction.atomic():
            return LessonProgress.objects.create(enrollment=enrollment, lesson=lesson)
    except IntegrityError:
        return LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)


def _check_beat(tab: object, position: object, duration: int) -> tuple[str, float]:
    """The beat's tab and position, or BadBeat (the player sent something no player sends)."""
    if not isinstance(tab, str) or not TAB_PATTERN.match(tab):
        raise BadBeat(str(ERROR_TAB), fields={"tab": [str(ERROR_TAB)]})
    if (
        isinstance(position, bool)
        or not isinstance(position, int | float)
        or not math.isfinite(position)
        or not 0 <= position <= duration + POSITION_OVERRUN
    ):
        raise BadBeat(str(ERROR_POSITION), fields={"position": [str(ERROR_POSITION)]})
    return tab, float(position)


def lesson_heartbeat(
    *,
    enrollment: Enrollment,
    lesson: Lesson,
    tab: object,
    position: object,
    now: datetime | None = None,
) -> Beat:
    """Record one heartbeat of the player and credit the time watched (rules: module docstring).

    ``lesson`` must be of the enrollment's program (the views find it so). Raises BadBeat for a
    malformed tab or position, StateConflict outside the cohort's dates; nothing is written then.
    """
    tab, position = _check_beat(tab, position, lesson.duration_seconds)
    require_study_open(enrollment)
    progress = progress_start(enrollment=enrollment, lesson=lesson)
    return _record(BeatState.of(progress, enrollment=enrollment, lesson=lesson), tab, position, now)


def lesson_heartbeat_state(
    *, state: BeatState, tab: object, position: object, now: datetime | None = None
) -> Beat:
    """``lesson_heartbeat`` for a progress row already read with what the rules need
    (``learners.lesson_selectors.beat_state``): the endpoint's common path, three queries."""
    tab, position = _check_beat(tab, position, state.duration_seconds)
    if not state.start_date <= timezone.localdate() <= state.end_date:
        require_study_open(
            Enrollment(cohort=Cohort(start_date=state.start_date, end_date=state.end_date))
        )
    return _record(state, tab, position, now)


# The two writes of every beat, written out once per database: on the portal's most frequent
# request the ORM's building of an UPDATE costs more than the database's running it. They mean
# exactly:
#   Learner.objects.filter(user_id=learner_id)
#       .filter(Q(study_tab=tab) | Q(study_beat_at__lt=now - WINDOW) | Q(study_beat_at=None))
#       .update(study_tab=tab, study_beat_at=now)
#   LessonProgress.objects.filter(pk=progress_id, beat_at=previous_beat).update(**changes)
@functools.cache
def _write_sql(vendor: str) -> tuple[str, str, str]:
    qn = connection.ops.quote_name
    learner, progress = qn(Learner._meta.db_table), qn(LessonProgress._meta.db_table)
    claim = (
        f"UPDATE {learner} SET study_tab = %s, study_beat_at = %s"  # noqa: S608 - table names only
        " WHERE user_id = %s AND (study_tab = %s OR study_beat_at < %s OR study_beat_at IS NULL)"
    )
    if vendor == "postgresql":  # sent with the claim (client-side binding): no extra round trip
        claim = f"SET LOCAL synchronous_commit TO OFF; {claim}"
    record = (
        f"UPDATE {progress} SET watched_seconds = %s, position_seconds = %s, tab = %s,"  # noqa: S608
        " beat_at = %s WHERE id = %s AND beat_at = %s"
    )
    first_record = (
        f"UPDATE {progress} SET watched_seconds = %s, position_seconds = %s, tab = %s,"  # noqa: S608
        " beat_at = %s WHERE id = %s AND beat_at IS NULL"
    )
    return claim, record, first_record


def _claim_window(*, learner_id: int, tab: str, now: datetime) -> bool:
    """Take or keep the learner's one counting window; False when another window counts."""
    claim, _record_sql, _first = _write_sql(connection.vendor)
    at = connection.ops.adapt_datetimefield_value(now)
    silent_since = connection.ops.adapt_datetimefield_value(now - WINDOW)
    with connection.cursor() as cursor:
        cursor.execute(claim, [tab, at, learner_id, tab, silent_since])
        if connection.vendor == "postgresql":
            cursor.nextset()  # past the SET, to the UPDATE's count
        return cursor.rowcount == 1


def _record_progress(progress_id: int, previous_beat: datetime | None, changes: dict) -> int:
    _claim, record, first_record = _write_sql(connection.vendor)
    values = [
        changes["watched_seconds"],
        changes["position_seconds"],
        changes["tab"],
        connection.ops.adapt_datetimefield_value(changes["beat_at"]),
        progress_id,
    ]
    with connection.cursor() as cursor:
        if previous_beat is None:
            cursor.execute(first_record, values)
        else:
            cursor.execute(
                record, [*values, connection.ops.adapt_datetimefield_value(previous_beat)]
            )
        return cursor.rowcount


@functools.cache
def _claim_and_record_sql() -> str:
    """PostgreSQL: the claim and the progress UPDATE in one statement, sent with the setting in one
    round trip; the progress is written only if the claim held. A query string of several
    statements runs as one (implicit) transaction, which the SET LOCAL applies to."""
    qn = connection.ops.quote_name
    learner, progress = qn(Learner._meta.db_table), qn(LessonProgress._meta.db_table)
    return (
        "SET LOCAL synchronous_commit TO OFF; "  # noqa: S608 - table names only, values are bound
        f"WITH claim AS (UPDATE {learner} SET study_tab = %s, study_beat_at = %s"
        " WHERE user_id = %s AND (study_tab = %s OR study_beat_at < %s OR study_beat_at IS NULL)"
        " RETURNING 1),"
        f" recorded AS (UPDATE {progress} SET watched_seconds = %s, position_seconds = %s,"
        " tab = %s, beat_at = %s WHERE id = %s AND beat_at IS NOT DISTINCT FROM %s"
        " AND EXISTS (SELECT 1 FROM claim) RETURNING 1)"
        " SELECT (SELECT count(*) FROM claim), (SELECT count(*) FROM recorded)"
    )


def _claim_and_record(
    *, state: BeatState, tab: str, now: datetime, changes: dict
) -> tuple[bool, int]:
    """(the window counts, rows recorded): one round trip on PostgreSQL."""
    adapt = connection.ops.adapt_datetimefield_value
    values = [
        tab,
        adapt(now),
        state.learner_id,
        tab,
        adapt(now - WINDOW),
        changes["watched_seconds"],
        changes["position_seconds"],
        changes["tab"],
        adapt(changes["beat_at"]),
        state.progress_id,
        adapt(state.beat_at) if state.beat_at is not None else None,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_claim_and_record_sql(), values)
        cursor.nextset()  # past the SET, to the counts
        claimed, recorded = cursor.fetchone()
    return claimed == 1, recorded


def _record(state: BeatState, tab: str, position: float, now: datetime | None) -> Beat:
    # A beat's two writes are one transaction. On PostgreSQL its commit does not wait for the log
    # to reach the disk: a crash may lose the last fraction of a second of beats (the learner
    # re-earns those seconds), never corrupt anything, and every other write keeps waiting.
    now = now or timezone.now()
    plan = _plan(state, tab, position, now)
    if plan.completes or connection.vendor != "postgresql":
        with transaction.atomic(savepoint=False):
            return _record_in_transaction(state, tab, now, plan)
    counting, recorded = _claim_and_record(state=state, tab=tab, now=now, changes=plan.changes)
    if not counting:
        return _other_window(state)
    return _beat(state, plan, recorded=bool(recorded), completed_at=state.completed_at)


@dataclass(frozen=True)
class _Plan:
    """What a beat would write if its window counts."""

    watched: int
    message: str
    changes: dict
    completes: bool


def _plan(state: BeatState, tab: str, position: float, now: datetime) -> _Plan:
    duration = state.duration_seconds
    threshold = completion_threshold(duration, state.completion_percent)
    watched = state.watched_seconds
    p0, p1 = state.position_seconds, position
    message = ""
    previous_beat = state.beat_at
    elapsed = (now - previous_beat).total_seconds() if previous_beat is not None else -1.0
    if state.tab == tab and 0 <= elapsed <= WINDOW.total_seconds():  # the stretch goes on
        advanced = p1 - p0
        if p0 > watched + SLACK:
            message = str(MESSAGE_SKIPPED % {"at": clock(watched)})
        elif advanced > elapsed + SLACK:
            message = str(MESSAGE_TOO_FAST)
        elif advanced > 0:
            watched = max(watched, min(round(p1), duration))
    elif p1 > watched + SLACK:
        message = str(MESSAGE_SKIPPED % {"at": clock(watched)})
    return _Plan(
        watched=watched,
        message=message,
        changes={
            "watched_seconds": watched,
            "position_seconds": min(round(p1), duration + int(POSITION_OVERRUN)),
            "tab": tab,
            "beat_at": now,
        },
        completes=state.completed_at is None and duration > 0 and watched >= threshold,
    )


def _other_window(state: BeatState) -> Beat:
    """The progress is left as it is, so the counting window's stretch goes on."""
    return Beat(
        watched_seconds=state.watched_seconds,
        duration=state.duration_seconds,
        completed=state.completed_at is not None,
        counting=False,
        message=str(MESSAGE_OTHER_WINDOW),
    )


def _beat(state: BeatState, plan: _Plan, *, recorded: bool, completed_at) -> Beat:
    watched = plan.watched if recorded else state.watched_seconds
    message = plan.message
    warning = bool(message)
    if completed_at is not None and not message:
        message = str(MESSAGE_COMPLETED)
    return Beat(
        watched_seconds=watched,
        duration=state.duration_seconds,
        completed=completed_at is not None,
        counting=True,
        message=message or str(MESSAGE_COUNTING),
        warning=warning,
    )


def _record_in_transaction(state: BeatState, tab: str, now: datetime, plan: _Plan) -> Beat:
    if not _claim_window(learner_id=state.learner_id, tab=tab, now=now):
        return _other_window(state)
    previous_beat = state.beat_at
    completed_at = state.completed_at
    # The UPDATE holds only if no other beat of this row was recorded meanwhile (same beat_at):
    # two beats racing never both add their stretch.
    if plan.completes:
        with transaction.atomic():
            same_row = LessonProgress.objects.filter(pk=state.progress_id, beat_at=previous_beat)
            recorded = same_row.update(**plan.changes, completed_at=now)
            if recorded:
                completed_at = now
                enrollment_complete_if_met(enrollment_id=state.enrollment_id)
    else:
        recorded = _record_progress(state.progress_id, previous_beat, plan.changes)
    return _beat(state, plan, recorded=bool(recorded), completed_at=completed_at)
