"""Reading generated PDFs back in tests."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(document: bytes) -> str:
    """The text the PDF draws, with all spacing removed: the glyphs of a font embedded as CID
    come out one by one, with spaces or NUL characters between them, so tests compare text
    without its spacing."""
    reader = PdfReader(io.BytesIO(document))
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(text.replace("\x00", " ").split())
