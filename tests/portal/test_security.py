import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import PASSWORD, StaffFactory

LOGIN = "/accounts/login/"


def attempt(client, username, password, remote_addr, forwarded_for=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_for_that_client(client):
    user = StaffFactory(username="zhang")
    for _ in range(5):
        attempt(client, "zhang", "wrong", "10.0.0.5")

    response = attempt(client, "zhang", PASSWORD, "10.0.0.5")

    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "请 30 分钟 后再试" in response.content.decode()
    assert "PT30M" not in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username=user.username).exists()


@pytest.mark.django_db
def test_a_spoofed_forwarded_for_header_does_not_reset_the_lockout(client):
    StaffFactory(username="zhang")
    for n in range(5):
        attempt(client, "zhang", "wrong", "10.0.0.5", forwarded_for=f"203.0.113.{n}")

    response = attempt(client, "zhang", PASSWORD, "10.0.0.5", forwarded_for="198.51.100.77")

    assert response.status_code == 429


@pytest.mark.django_db
def test_an_attacker_cannot_lock_out_the_real_user_by_spoofing_her_address(client):
    # given an attacker fails five times, claiming the victim's address in X-Forwarded-For
    StaffFactory(username="li")
    for _ in range(5):
        attempt(client, "li", "wrong", "10.6.6.6", forwarded_for="10.0.0.9")

    # when the victim signs in from her own address
    response = attempt(client, "li", PASSWORD, "10.0.0.9")

    # then she gets in
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("portal:dashboard")


@pytest.mark.django_db
def test_login_failure_message_is_chinese_and_does_not_say_which_part_was_wrong(client):
    StaffFactory(username="wang")

    response = attempt(client, "wang", "wrong", "10.0.0.5")

    assert "用户名或密码不正确" in response.content.decode()


def test_client_ip_trusts_forwarded_for_only_from_configured_proxies(rf, settings):
    from portal.security import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "2.2.2.2"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.1"


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_unsafe_inline(client):
    response = client.get("/")

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()
    assert "style=" not in response.content.decode()


@pytest.mark.django_db
def test_media_url_is_not_served(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "roster.xlsx").write_bytes(b"secret")

    response = client.get(settings.MEDIA_URL + "roster.xlsx")

    assert response.status_code == 404


def run_production_check(extra_env: dict) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": "sqlite:////tmp/portal-check.sqlite3",
        "ALLOWED_HOSTS": "portal.example.org",
        "EMAIL_URL": "smtp+tls://portal:secret@smtp.example.org:587",
        "PERSONAL_DATA_KEYS": "x5Yf0Bq7c0Gqk2l3d9yR3pQ4mF6yG0s1vT8wZ2aB4cE=",
        "PERSONAL_DATA_HASH_KEY": "h" * 40,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "PORTAL_BASE_URL": "https://portal.example.org",
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    result = run_production_check({})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_shared_cache():
    # several gunicorn workers and hosts must share the cache that holds roster error files
    result = run_production_check({"SECRET_KEY": "k3" * 30 + "x!@#$%^&*()", "REDIS_URL": ""})

    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run_production_check({"SECRET_KEY": "k3" * 30 + "x!@#$%^&*()"})

    assert result.returncode == 0, result.stdout + result.stderr
