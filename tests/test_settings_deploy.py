"""Production settings pass Django's deployment checklist; development needs no configuration."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "x7Qp2Lm9Rt5Vw8Zb1Nc4Hd6Jf0Gs3Ky" * 2,
    "ALLOWED_HOSTS": "collections.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
    "PAYMENT_PROVIDER": "portal.providers.LocalFakeProvider",
    "PORTAL_BASE_URL": "https://collections.example.com",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "PAYMENT_PROVIDER",
            "PORTAL_BASE_URL",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_a_secret_key_production_refuses_to_start():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_without_a_payment_provider_production_refuses_to_start():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "PAYMENT_PROVIDER"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "PAYMENT_PROVIDER must be set" in result.stderr


def test_without_the_portal_address_production_refuses_to_start():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "PORTAL_BASE_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "PORTAL_BASE_URL must be set" in result.stderr


def test_development_takes_the_local_fake_payment_provider():
    env = {"DEBUG": "1", "DATABASE_URL": "sqlite:///:memory:"}
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.PAYMENT_PROVIDER)",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "portal.providers.LocalFakeProvider"
