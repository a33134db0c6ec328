"""Changes to a user's own profile."""

from __future__ import annotations

from django.conf import settings

from accounts.models import User


def user_language_set(*, user: User, language: str) -> None:
    """Keep `language` (a code of settings.LANGUAGES) as the language `user` reads."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"{language!r} is not one of the site's languages.")
    user.language = language
    user.save(update_fields=["language"])
