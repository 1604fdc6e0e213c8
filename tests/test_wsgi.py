"""The WSGI entry point gunicorn loads."""

import os
import subprocess
import sys
from pathlib import Path


def test_a_web_worker_has_loaded_every_view_before_its_first_request():
    # Otherwise the first request each worker serves waits for the URLconf's imports (seconds,
    # WeasyPrint's among them), and under load so does every request queued behind it.
    probe = (
        "import sys, config.wsgi; "
        "from django.urls import get_resolver; "
        "assert 'url_patterns' in vars(get_resolver()), 'URLconf not loaded'; "
        "assert 'certificates.views' in sys.modules and 'learners.views.lessons' in sys.modules"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(  # noqa: S603 - our own interpreter on a fixed probe
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-2000:]
