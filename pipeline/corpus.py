"""Corpus input: many reports in one file (JSONL, CSV, Parquet), one report per record, and
metadata beside a plain file (`NAME.meta.json`).

A record's text is its `content` or `text` field (or the field `--text-field` names); every other
field is metadata (`id`, `title`, `year`, `region`, `url`, `date`, `issuer`...), kept as given in
`document.metadata` and winning over what the text says (`pipeline.metadata`). A record that
cannot be a report (not an object, no text, text that is not a string, a year that is no year)
becomes a `BadRecord` or `BadMetadata` error naming its number (the first record is 1), and the
others go on: nothing is dropped silently.

Records are read one at a time (a JSONL line, a CSV row, a Parquet batch), so reading costs
memory for the records' texts, never for a parsed copy of the whole file.
"""
from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import errors
from .metadata import clean_given

#: File suffixes read as corpora (one report per record) rather than as one report.
CORPUS_SUFFIXES = (".jsonl", ".csv", ".parquet")
#: The fields a record's text is looked for in, in this order, unless `--text-field` names one.
TEXT_FIELDS = ("content", "text")
#: The field whose value names a record's output (`id`), where the record has it.
ID_FIELD = "id"
SIDECAR_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class CorpusRecord:
    """One record of a corpus file: its text and metadata, or why it cannot be a report."""

    corpus: str
    number: int
    text: str | None = None
    metadata: dict[str, Any] | None = None
    problem: errors.InputError | None = None

    @property
    def source(self) -> str:
        return f"{self.corpus}#{self.number}"

    @property
    def name(self) -> str:
        """What the output is named after: the record's id, else its number."""
        given = (self.metadata or {}).get(ID_FIELD)
        return str(given) if given not in (None, "") else str(self.number)

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest() if self.text is not None else None


def is_corpus(path: str | Path) -> bool:
    return str(path).lower().endswith(CORPUS_SUFFIXES)


def read_records(path: str | Path, text_field: str | None = None) -> Iterator[CorpusRecord]:
    """Every record of a corpus file, good or bad, numbered from 1."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            rows = _jsonl_rows(path)
        elif suffix == ".csv":
            rows = _csv_rows(path)
        else:
            rows = _parquet_rows(path)
        for number, row in enumerate(rows, start=1):
            yield _record(str(path), number, row, text_field)
    except OSError as exc:
        raise errors.FileNotReadable(path, reason=exc.strerror or type(exc).__name__) from None


def _jsonl_rows(path: Path) -> Iterator[Any]:
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError as exc:
                yield _Unreadable(f"not JSON ({exc})")


def _csv_rows(path: Path) -> Iterator[Any]:
    # A report is one field: far longer than the csv module's default limit of 128 KiB.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if None in row:
                yield _Unreadable(f"{len(row[None])} more fields than the header names")
            else:
                yield {name: value for name, value in row.items() if value not in ("", None)}


def _parquet_rows(path: Path) -> Iterator[Any]:
    import pyarrow.lib
    import pyarrow.parquet as parquet

    try:
        table = parquet.ParquetFile(path)
        for batch in table.iter_batches():
            yield from batch.to_pylist()
    except pyarrow.lib.ArrowException as exc:
        raise errors.DamagedDocument(path, kind="Parquet file", reason=str(exc)[:200]) from None


@dataclass(frozen=True)
class _Unreadable:
    reason: str


def _record(corpus: str, number: int, row: Any, text_field: str | None) -> CorpusRecord:
    def bad(reason: str) -> CorpusRecord:
        return CorpusRecord(corpus, number, problem=errors.BadRecord(corpus, record=number, reason=reason))

    if isinstance(row, _Unreadable):
        return bad(row.reason)
    if not isinstance(row, dict):
        return bad(f"an object is needed, not {type(row).__name__}")
    field = text_field or next((name for name in TEXT_FIELDS if row.get(name) is not None), None)
    if field is None or row.get(field) is None:
        wanted = text_field or " or ".join(TEXT_FIELDS)
        return bad(f"no text: the field {wanted} is missing or empty")
    text = row[field]
    if not isinstance(text, str):
        return bad(f"the text field {field!r} holds {type(text).__name__}, not text")
    if not text.strip():
        return bad(f"the text field {field!r} is empty")
    metadata: dict[str, Any] | None = {name: value for name, value in row.items()
                                       if name != field and value is not None}
    try:
        metadata = clean_given(metadata, f"{corpus}#{number}")
    except errors.BadMetadata as exc:
        return CorpusRecord(corpus, number, problem=exc)
    return CorpusRecord(corpus, number, text=text, metadata=metadata)


def sidecar_metadata(path: str | Path) -> dict[str, Any] | None:
    """The metadata in `NAME.meta.json` beside `NAME.txt` (or any report file), if there is one."""
    path = Path(path)
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None
    try:
        given = json.loads(sidecar.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise errors.BadMetadata(sidecar, field="*", reason=f"not readable JSON ({exc})") from None
    return clean_given(given, str(sidecar))
