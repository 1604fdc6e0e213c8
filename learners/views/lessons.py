"""Video lessons (视频课程): the list, the player, the video itself and the player's heartbeat.

Routes (namespace ``learners``):
- ``lessons`` /study/<pk>/lessons/ — the program's lessons with the learner's progress;
- ``lesson`` /study/<pk>/lessons/<lesson>/ — the player, with the counting rules;
- ``lesson-video`` /study/<pk>/lessons/<lesson>/video/ — the file, with byte ranges, for the
  learner of that place (any place of hers in a cohort of the lesson's program);
- ``lesson-heartbeat`` /study/<pk>/lessons/<lesson>/heartbeat/ — POST JSON {tab, position};
- ``lesson-preview`` /lessons/<lesson>/video/ — the file for the academy (coordinators, admins),
  to check a lesson before learners see it (linked from the admin).
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from courses.models import Lesson
from learners.lesson_selectors import beat_state, enrollment_lessons
from learners.models import LessonProgress
from learners.selectors import study_open
from learners.services.lessons import (
    WINDOW,
    completion_threshold,
    counting_rules,
    lesson_heartbeat,
    lesson_heartbeat_state,
)
from learners.views.study import enrollment_or_404
from portal import access
from portal.errors import ApplicationError
from portal.models import Role
from portal.ranges import ranged_file_response

CONTENT_TYPES = {"webm": "video/webm", "mp4": "video/mp4"}
ERROR_BAD_JSON = gettext_lazy("请求格式无效，请刷新页面后重试。")


def _lesson_of(enrollment, lesson_pk: int) -> Lesson:
    """A lesson of the enrollment's program; any other is not found."""
    return get_object_or_404(Lesson, pk=lesson_pk, program_id=enrollment.cohort.program_id)


def _video_response(request, lesson: Lesson):
    name = lesson.video.name
    if not name:
        raise Http404
    extension = name.rsplit(".", 1)[-1].lower()
    storage = lesson.video.storage
    if not storage.exists(name):
        raise Http404
    return ranged_file_response(
        request,
        storage,
        name,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )


@login_required
def lesson_list(request, pk: int):
    enrollment = enrollment_or_404(request, pk)
    rows = enrollment_lessons(enrollment)
    return render(
        request,
        "learners/lessons_list.html",
        {
            "enrollment": enrollment,
            "rows": rows,
            "done": sum(1 for row in rows if row.completed),
            "open": study_open(enrollment),
        },
    )


@login_required
def lesson_detail(request, pk: int, lesson: int):
    enrollment = enrollment_or_404(request, pk)
    lesson_obj = _lesson_of(enrollment, lesson)
    progress = LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson_obj).first()
    percent = enrollment.cohort.program.lesson_completion_percent
    rows = enrollment_lessons(enrollment)
    index = next(i for i, row in enumerate(rows) if row.lesson.pk == lesson_obj.pk)
    return render(
        request,
        "learners/lessons_detail.html",
        {
            "enrollment": enrollment,
            "lesson": lesson_obj,
            "row": rows[index],
            "previous": rows[index - 1] if index > 0 else None,
            "next": rows[index + 1] if index + 1 < len(rows) else None,
            "progress": progress,
            "threshold": completion_threshold(lesson_obj.duration_seconds, percent),
            "rules": counting_rules(percent),
            "open": study_open(enrollment),
            "window_seconds": int(WINDOW.total_seconds()),
        },
    )


@login_required
@require_safe
def lesson_video(request, pk: int, lesson: int):
    enrollment = enrollment_or_404(request, pk)
    return _video_response(request, _lesson_of(enrollment, lesson))


@login_required
@require_safe
def lesson_preview(request, lesson: int):
    """The academy checks a lesson's video; learners use their place's route, others see none."""
    if not access.is_academy(request.user):
        raise Http404
    return _video_response(request, get_object_or_404(Lesson, pk=lesson))


@login_required
@require_POST
def lesson_heartbeat_view(request, pk: int, lesson: int):
    """The player's heartbeat: the common path reads one row and writes two."""
    if not access.has_role(request.user, Role.LEARNER):
        raise Http404
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return JsonResponse({"message": str(ERROR_BAD_JSON), "counting": False}, status=400)
    tab, position = data.get("tab"), data.get("position")  # judged by the service
    state = beat_state(enrollment_id=pk, lesson_id=lesson, learner_id=request.user.pk)
    try:
        if state is not None:
            if state.lesson_program_id != state.program_id:
                raise Http404
            beat = lesson_heartbeat_state(state=state, tab=tab, position=position)
        else:  # her first beat of this lesson in this place
            enrollment = enrollment_or_404(request, pk)
            beat = lesson_heartbeat(
                enrollment=enrollment,
                lesson=_lesson_of(enrollment, lesson),
                tab=tab,
                position=position,
            )
    except ApplicationError as error:
        return JsonResponse(
            {"message": error.message, "counting": False, "fields": error.fields},
            status=error.status,
        )
    return JsonResponse(beat.as_json())


urlpatterns = [
    path("study/<int:pk>/lessons/", lesson_list, name="lessons"),
    path("study/<int:pk>/lessons/<int:lesson>/", lesson_detail, name="lesson"),
    path("study/<int:pk>/lessons/<int:lesson>/video/", lesson_video, name="lesson-video"),
    path(
        "study/<int:pk>/lessons/<int:lesson>/heartbeat/",
        lesson_heartbeat_view,
        name="lesson-heartbeat",
    ),
    path("lessons/<int:lesson>/video/", lesson_preview, name="lesson-preview"),
]
