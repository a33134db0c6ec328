"""Every interface string has a zh-Hans translation, and the catalogs hold every marked string."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from common.catalogs import (
    PROJECT_ROOT,
    SKIPPED_FOLDERS,
    catalog_files,
    compile_catalogs,
    read_catalog,
)


def message_keys(path: Path) -> set[tuple[str | None, str]]:
    return {
        (message.context, message.id if isinstance(message.id, str) else message.id[0])
        for message in read_catalog(path)
        if message.id
    }


def test_every_app_with_interface_text_has_a_zh_hans_catalog():
    folders = {path.relative_to(PROJECT_ROOT).parts[0] for path in catalog_files()}
    assert {"locale", "accounts", "cases", "compliance", "workspace"} <= folders


@pytest.mark.parametrize(
    "catalog", catalog_files(), ids=lambda path: str(path.relative_to(PROJECT_ROOT))
)
def test_every_message_is_translated_and_none_is_fuzzy(catalog):
    problems = []
    for message in read_catalog(catalog):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_compiling_writes_a_catalog_django_reads(tmp_path):
    messages = tmp_path / "app" / "locale" / "zh_Hans" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "Queue"\nmsgstr "队列"\n\n'
        '#, fuzzy\nmsgid "Cases"\nmsgstr "旧的"\n',
        encoding="utf-8",
    )
    assert compile_catalogs(tmp_path) == [messages / "django.mo"]
    assert compile_catalogs(tmp_path) == []  # up to date: nothing to do

    import gettext

    with (messages / "django.mo").open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    assert compiled.gettext("Queue") == "队列"
    assert compiled.gettext("Cases") == "Cases"  # a fuzzy entry is not used


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext's xgettext")
def test_the_catalogs_hold_every_string_marked_in_the_code(tmp_path):
    """Extract the messages again from a copy of the project and compare: a string marked for
    translation but missing from its catalog would show in English to a Chinese reader."""
    copy = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT,
        copy,
        ignore=shutil.ignore_patterns(*SKIPPED_FOLDERS, "__pycache__", "*.mo", "tests", "bench"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-location"]
        + [f"--ignore={folder}" for folder in ("static", "staticfiles", "var")],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    missing = []
    for extracted in catalog_files(copy):
        committed = PROJECT_ROOT / extracted.relative_to(copy)
        known = message_keys(committed) if committed.exists() else set()
        missing += [
            f"{committed.relative_to(PROJECT_ROOT)}: {msgid!r}"
            for _, msgid in sorted(message_keys(extracted) - known, key=str)
        ]
    assert not missing, "run `make messages` and translate:\n" + "\n".join(missing)
