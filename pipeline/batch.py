"""Running the pipeline over many inputs: discovery, output names, atomic writes, a manifest.

The per-document function `process_one` is what any engine (`pipeline.engines`) runs; everything
about one report's success or failure is in the `Outcome` it returns, so a batch never stops for
one bad file. `write_corpus` streams an engine's outcomes to an output folder: each output is
written atomically the moment it arrives, and the manifest `corpus.jsonl` gets one row per input.
A rerun skips inputs whose output is already there for the same bytes and pipeline version.
"""
from __future__ import annotations

import hashlib
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import errors
# The file types a folder is searched for (others in it are left alone); ingest owns them.
from .stages.ingest import SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from .engines import Engine
    from .runner import Pipeline

STDIN = "-"
MANIFEST = "corpus.jsonl"
#: Default bound on the work for one report, in seconds (`--timeout`).
DEFAULT_TIMEOUT = 300.0
#: Longest output file name stem in UTF-8 bytes; file systems allow 255 and a hash may follow.
_MAX_NAME_BYTES = 200


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
    #: How many times the document was started (a worker death causes one retry).
    attempts: int = 1
    #: Seconds spent on the document in the worker, reading included.
    seconds: float | None = None
    #: True when a rerun found a current output and did not process the input again.
    skipped: bool = False
    #: For web pages, Word files and PDFs: the text extracted from them, which every offset in
    #: the JSON points into; saved beside the output so a reader can check a span by eye.
    extracted_text: str | None = None

    def manifest_row(self) -> dict[str, Any]:
        row = asdict(self)
        del row["json"], row["output_name"], row["extracted_text"]
        return {"path": row.pop("path"), "output": self.output_name if self.ok else None, **row}


def failure(item: InputItem, exc: errors.ReportMinerError, *, attempts: int = 1,
            seconds: float | None = None) -> Outcome:
    return Outcome(item.path, item.output_name, ok=False, error_code=exc.code,
                   error_class=type(exc).__name__, message=str(exc), attempts=attempts,
                   seconds=seconds)


_UNSAFE = re.compile(r"[^\w.\-]+")


def safe_name(relative: str) -> str:
    """A flat file name from a relative path: no separators, no `..`, no odd characters, and
    short enough in bytes for any file system."""
    parts = [part for part in re.split(r"[\\/]+", relative) if part not in ("", ".", "..")]
    name = "__".join(_UNSAFE.sub("_", part) for part in parts).lstrip(".") or "report"
    return name.encode("utf-8")[:_MAX_NAME_BYTES].decode("utf-8", "ignore")


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
    for name in names:  # case-folded: `A` and `a` are one file on some file systems
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    items = []
    for (path, _), name in zip(found, names):
        if counts[name.casefold()] > 1:  # same flat name from different places: the path's hash
            name = f"{name}.{hashlib.sha256(path.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
        items.append(InputItem(path=path, output_name=name + ".json"))
    return items


def read_input(path: str, base: str | None = None):
    """Read `path`; a relative one from the folder `base` when given (a worker on another
    machine), keeping the path as given as the document's source, as a local run would."""
    from .stages.ingest import document_from_bytes, read_document

    if path == STDIN:
        return document_from_bytes(sys.stdin.buffer.read(), source=STDIN, name="stdin")
    if base is None or os.path.isabs(path):
        return read_document(path)
    return replace(read_document(os.path.join(base, path)), source=path)


@lru_cache(maxsize=2)
def _pipeline(keep_tokens: bool) -> "Pipeline":
    from . import default_pipeline
    from .runner import Pipeline

    return (Pipeline(keep_tokens=True) if keep_tokens else default_pipeline()).warm_up()


@contextmanager
def time_limit(seconds: float | None, source: str) -> Iterator[None]:
    """Raise `DocumentTimedOut` inside the block after `seconds`.

    Uses SIGALRM, so it applies only on the main thread of a process (the in-process engine and
    worker processes); threads, as in a Dask worker, rely on the engine's own bound.
    """
    if not seconds or not hasattr(signal, "setitimer") \
            or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise errors.DocumentTimedOut(source, seconds=seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def process_one(item: InputItem, *, keep_tokens: bool = False, indent: bool = True,
                timeout: float | None = DEFAULT_TIMEOUT, base: str | None = None) -> Outcome:
    """Read and process one input; never raises for a bad input or a failing stage, only
    reports it. Loading the pipeline (once per process) is not counted against `timeout`."""
    pipe = _pipeline(keep_tokens)
    started = time.perf_counter()
    try:
        with time_limit(timeout, item.path):
            document = read_input(item.path, base)
            report = pipe.process_document(document, doc_id=item.output_name.removesuffix(".json"))
            data = report.to_json(indent=indent)
    except errors.ReportMinerError as exc:
        return failure(item, exc, seconds=time.perf_counter() - started)
    except Exception as exc:  # a bug in one stage must cost one document, not the batch
        return failure(item, errors.InternalError(item.path, kind=type(exc).__name__,
                                                  detail=str(exc)[:500]),
                       seconds=time.perf_counter() - started)
    return Outcome(item.path, item.output_name, ok=True, doc_id=report.document.doc_id,
                   sha256=report.document.sha256, json=data,
                   seconds=time.perf_counter() - started,
                   extracted_text=document.text if document.format != "text" else None)


def extracted_text_path(output: Path) -> Path:
    """Where the extracted text of a non-plain input is saved: `NAME.extracted.txt` beside it."""
    return output.with_name(output.name.removesuffix(".json") + ".extracted.txt")


def write_outcome(outcome: Outcome, output: Path, *, durable: bool = True) -> None:
    """Write one successful outcome's JSON to `output`, and its extracted text beside it."""
    if outcome.extracted_text is not None:
        atomic_write(extracted_text_path(output), outcome.extracted_text, durable=durable)
    atomic_write(output, outcome.json + "\n", durable=durable)


@dataclass(frozen=True)
class DocumentTask:
    """`process_one` with fixed options, as engines ship it to workers; `warm_up` loads the
    pipeline before the first document so start-up is not charged to it."""

    keep_tokens: bool = False
    indent: bool = True
    timeout: float | None = DEFAULT_TIMEOUT
    #: Folder that relative input paths are read from, for workers started elsewhere.
    base: str | None = None

    def warm_up(self) -> None:
        _pipeline(self.keep_tokens)

    def __call__(self, item: InputItem) -> Outcome:
        return process_one(item, keep_tokens=self.keep_tokens, indent=self.indent,
                           timeout=self.timeout, base=self.base)


@lru_cache(maxsize=1)
def _new_file_mode() -> int:
    """The mode `open()` gives a new file under this process's umask (0644 under umask 022).
    Reading the umask means setting it, so it is done once, before any worker thread."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: Path, data: str, *, durable: bool = True) -> None:
    """Write `data` to `path` through a temporary file and a rename: never half a file.
    `durable` also flushes it to disk first, so a power cut cannot leave an empty file.
    The file gets the umask's mode, as any other file the user writes (mkstemp's is 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(descriptor, _new_file_mode())
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def file_sha256(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def current_output(output: Path, sha256: str, *, keep_tokens: bool = False) -> str | None:
    """The doc_id in `output` if it was made from input bytes with `sha256` by this pipeline
    version with the same options (tokens or not); None when it is missing, stale or unreadable."""
    import orjson

    from .runner import pipeline_version

    try:
        data = orjson.loads(output.read_bytes())
        document = data["document"]
        if (document["sha256"] == sha256 and data["pipeline_version"] == pipeline_version()
                and ("tokens" in data) == keep_tokens):
            return document["doc_id"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        pass
    return None


@dataclass
class BatchCounts:
    processed: int = 0
    skipped: int = 0
    failed: int = 0


def write_corpus(items: Iterable[InputItem], engine: "Engine", output: Path, *,
                 resume: bool = True, durable: bool = False, keep_tokens: bool = False,
                 on_outcome: Callable[[Outcome], None] | None = None) -> BatchCounts:
    """Process `items` with `engine` into the folder `output`, streaming.

    Each output is written atomically as it arrives; `corpus.jsonl.partial` gains a row per
    input as it is settled and becomes `corpus.jsonl` when the batch ends, so an interrupted run
    leaves every finished output in place and a list of them. With `resume`, inputs whose output
    is current are not processed again (their row says `skipped`). Outputs are not flushed to
    disk one by one unless `durable` (it costs milliseconds each): after a power cut, an output
    the disk lost is unreadable or missing, so the resume check makes the rerun redo it.
    `keep_tokens` must say whether `engine` writes tokens: an output made otherwise is redone.
    """
    import orjson

    output.mkdir(parents=True, exist_ok=True)
    counts = BatchCounts()
    partial = output / (MANIFEST + ".partial")
    with open(partial, "wb") as manifest:
        def settle(outcome: Outcome) -> None:
            if outcome.skipped:
                counts.skipped += 1
            elif outcome.ok:
                write_outcome(outcome, output / outcome.output_name, durable=durable)
                counts.processed += 1
            else:
                counts.failed += 1
            manifest.write(orjson.dumps(outcome.manifest_row()) + b"\n")
            manifest.flush()
            if on_outcome is not None:
                on_outcome(outcome)

        def pending() -> Iterator[InputItem]:
            for item in items:
                sha256 = file_sha256(item.path) if resume and item.path != STDIN else None
                doc_id = sha256 and current_output(output / item.output_name, sha256,
                                                   keep_tokens=keep_tokens)
                if doc_id:
                    settle(Outcome(item.path, item.output_name, ok=True, doc_id=doc_id,
                                   sha256=sha256, attempts=0, skipped=True))
                else:
                    yield item

        for outcome in engine.map(pending()):
            settle(outcome)
    os.replace(partial, output / MANIFEST)
    return counts
