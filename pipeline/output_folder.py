"""An output folder shared over time: one run at a time, its manifest read back, writes that fail
with a coded error.

`output_lock` holds a folder for one run (`OutputLocked` for a second one); `read_manifest` reads
the rows earlier runs left, including a partial manifest a killed run cut short; `current_output`
says whether an output there is what this run would write (same input bytes, pipeline version,
model and data files, `OutputOptions`), so a rerun may skip it; `cannot_write`
turns the file system's refusal into `CannotWriteOutput` with its errno, so the batch can tell a
full disk (stop) from one name in the way (that report fails). `pipeline.batch` uses them.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import errors
from .records import AREA_SCORES

#: Held while a run writes into an output folder; holds the writer's pid.
LOCK = ".report-miner.lock"

#: Output folders this process holds (real path -> depth), so a holder can take its lock again.
_held: dict[str, int] = {}


@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold `folder` for this run: `OutputLocked` while another process holds it.

    The lock is `flock` on `folder/.report-miner.lock`, which holds the holder's pid for the
    message. The kernel releases it when the holder exits, however it exits, so a lock file left
    by a killed run is simply taken over. Taking it again within the holding process is allowed.
    """
    key = os.path.realpath(folder)
    if key not in _held:
        try:
            descriptor = _acquire(folder / LOCK)
        except OSError as exc:
            raise cannot_write(folder, exc) from None
    _held[key] = _held.get(key, 0) + 1
    try:
        yield
    finally:
        _held[key] -= 1
        if not _held[key]:
            del _held[key]
            # Removed while still held: a process waiting on this file then sees it is stale.
            (folder / LOCK).unlink(missing_ok=True)
            os.close(descriptor)


def _acquire(path: Path) -> int:
    import fcntl

    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
            os.close(descriptor)
            raise errors.OutputLocked(path.parent, pid=holder or "unknown") from None
        try:
            current = os.stat(path).st_ino == os.fstat(descriptor).st_ino
        except FileNotFoundError:
            current = False
        if current:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{os.getpid()}\n".encode("ascii"))
            return descriptor
        os.close(descriptor)  # its holder removed it as we opened it: lock the new one


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """The rows of a manifest file; a last line cut short by a killed run is left out (that
    input's output, if any, is found again by the resume check)."""
    import orjson

    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return []
    rows = []
    for line in lines:
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("path"), str):
            rows.append(row)
    return rows


def append_all(handle, data: bytes) -> None:
    """All of `data` to an unbuffered file (a raw write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[handle.write(view):]


def make_output_folder(output: Path) -> None:
    """Create the output folder if need be; `CannotWriteOutput` if it cannot be."""
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(output, exc) from None


def cannot_write(target: Path, exc: OSError, advice: str = "") -> errors.CannotWriteOutput:
    reason = exc.strerror or type(exc).__name__
    if isinstance(exc, IsADirectoryError):
        reason = "a folder of that name is in the way"
    return errors.CannotWriteOutput(target, reason=reason + advice, errno=exc.errno)


@dataclass(frozen=True)
class OutputOptions:
    """What decides an output besides its input and the code: an output made otherwise is not
    current for a rerun (`current_output`)."""

    #: Write every token (`--tokens`).
    keep_tokens: bool = False
    #: Write every section's and sentence's scores for each area (`--area-scores`).
    area_scores: bool = False
    #: The area model folder (`--model`); None for the shipped model.
    model_dir: str | None = None

    def provenance(self) -> dict[str, Any]:
        """The `provenance` an output made with these options records."""
        from .provenance import provenance

        return provenance(self.model_dir)


def current_output(output: Path, sha256: str, options: OutputOptions,
                   provenance: dict[str, Any]) -> str | None:
    """The doc_id in `output` if it was made from input bytes with `sha256` by this pipeline
    version, with the model and data files of `provenance` and the same `options` (tokens, area
    scores); None when it is missing, stale or unreadable."""
    import orjson

    from .runner import pipeline_version

    try:
        data = orjson.loads(output.read_bytes())
        document = data["document"]
        if (document["sha256"] == sha256 and data["pipeline_version"] == pipeline_version()
                and data["provenance"] == provenance
                and ("tokens" in data) == options.keep_tokens
                and all((AREA_SCORES in section) == options.area_scores
                        for section in data["sections"])):
            return document["doc_id"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        pass
    return None
