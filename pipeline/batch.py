"""Running the pipeline over many inputs: discovery, output names, atomic writes, a manifest.

The per-document function `process_one` is what any engine runs; everything about one report's
success or failure is in the `Outcome` it returns, so a batch never stops for one bad file.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import errors

#: File types a folder is searched for; other files in it are left alone.
SUPPORTED_SUFFIXES = (".txt", ".text", ".md")
STDIN = "-"


@dataclass(frozen=True, slots=True)
class InputItem:
    """One input and the output name it will be written under (inside the output folder)."""

    path: str
    output_name: str


@dataclass(frozen=True, slots=True)
class Outcome:
    path: str
    output_name: str
    ok: bool
    doc_id: str | None = None
    sha256: str | None = None
    json: str | None = None
    error_code: str | None = None
    error_class: str | None = None
    message: str | None = None


_UNSAFE = re.compile(r"[^\w.\-]+")


def safe_name(relative: str) -> str:
    """A flat file name from a relative path: no separators, no `..`, no odd characters."""
    parts = [part for part in re.split(r"[\\/]+", relative) if part not in ("", ".", "..")]
    name = "__".join(_UNSAFE.sub("_", part) for part in parts).lstrip(".") or "report"
    return name[:180]


def discover(paths: Iterable[str]) -> list[InputItem]:
    """Expand folders (recursively, supported suffixes) and give each input a unique output name."""
    found: list[tuple[str, str]] = []  # (path, name relative to its argument)
    for argument in paths:
        if argument == STDIN:
            found.append((STDIN, "stdin"))
            continue
        path = Path(argument)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    found.append((str(child), str(child.relative_to(path).with_suffix(""))))
        else:
            found.append((argument, path.stem))
    names = [safe_name(relative) for _, relative in found]
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    items = []
    for (path, _), name in zip(found, names):
        if counts[name] > 1:  # same flat name from different places: the path's hash tells apart
            name = f"{name}.{hashlib.sha256(path.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
        items.append(InputItem(path=path, output_name=name + ".json"))
    return items


def read_input(path: str):
    from .stages.ingest import document_from_bytes, read_document

    if path == STDIN:
        return document_from_bytes(sys.stdin.buffer.read(), source=STDIN, name="stdin")
    return read_document(path)


def process_one(item: InputItem, *, keep_tokens: bool = False, indent: bool = True) -> Outcome:
    """Read and process one input; never raises for a bad input, only reports it."""
    from . import default_pipeline
    from .runner import Pipeline

    try:
        document = read_input(item.path)
        pipe = Pipeline(keep_tokens=True) if keep_tokens else default_pipeline()
        report = pipe(document.text, source=document.source, sha256=document.sha256,
                      encoding=document.encoding, fmt=document.format, doc_id=document.doc_id)
    except errors.InputError as exc:
        return Outcome(item.path, item.output_name, ok=False, error_code=exc.code,
                       error_class=type(exc).__name__, message=str(exc))
    return Outcome(item.path, item.output_name, ok=True, doc_id=report.document.doc_id,
                   sha256=report.document.sha256, json=report.to_json(indent=indent))


def atomic_write(path: Path, data: str) -> None:
    """Write `data` to `path` through a temporary file and a rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run_local(items: list[InputItem], **options) -> Iterator[Outcome]:
    for item in items:
        yield process_one(item, **options)
