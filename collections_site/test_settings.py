"""Test settings: the environment-driven settings with only what tests need changed."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("PAYMENT_PROVIDER", "portal.providers.LocalFakeProvider")
os.environ.setdefault("PORTAL_BASE_URL", "http://localhost:8000")

from collections_site.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# Job tests need a real Redis: the configured one, or an embedded server for this run.
from collections_site.redis_runtime import redis_answers, start_embedded_redis  # noqa: E402

if not redis_answers(REDIS_URL):  # noqa: F405
    _embedded_redis, REDIS_URL = start_embedded_redis(BASE_DIR / "var" / "test-redis")  # noqa: F405
    for _queue in RQ_QUEUES.values():  # noqa: F405
        _queue["URL"] = REDIS_URL

# Serve static files from the app folders, as in development; no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The suite's agencies come from a factory with fixed dates, which no yearly evaluation could
# cover on every day the suite runs: the approved list is kept only by the tests of that rule.
AGENCY_EVALUATION_DAYS = 0

# Between transactional tests the suite empties every table with TRUNCATE, compliance log
# included, which the log's trigger refuses unless asked first: the test backend asks.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "collections_site.test_postgresql"  # noqa: F405
