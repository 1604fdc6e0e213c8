"""The embedded default (an SQLite file) serves a few people at once without "database is locked"."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_five_schools_saving_and_submitting_at_once_on_sqlite_all_succeed(tmp_path):
    # given an SQLite file, as `make run` uses, and five schools each with a draft
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    env.pop("REDIS_URL", None)

    # when all five save a new receipt and submit their draft at the same moment
    result = subprocess.run(
        [sys.executable, "-m", "tests.portal.sqlite_writers"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then every request succeeded and wrote what it should
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert sorted(outcome["statuses"]) == [302] * 10
    assert outcome["receipts"] == 10
    assert outcome["submitted"] == 5
