from django.core.management import call_command

from courses.models import Program
from portal.tasks import worker_health_task


def test_a_task_goes_through_redis_to_a_real_worker_and_its_result_comes_back(
    celery_worker_process,
):
    # given the worker shares the test database; one program is switched off to tell it apart
    Program.objects.filter(code="organisers").delete()

    # when a task is sent through the broker
    result = worker_health_task.delay().get(timeout=30)

    # then the worker answered from PostgreSQL, seeing what this test committed
    assert result["database"] == "postgresql"
    assert result["programs"] == Program.objects.count() == 13


def test_the_check_worker_command_reports_a_healthy_worker(celery_worker_process, capsys):
    call_command("check_worker", timeout=30)

    assert "Worker answered" in capsys.readouterr().out
