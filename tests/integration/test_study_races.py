"""Two people acting on the same study row at the same moment, on PostgreSQL's row locks."""

import threading

from django.db import connections

from learners.models import Post
from learners.services.discussion import post_create
from learners.services.essays import essay_review, essay_save
from portal.errors import StateConflict
from portal.models import AuditEvent
from tests.factories import DiscussionTopicFactory

BODY = "结合本校实际，我认为基层党支部要把政治建设摆在首位。"


def at_once(action, arguments):
    """Run ``action`` once per argument, in threads released together."""
    start = threading.Barrier(len(arguments))
    outcomes = []

    def run(argument):
        try:
            start.wait()
            outcomes.append(action(argument))
        except StateConflict:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_the_same_post_sent_twice_at_once_is_written_once(postgres):
    from tests.conftest import build_world

    world = build_world()
    learner = world.users["learner_a"]
    topic = DiscussionTopicFactory(cohort=world.study_cohort)

    written = at_once(lambda _: post_create(author=learner, topic=topic, body=BODY).pk, [1, 2])

    assert len(written) == 2
    assert len(set(written)) == 1
    assert Post.objects.count() == 1


def test_two_coordinators_grading_at_once_grade_it_once(postgres):
    from tests.conftest import build_world

    world = build_world()
    program = world.study_cohort.program
    program.require_essay = True
    program.essay_min_chars = 50
    program.save()
    essay = essay_save(enrollment=world.enrollment_a, title="心得体会", body="党" * 60, submit=True)

    outcomes = at_once(
        lambda by: essay_review(essay=essay, by=by, passed=True, comment="") and "graded",
        [world.users["coord_ug"], world.users["coord_voc"]],
    )

    assert sorted(outcomes) == ["graded", "refused"]
    assert AuditEvent.objects.filter(action="essay.pass").count() == 1
