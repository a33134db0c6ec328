"""Settings of the processes a fault-injection test starts: the product's own, on the
database and Redis the test started, with no embedded Redis to stand in when it is down."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("PAYMENT_PROVIDER", "portal.providers.LocalFakeProvider")
os.environ.setdefault("PORTAL_BASE_URL", "http://localhost:8000")

from collections_site.settings import *  # noqa: F403

ALLOWED_HOSTS = ["testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
