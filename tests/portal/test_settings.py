"""Settings: prod refuses to start without its secrets; languages and time zone are Việt Nam's."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)"
SECRETS = ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL")


def _run_prod(env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.prod", **env_extra)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_prod_refuses_to_start_without_secrets():
    result = _run_prod({})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in SECRETS:
        assert name in result.stderr


def test_prod_refuses_to_start_with_one_secret_missing():
    result = _run_prod({"DATABASE_URL": "postgres://u@db/x", "ALLOWED_HOSTS": "gis.example.vn",
                        "REDIS_URL": "redis://r:6379/0"})
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("django.core.exceptions.Improperly")]
    assert lines
    assert all("SECRET_KEY" in line and "DATABASE_URL" not in line for line in lines)


def test_prod_starts_with_its_secrets():
    result = _run_prod({"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@db/x",
                        "ALLOWED_HOSTS": "gis.example.vn, ioc.example.vn", "REDIS_URL": "redis://r:6379/0"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['gis.example.vn', 'ioc.example.vn']"


def test_vietnamese_default_and_local_time_zone():
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ is True
