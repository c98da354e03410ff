"""Ingest: a file on disk -> the report's text, with its encoding, format and a hash of the bytes.

`read_document(path)` is the single entry point; it dispatches on the file's suffix
(`SUPPORTED_SUFFIXES`): plain text is decoded here, web pages, Word files and PDFs go through the
readers in `pipeline.formats`, whose extracted text becomes the report's text.

Decoding is strict. A byte sequence that is not text in a supported encoding is refused with the
byte offset of the problem; nothing is ever decoded with `errors="ignore"` or `"replace"`, so no
output is ever built from silently dropped bytes (jieba's `strdecode` does exactly that with GBK;
this module exists partly so we never do). Two cases that strict decoding alone misses are
checked for plausibility: UTF-16 without a byte order mark (tried when the bytes hold NULs or fit
no other encoding, and kept only if it reads as Chinese or ASCII text), and GBK bytes inside a
UTF-8 file that happen to be valid UTF-8 (`统战` in GBK reads as the Greek and Armenian `ͳս`).

Work is bounded before anything is read: a file larger than could hold `runner.MAX_CHARS`
characters is refused from its size alone, and no more than that many bytes are ever read from
any file or stream (a file that grows while read, standard input). Only regular files are read:
a FIFO, a device (`/dev/zero`) or a socket is refused without opening it, since reading one can
block or never end. A text that would break into more than `MAX_SENTENCES` sentences and lines
is refused too: every later stage's records grow with that count, not just with the characters.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import unicodedata
from typing import BinaryIO
from dataclasses import dataclass
from pathlib import Path

from .. import errors
from ..runner import MAX_CHARS
from ..textnorm import CJK_CLASS, is_cjk

#: Input types by suffix; anything else named on the command line is read as plain text.
FORMATS_BY_SUFFIX = {".txt": "text", ".text": "text", ".md": "text", ".html": "html",
                     ".htm": "html", ".xhtml": "html", ".docx": "docx", ".pdf": "pdf"}
SUPPORTED_SUFFIXES = tuple(FORMATS_BY_SUFFIX)
#: Largest file read, per format. No supported text encoding spends more than 4 bytes on a
#: character, so a larger text file cannot hold a report within `MAX_CHARS`; markup, Word's XML
#: and PDF's fonts and images are given more room.
MAX_BYTES = {"text": 4 * MAX_CHARS, "html": 8 * MAX_CHARS, "docx": 10 * MAX_CHARS,
             "pdf": 10 * MAX_CHARS}

#: Binary formats recognised by their first bytes, so the message says what the file is.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"%PDF-", "PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office document (.doc/.xls)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Most sentences and lines one report may break into: 50 characters each over `MAX_CHARS`, far
#: more than any real report (a long government work report has about 1,000). Text beyond it is
#: refused (`TooManySentences`), not cut, so nothing is silently dropped.
MAX_SENTENCES = MAX_CHARS // 50
#: What ends a sentence or a line for that count: an upper bound on what segment will find.
_SENTENCE_ENDS = "。！？!?；;\n"
# C0 controls other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
#: Share of control characters above which decoded "text" is taken to be binary...
_MAX_CONTROL_SHARE = 0.01
#: ...once there are more than this many: a line with a stray `\x01` or two is still text.
_FEW_CONTROLS = 16
_CJK = re.compile(f"[{CJK_CLASS}]")


@dataclass(frozen=True, slots=True)
class SourceDocument:
    text: str
    encoding: str
    sha256: str
    format: str
    source: str
    doc_id: str
    #: Metadata given with the document (a corpus record's fields, a sidecar NAME.meta.json).
    metadata: dict | None = None


def _common_hanzi_share(text: str) -> float:
    """Share of CJK characters among GB2312's 3,755 most common (level 1) characters.

    Real Chinese prose scores above 0.9; UTF-8 bytes misread as GBK (mojibake) score far lower,
    because they land all over the code space. GB2312 level 1 is rows 0xB0-0xD7.
    """
    hanzi = _CJK.findall(text[:20000])
    if not hanzi:
        return 1.0
    common = 0
    for char in hanzi:
        try:
            encoded = char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 0xB0 <= encoded[0] <= 0xD7
    return common / len(hanzi)


def _check_controls(text: str, source: str) -> None:
    controls = _CONTROL.findall(text)
    if len(controls) > _FEW_CONTROLS and len(controls) > _MAX_CONTROL_SHARE * len(text):
        hint = ("; NUL bytes suggest UTF-16 without BOM or a binary file" if "\x00" in controls
                else "")
        raise errors.BinaryInput(source, kind=f"{len(controls)} control characters in "
                                              f"{len(text)}{hint}")


def _text_like_share(text: str) -> float:
    """Share of characters that ordinary Chinese or English prose is made of."""
    sample = text[:20000]
    if not sample:
        return 0.0
    text_like = sum(1 for char in sample
                    if (" " <= char <= "~") or char in "\t\n\r" or is_cjk(char)
                    or "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef"
                    or "\u2010" <= char <= "\u2027")
    return text_like / len(sample)


#: Below this share a UTF-16 reading without BOM is taken to be a coincidence.
_MIN_UTF16_SHARE = 0.98


def _utf16_without_bom(data: bytes, source: str) -> tuple[str, str] | None:
    """The likelier of UTF-16 LE/BE readings of `data`, if one reads as prose; else None."""
    if len(data) % 2:
        return None
    readings = []
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        readings.append((_text_like_share(text), text, encoding))
    if not readings:
        return None
    share, text, encoding = max(readings)
    if share < _MIN_UTF16_SHARE:
        return None
    _check_controls(text, source)
    return text, encoding


# Two-byte UTF-8 sequences decode to U+0080..U+07FF (Latin supplements to NKo); a GBK character
# whose bytes happen to be such a sequence shows up as one of these.
_TWO_BYTE_RUN = re.compile(r"[\u0080-\u07ff]{2,}")


def _script(char: str) -> str:
    return unicodedata.name(char, "?").split(" ")[0]


def _gbk_read_as_utf8(text: str) -> tuple[int, str, str] | None:
    """`(offset, run, reading)` of the first stretch that is GBK bytes decoded as UTF-8.

    Evidence needs three things at once: two or more letters from different scripts side by side
    (`ͳս` is Greek then Armenian, which no real text writes), and the same bytes reading as
    Chinese characters in GBK. Greek letters in `β受体`, accented Latin in `Café` and Russian
    words all stay in one script per run and pass.
    """
    for match in _TWO_BYTE_RUN.finditer(text):
        run = match.group()
        letters = [char for char in run if unicodedata.category(char).startswith("L")]
        if len(letters) < 2 or len({_script(char) for char in letters}) < 2:
            continue
        try:
            reading = run.encode("utf-8").decode("gbk")
        except UnicodeDecodeError:
            continue
        if all(_CJK.match(char) for char in reading):
            return match.start(), run, reading
    return None


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    """Decode `data` strictly; return `(text, encoding)` or raise an `InputError`."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise errors.BinaryInput(source, kind=kind)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise errors.UndecodableInput(
                    source, reason=f"{encoding} byte order mark, but invalid {encoding} at "
                                   f"byte {exc.start}") from None
            _check_controls(text, source)
            return text, "utf-8" if encoding == "utf-8-sig" else encoding
    # Control bytes are control characters in UTF-8 and GB18030 alike (their multi-byte
    # sequences never use bytes below 0x80), so they can be counted before choosing; in UTF-16
    # they are half of many an ordinary character.
    head = data[:65536].decode("latin-1")
    if _CONTROL.search(head) and (utf16 := _utf16_without_bom(data, source)):
        return utf16
    _check_controls(head, source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    else:
        _check_controls(text, source)
        if hidden := _gbk_read_as_utf8(text):
            offset, run, reading = hidden
            raise errors.UndecodableInput(
                source, reason=f"valid UTF-8, but {run!r} at character {offset} is GBK for "
                               f"{reading!r} read as UTF-8: mixed encodings")
        return text, "utf-8"

    prefix = data[:utf8_error.start].decode("utf-8")
    if utf8_error.reason == "unexpected end of data" and utf8_error.end == len(data):
        raise errors.UndecodableInput(
            source, reason=f"UTF-8 text truncated in the middle of a character at byte "
                           f"{utf8_error.start}") from None
    if len(_CJK.findall(prefix)) >= 4:
        raise errors.UndecodableInput(
            source, reason=f"valid UTF-8 up to byte {utf8_error.start}, then bytes that are not: "
                           "mixed encodings or a damaged file") from None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        if utf16 := _utf16_without_bom(data, source):
            return utf16
        raise errors.UndecodableInput(
            source, reason=f"invalid UTF-8 at byte {utf8_error.start} and invalid GB18030 at "
                           f"byte {exc.start}") from None
    if _common_hanzi_share(text) < 0.6:
        if utf16 := _utf16_without_bom(data, source):
            return utf16
        raise errors.UndecodableInput(
            source, reason=f"invalid UTF-8 at byte {utf8_error.start}; as GB18030 it decodes to "
                           "implausible characters (mixed encodings or not text)")
    _check_controls(text, source)
    return text, "gb18030"


def format_of(path: str | Path) -> str:
    """The input type of `path` by its suffix: text, html, docx or pdf."""
    return FORMATS_BY_SUFFIX.get(Path(path).suffix.lower(), "text")


#: What a path that is not a regular file is, for the message refusing it.
_NOT_REGULAR = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                (stat.S_ISSOCK, "a socket"))


def read_limited(stream: BinaryIO, limit: int, source: str, kind: str) -> bytes:
    """At most `limit` bytes of `stream`; a stream with more is refused once one byte more has
    been read, so an endless or huge stream costs `limit` bytes and no more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise errors.FileTooLarge(source, size=f"more than {limit}", limit=limit, kind=kind)
    return data


def read_document(path: str | Path) -> SourceDocument:
    """Read one report file of any supported type; the single entry point of this stage."""
    path = Path(path)
    source = errors.display_path(path)
    fmt = format_of(path)
    limit = MAX_BYTES[fmt]
    try:
        status = path.stat()
        kind = next((kind for test, kind in _NOT_REGULAR if test(status.st_mode)), None)
        if kind is not None:
            raise errors.FileNotReadable(source, reason=f"it is {kind}, not a regular file")
        if status.st_size > limit:
            raise errors.FileTooLarge(source, size=status.st_size, limit=limit, kind=f"{fmt} file")
        with open(path, "rb", opener=_open_without_blocking) as handle:
            data = read_limited(handle, limit, source, f"{fmt} file")
    except FileNotFoundError:
        reason = "a symbolic link to a missing file" if path.is_symlink() else "no such file"
        raise errors.FileNotReadable(source, reason=reason) from None
    except OSError as exc:
        raise errors.FileNotReadable(source, reason=exc.strerror or type(exc).__name__) from None
    return document_from_bytes(data, source=source, name=path.name)


def _open_without_blocking(path: str, flags: int) -> int:
    """Open for reading without waiting: a path swapped for a FIFO after `stat` (no writer) would
    otherwise block the open forever; a regular file reads the same either way."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def _extract(data: bytes, fmt: str, source: str) -> tuple[str, str]:
    """`(text, encoding)` of a file's bytes in format `fmt`."""
    if fmt == "text":
        return decode_bytes(data, source)
    if fmt == "html":
        from ..formats import html

        page, encoding = decode_bytes(data, source)
        return html.extract(page, source), encoding
    if fmt == "docx":
        from ..formats import docx

        return docx.extract(data, source, max_xml_bytes=MAX_BYTES["docx"]), "utf-8"
    from ..formats import pdf

    if not data[:1024].lstrip().startswith(b"%PDF-"):
        raise errors.DamagedDocument(source, kind="PDF", reason="it does not start with %PDF-")
    return pdf.extract(data, source), "pdf"


def _check_sentence_count(text: str, source: str) -> None:
    ends = sum(text.count(char) for char in _SENTENCE_ENDS)
    if ends > MAX_SENTENCES:
        raise errors.TooManySentences(source, size=ends, limit=MAX_SENTENCES)


def document_from_bytes(data: bytes, *, source: str, name: str) -> SourceDocument:
    """Turn bytes that came from `source` (a path, `-` or a URL) into a `SourceDocument`.

    `name` (a file name) decides the format, as in `read_document`.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise errors.EmptyInput(source)
    fmt = format_of(name)
    text, encoding = _extract(data, fmt, source)
    if not text.strip():
        raise errors.EmptyInput(source)
    _check_sentence_count(text, source)
    stem = Path(name).stem or "stdin"
    return SourceDocument(text=text, encoding=encoding, sha256=sha256, format=fmt,
                          source=source, doc_id=stem)
