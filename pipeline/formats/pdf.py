"""PDF: the text layer, with lines that the page width wrapped joined back into paragraphs.

pypdf is the reader. Measured 2026-11-27 on `tests/data/inputs/report.pdf` (two A4 pages made
with reportlab in the Adobe CID font STSong-Light, as Chinese PDFs commonly are; 11 body lines,
hard-wrapped, with page numbers):

* pypdf 7.1 (plain mode): all 11 lines recovered once wraps are joined; a paragraph's first line
  keeps its indent as a leading space, which is what tells a wrap from a paragraph break here;
  pure Python with no dependencies; ~0.16 s for the file, cold.
* pypdf layout mode: the same characters padded with hundreds of blank lines and spaces.
* pdfminer.six 20260107: all 11 lines, but a blank line after every wrapped line, so wraps and
  paragraph breaks look the same; 0.11 s.

A PDF with no text layer (a scan) is refused: it needs OCR, which report-miner does not do.

pypdf's text extraction costs time with each text-showing operator, and some of it more than
linearly, so the work is bounded before it is done: at most `MAX_PAGES` pages, and at most
`MAX_TEXT_OPERATORS_PER_PAGE` text operators (`Tj`, `TJ`, `'`, `"`) on a page and
`MAX_TEXT_OPERATORS` in the document, counted in the page's decoded content stream. A dense page
of Chinese text set glyph by glyph has a few thousand.
"""
from __future__ import annotations

import io
import logging
import re

from .. import errors
from ..textnorm import is_cjk

_TERMINATORS = tuple("。！？；：…!?;:")
_CLOSERS = "”’」』）)》】"
_PAGE_NUMBER = re.compile(r"^[-—–\s]*\d{1,4}[-—–\s]*$|^第\s*\d+\s*页.*$")
#: A line at least this share of its page's longest line is taken to have been wrapped.
_FULL_LINE = 0.85
#: Bounds on the extraction work; see the module docstring.
MAX_PAGES = 3000
MAX_TEXT_OPERATORS_PER_PAGE = 20_000
MAX_TEXT_OPERATORS = 1_000_000
#: Operators that show text; counting them over-counts a string that holds one, which is safe.
_TEXT_OPERATORS = re.compile(rb"T[jJ]|['\"]")


def _joins_without_space(char: str) -> bool:
    """Whether a wrapped line ending or starting with `char` is joined to the other line without
    a space. Wider than a Chinese character (`is_cjk`) on purpose: ideographic punctuation, kana
    and full-width forms (U+3000-U+33FF, U+FF00-U+FFEF) take no space either, so a line ending in
    `，` runs on into an English word or a number as it was printed."""
    return is_cjk(char) or "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def _page_lines(page_text: str) -> list[str]:
    lines = [line.rstrip() for line in page_text.splitlines()]
    return [line for line in lines if line.strip() and not _PAGE_NUMBER.match(line)]


def _unwrap(pages: list[list[str]]) -> list[str]:
    """Join each wrapped line to the next: it fills the page width, ends with no terminator, and
    the next line does not start indented (a new paragraph)."""
    paragraphs: list[str] = []
    open_paragraph = False
    for lines in pages:
        widest = max((len(line.strip()) for line in lines), default=0)
        for line in lines:
            stripped = line.strip()
            continues = open_paragraph and not line[:1].isspace()
            if continues:
                glue = "" if _joins_without_space(paragraphs[-1][-1]) or _joins_without_space(stripped[0]) else " "
                paragraphs[-1] += glue + stripped
            else:
                paragraphs.append(stripped)
            ending = stripped.rstrip(_CLOSERS)
            open_paragraph = (len(stripped) >= _FULL_LINE * widest and widest >= 10
                              and not ending.endswith(_TERMINATORS))
    return paragraphs


def _declared_page_count(reader) -> int:
    """The `/Count` of the document's page tree; 0 when it has none that is a number."""
    try:
        count = reader.trailer["/Root"]["/Pages"]["/Count"]
    except (KeyError, TypeError, AttributeError):
        return 0
    return count if isinstance(count, int) else 0


def _bounded_pages(reader, source: str) -> list[list[str]]:
    """Each page's lines, refusing the document as soon as it exceeds a bound on the work.

    The page count the file declares is checked first: pypdf takes time more than linear in the
    pages to list them (20 s for 99,000), so a count it declares honestly is refused unlisted."""
    page_count = _declared_page_count(reader)
    if page_count <= MAX_PAGES:
        page_count = len(reader.pages)
    if page_count > MAX_PAGES:
        raise errors.BeyondLimits(source, detail=f"the PDF has {page_count} pages, more than the "
                                                 f"limit of {MAX_PAGES}")
    pages: list[list[str]] = []
    operators = 0
    for number, page in enumerate(reader.pages, start=1):
        contents = page.get_contents()
        on_page = len(_TEXT_OPERATORS.findall(contents.get_data())) if contents is not None else 0
        operators += on_page
        if on_page > MAX_TEXT_OPERATORS_PER_PAGE or operators > MAX_TEXT_OPERATORS:
            raise errors.BeyondLimits(
                source, detail=f"page {number} has {on_page} text operators "
                f"({operators} so far), more than the {MAX_TEXT_OPERATORS_PER_PAGE} per page and "
                f"{MAX_TEXT_OPERATORS} per document any report needs")
        pages.append(_page_lines(page.extract_text() or ""))
    return pages


def extract(data: bytes, source: str) -> str:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported, not logged
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise errors.DamagedDocument(source, kind="PDF", reason="it is encrypted with a password")
        pages = _bounded_pages(reader, source)
    except errors.InputError:
        raise
    except Exception as exc:  # noqa: BLE001 -- any parser failure on a damaged file is the file's
        raise errors.DamagedDocument(source, kind="PDF",
                                     reason=f"{type(exc).__name__}: {exc}"[:200]) from None
    text = "\n".join(_unwrap(pages))
    if not text.strip():
        raise errors.NoMainText(source, kind="PDF",
                                reason="it has no text layer (a scan needs OCR first)")
    return text + "\n"
