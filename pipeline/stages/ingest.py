"""Ingest: bytes on disk -> decoded text, with the encoding and a hash of the exact bytes.

Decoding is strict. A byte sequence that is not text in a supported encoding is refused with the
byte offset of the problem; nothing is ever decoded with `errors="ignore"` or `"replace"`, so no
output is ever built from silently dropped bytes (jieba's `strdecode` does exactly that with GBK;
this module exists partly so we never do).
"""
from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .. import errors

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
# C0 controls other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
#: Share of control characters above which decoded "text" is taken to be binary.
_MAX_CONTROL_SHARE = 0.01
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class SourceDocument:
    text: str
    encoding: str
    sha256: str
    format: str
    source: str
    doc_id: str


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
    if controls and len(controls) > _MAX_CONTROL_SHARE * len(text):
        raise errors.BinaryInput(source, kind=f"{len(controls)} control characters in "
                                              f"{len(text)}; NUL bytes suggest UTF-16 without BOM "
                                              "or a binary file")


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
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    else:
        _check_controls(text, source)
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
        raise errors.UndecodableInput(
            source, reason=f"invalid UTF-8 at byte {utf8_error.start} and invalid GB18030 at "
                           f"byte {exc.start}") from None
    _check_controls(text, source)
    if _common_hanzi_share(text) < 0.6:
        raise errors.UndecodableInput(
            source, reason=f"invalid UTF-8 at byte {utf8_error.start}; as GB18030 it decodes to "
                           "implausible characters (mixed encodings or not text)")
    return text, "gb18030"


def read_document(path: str | Path) -> SourceDocument:
    """Read one report file; the single entry point of this stage."""
    path = Path(path)
    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise errors.FileNotReadable(source, reason="no such file") from None
    except IsADirectoryError:
        raise errors.FileNotReadable(source, reason="it is a directory") from None
    except OSError as exc:
        raise errors.FileNotReadable(source, reason=exc.strerror or type(exc).__name__) from None
    return document_from_bytes(data, source=source, name=path.name)


def document_from_bytes(data: bytes, *, source: str, name: str) -> SourceDocument:
    """Decode bytes that came from `source` (a path, `-` or a URL) into a `SourceDocument`."""
    sha256 = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise errors.EmptyInput(source)
    text, encoding = decode_bytes(data, source)
    if not text.strip():
        raise errors.EmptyInput(source)
    stem = Path(name).stem or "stdin"
    return SourceDocument(text=text, encoding=encoding, sha256=sha256, format="text",
                          source=source, doc_id=stem)
