"""Compile the translation catalogs (`*.po` → `*.mo`) with Babel.

`make run`, `make test` and the test suite call it, so a fresh checkout needs no manual step
and no GNU gettext: `python -m common.catalogs`. Only catalogs older than their `.mo` are
skipped; fuzzy entries are left out, as gettext's `msgfmt` would.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SKIPPED_FOLDERS = {".venv", ".git", "var", "node_modules", "staticfiles", "test-artifacts"}


def catalog_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """Every `locale/<language>/LC_MESSAGES/*.po` of the project."""
    return sorted(
        path
        for path in root.glob("**/locale/*/LC_MESSAGES/*.po")
        if not SKIPPED_FOLDERS.intersection(path.relative_to(root).parts)
    )


def read_catalog(po_path: Path):
    """The catalog of a `.po` file. gettext leaves a second, empty plural form in new plural
    entries although Chinese has one; Babel drops it with a printed warning, silenced here."""
    with po_path.open("rb") as po_file, contextlib.redirect_stdout(io.StringIO()):
        return read_po(po_file)


def compile_catalogs(root: Path = PROJECT_ROOT) -> list[Path]:
    """Write the `.mo` of every catalog whose `.mo` is missing or older; return those written."""
    written = []
    for po_path in catalog_files(root):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalog = read_catalog(po_path)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    compiled = compile_catalogs()
    print(f"Catalogs: {len(compiled)} compiled.", file=sys.stderr)
