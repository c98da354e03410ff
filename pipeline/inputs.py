"""Finding a run's inputs and reading each one: folders walked, corpus files opened into their
records, every input given a unique, safe output name (`discover`), and one input read into a
document (`read_input`). `pipeline.batch` runs and writes what is found here.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import errors
# The file types a folder is searched for (others in it are left alone); ingest owns them.
from .stages.ingest import SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from .corpus import CorpusRecord

STDIN = "-"
#: Longest output file name stem in UTF-8 bytes; file systems allow 255 and a hash may follow.
_MAX_NAME_BYTES = 200


@dataclass(frozen=True, slots=True)
class InputItem:
    """One input and the output name it will be written under (inside the output folder); a
    record of a corpus file carries its text with it (`pipeline.corpus`)."""

    path: str
    output_name: str
    record: "CorpusRecord | None" = None
    #: Why the input cannot be read at all, found while looking for inputs (a folder that
    #: cannot be listed); the input is then recorded as failed with this reason.
    unreadable: str | None = None


_UNSAFE = re.compile(r"[^\w.\-]+")


def safe_name(relative: str) -> str:
    """A flat file name from a relative path: no separators, no `..`, no odd characters, and
    short enough in bytes for any file system."""
    parts = [part for part in re.split(r"[\\/]+", relative) if part not in ("", ".", "..")]
    name = "__".join(_UNSAFE.sub("_", part) for part in parts).lstrip(".") or "report"
    return name.encode("utf-8")[:_MAX_NAME_BYTES].decode("utf-8", "ignore")


def _path_hash(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def with_path_hash(item: InputItem) -> InputItem:
    """`item` under its name with its path's hash appended: unique wherever the name is taken."""
    return replace(item, output_name=f"{item.output_name.removesuffix('.json')}."
                                     f"{_path_hash(item.path)}.json")


def discover(paths: Iterable[str], text_field: str | None = None, *,
             exclude: str | Path | None = None,
             notices: list[str] | None = None) -> list[InputItem]:
    """Expand folders (recursively, supported suffixes) and corpus files (a record each) and give
    each input a unique output name.

    Symbolic links to files are read; links to folders are not followed (one can loop back to
    its own folder), each noted in `notices`. A folder that cannot be listed and a link to
    nothing become inputs that fail, so the manifest says what was missed. `exclude` (the output
    folder) is not searched, so outputs are never read back as inputs. A file given twice (by
    two paths, or inside a folder also given) is one input.
    """
    from .corpus import CorpusRecord, is_corpus, read_records

    found: list[tuple[str, str, str | None]] = []  # (path, name relative to argument, unreadable)
    records: dict[str, CorpusRecord] = {}
    seen: set[str] = set()

    def add(path: str, relative: str, unreadable: str | None = None) -> None:
        key = path if path == STDIN else os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.append((path, relative, unreadable))

    for argument in paths:
        if argument == STDIN:
            add(STDIN, "stdin")
        elif is_corpus(argument) and not os.path.isdir(argument):
            stem = Path(argument).stem
            try:
                for record in read_records(argument, text_field):
                    records[record.source] = record
                    add(record.source, f"{stem}__{record.name}")
            except errors.InputError as exc:  # the whole file: one failed input, named
                records[argument] = CorpusRecord(argument, 0, problem=exc)
                add(argument, stem)
        elif os.path.isdir(argument):
            excluded = os.path.realpath(exclude) if exclude is not None else None
            for path, relative, unreadable in _walk(argument, excluded,
                                                    notices if notices is not None else []):
                add(path, relative, unreadable)
        else:
            add(argument, Path(argument).stem)
    names = [safe_name(relative) for _, relative, _ in found]
    counts: dict[str, int] = {}
    for name in names:  # case-folded: `A` and `a` are one file on some file systems
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    items = []
    for (path, _, unreadable), name in zip(found, names):
        item = InputItem(path=path, output_name=name + ".json", record=records.get(path),
                         unreadable=unreadable)
        # the same flat name from different places: each gets its path's hash
        items.append(with_path_hash(item) if counts[name.casefold()] > 1 else item)
    return items


def _walk(top: str, excluded: str | None, notices: list[str]) -> list[tuple[str, str, str | None]]:
    """`(path, name relative to top without suffix, unreadable reason)` of the inputs under
    `top`, in path order."""
    found: list[tuple[str, str, str | None]] = []

    def cannot_list(error: OSError) -> None:
        path = error.filename
        found.append((path, os.path.relpath(path, top), error.strerror or type(error).__name__))

    for folder, subfolders, files in os.walk(top, onerror=cannot_list):
        kept = []
        for name in subfolders:
            child = os.path.join(folder, name)
            if os.path.islink(child):
                notices.append(f"{errors.display_path(child)}: a symbolic link to a folder, "
                               "not followed")
            elif os.path.realpath(child) != excluded:
                kept.append(name)
        subfolders[:] = kept
        for name in files:
            if os.path.splitext(name)[1].lower() in SUPPORTED_SUFFIXES:
                child = os.path.join(folder, name)
                found.append((child, os.path.splitext(os.path.relpath(child, top))[0], None))
    return sorted(found)


def read_input(path: str, base: str | None = None, record: "CorpusRecord | None" = None):
    """Read `path`; a relative one from the folder `base` when given (a worker on another
    machine), keeping the path as given as the document's source, as a local run would. A corpus
    record is already read; a plain file takes the metadata of its sidecar `NAME.meta.json`."""
    from .corpus import sidecar_metadata
    from .stages.ingest import (MAX_BYTES, SourceDocument, document_from_bytes, read_document,
                                read_limited)

    if record is not None:
        if record.problem is not None:
            raise record.problem
        assert record.text is not None and record.sha256 is not None  # a record with no problem
        return SourceDocument(text=record.text, encoding="utf-8", sha256=record.sha256,
                              format=Path(record.corpus).suffix.lstrip(".").lower(),
                              source=record.source, doc_id=record.name, metadata=record.metadata)
    if path == STDIN:
        data = read_limited(sys.stdin.buffer, MAX_BYTES["text"], STDIN, "standard input")
        return document_from_bytes(data, source=STDIN, name="stdin")
    if base is None or os.path.isabs(path):
        local, document = path, read_document(path)
    else:
        local = os.path.join(base, path)
        document = replace(read_document(local), source=path)
    given = sidecar_metadata(local)
    return replace(document, metadata=given) if given is not None else document


def unreadable_error(item: InputItem) -> errors.FileNotReadable:
    """The error of an input found unreadable while looking for inputs."""
    return errors.FileNotReadable(item.path,
                                  reason=f"a folder that cannot be listed: {item.unreadable}")
