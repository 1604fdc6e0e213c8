"""The API against its own OpenAPI schema: schemathesis (``--checks all``) as a school, a learner
and a coordinator, with bounded examples. Every response must be documented (status, content type,
body), schema-valid requests must be accepted (or refused for a documented reason, see
schemathesis.toml), schema-violating ones refused, and nothing may answer 500."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from courses.services import catalog_load
from enrollment.services import provinces_load
from tests.conftest import build_world

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10")
SEED = os.environ.get("SCHEMATHESIS_SEED", "2026")


@pytest.mark.parametrize("role", ["staff_a", "learner_a", "coord_ug"])
def test_the_api_keeps_to_its_schema(live_server, transactional_db, role):
    # given the usual world (two schools, a submitted receipt, a cohort) and the role's token
    provinces_load()  # a transactional test starts from empty tables
    catalog_load()
    world = build_world()
    token = Token.objects.create(user=world.users[role])

    # when schemathesis probes every operation with it
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.url}/api/schema/",
            "--checks",
            "all",
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            "--workers",
            "1",
            "--header",
            f"Authorization: Token {token.key}",
            "--no-color",
        ],
        cwd=ROOT,  # schemathesis.toml
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    # then it finds nothing
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]
