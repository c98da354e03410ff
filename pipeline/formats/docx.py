"""Word .docx: the body's paragraphs and tables, in document order, one paragraph per line.

python-docx 1.2 is the reader (the maintained pure-Python .docx library; the alternatives,
docx2txt and mammoth, either lose the paragraph/table order or convert to HTML first). Measured
on `tests/data/inputs/report.docx` (title, four headings, seven paragraphs, a 2x2 table): every
paragraph on its own line, the table's rows between the paragraphs around it, cells tab-separated.
Page headers, footers, footnotes and text boxes are left out: like a web page's navigation they
are furniture, not report text. Legacy binary `.doc` files are refused with advice to convert them.
"""
from __future__ import annotations

import io
import zipfile

from .. import errors

_DOCUMENT_PART = "word/document.xml"
#: Most members a .docx may hold; python-docx loads every one, and a real report has a few dozen.
MAX_MEMBERS = 2000


def _check_container(data: bytes, source: str, max_xml_bytes: int) -> None:
    """Refuse what is not a .docx, and any archive whose members unpack beyond the bounds.

    python-docx reads every member of the package into memory (styles, numbering, headers,
    images), so each one is bounded by `max_xml_bytes` and all of them together by twice that;
    zipfile never returns more than a member's declared size, so the declared sizes bound the
    work even when they lie.
    """
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise errors.UnsupportedFormat(source, reason="a legacy Word .doc file named .docx; "
                                                      "save it as .docx or .txt")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.getinfo(_DOCUMENT_PART)
            members = archive.infolist()
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise errors.DamagedDocument(source, kind="Word .docx file",
                                     reason=f"not a .docx archive with {_DOCUMENT_PART} "
                                            f"({type(exc).__name__})") from None
    if len(members) > MAX_MEMBERS:
        raise errors.BeyondLimits(source, detail=f"the Word file holds {len(members)} parts, "
                                                 f"more than the limit of {MAX_MEMBERS}")
    largest = max(members, key=lambda member: member.file_size)
    if largest.file_size > max_xml_bytes:  # a zip bomb, or a document far beyond any report
        raise errors.FileTooLarge(source, size=largest.file_size, limit=max_xml_bytes,
                                  kind=f"Word part {largest.filename!r} (unpacked)")
    total = sum(member.file_size for member in members)
    if total > 2 * max_xml_bytes:
        raise errors.FileTooLarge(source, size=total, limit=2 * max_xml_bytes,
                                  kind="Word file's parts together (unpacked)")


def extract(data: bytes, source: str, *, max_xml_bytes: int) -> str:
    _check_container(data, source, max_xml_bytes)
    from docx import Document
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
        lines = []
        for child in document.element.body.iterchildren():
            if child.tag == qn("w:p"):
                lines.append(Paragraph(child, document).text)
            elif child.tag == qn("w:tbl"):
                for row in Table(child, document).rows:
                    # A merged cell is repeated once per grid column as the same <w:tc>; two
                    # cells that merely hold the same text are both kept.
                    merged = {cell._tc: cell for cell in row.cells}
                    lines.append("\t".join(" ".join(cell.text.split()) for cell in merged.values()))
    except Exception as exc:  # noqa: BLE001 -- any parser failure on a damaged file is the file's
        raise errors.DamagedDocument(source, kind="Word .docx file",
                                     reason=f"{type(exc).__name__}: {exc}"[:200]) from None
    text = "\n".join(line.strip() for line in lines if line.strip())
    if not text:
        raise errors.NoMainText(source, kind="Word .docx file", reason="its body has no text")
    return text + "\n"
