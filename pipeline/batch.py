"""Running the pipeline over many inputs (found by `pipeline.inputs`): atomic writes, a manifest.

The per-document function `process_one` is what any engine (`pipeline.engines`) runs; everything
about one report's success or failure is in the `Outcome` it returns, so a batch never stops for
one bad file. `write_corpus` streams an engine's outcomes to an output folder: each output is
written atomically the moment it arrives, and the manifest `corpus.jsonl` gets one row per input.
A rerun skips inputs whose output is already there for the same bytes, pipeline version, model,
data files and options (`OutputOptions`).

An output folder is shared safely over time and refused while in use: one run at a time holds it
(`output_folder.output_lock`: a lock file with the holder's pid, freed if the holder dies), a
run adds its rows to the manifest rather than replacing it, and an output name that an earlier
run gave another input is not reused (the source path decides, as within one run). Writing an
output can fail on its own (a folder in the way) or for every output (a full disk): the first
costs that report; the second stops the batch, leaving each output already written whole and the
manifest listing exactly those.
"""
from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import errors, provenance
from .clocks import Alarm, DocumentClock, SharedClock
from .inputs import STDIN, InputItem, read_input, unreadable_error, with_path_hash
from .draft import Draft
from .output_folder import (OutputOptions, append_all, cannot_write, current_output,
                            make_output_folder, output_lock, read_manifest)
from .runner import batched, document_fields

if TYPE_CHECKING:
    from .engines import Engine
    from .records import Report
    from .runner import Pipeline
    from .stages.ingest import SourceDocument

MANIFEST = "corpus.jsonl"
#: Write errors that every later output would hit too: the batch stops at the first one.
_FOLDER_WIDE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
#: Default bound on the work for one report, in seconds (`--timeout`).
DEFAULT_TIMEOUT = 300.0
#: Most records (sentences, quantities, entities, activities) one report may write: ten per 100
#: characters of the longest text allowed (`runner.MAX_CHARS`), some fifty times the density of
#: real reports. A report past it is refused rather than written, so no single output can grow
#: to gigabytes of JSON.
MAX_RECORDS = 500_000


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
        """The manifest's row: the path as UTF-8 text, with its exact bytes in `path_bytes`
        (hex) when they are not UTF-8."""
        row = asdict(self)
        del row["json"], row["output_name"], row["extracted_text"], row["path"]
        return {"path": errors.display_path(self.path), "path_bytes": errors.path_bytes(self.path),
                "output": self.output_name if self.ok else None, **row}


def failure(item: InputItem, exc: errors.ReportMinerError, *, attempts: int = 1,
            seconds: float | None = None) -> Outcome:
    return Outcome(item.path, item.output_name, ok=False, error_code=exc.code,
                   error_class=type(exc).__name__, message=str(exc), attempts=attempts,
                   seconds=seconds)


@lru_cache(maxsize=2)
def _pipeline(keep_tokens: bool, model_dir: str | None) -> "Pipeline":
    from . import default_pipeline
    from .runner import Pipeline

    if not keep_tokens and model_dir is None:
        return default_pipeline().warm_up()
    options = {"classify": {"model_dir": model_dir}} if model_dir is not None else None
    return Pipeline(keep_tokens=keep_tokens, options=options).warm_up()


def _check_record_count(report, source: str) -> None:
    records = (len(report.sentences) + len(report.quantities) + len(report.entities)
               + len(report.activities))
    if records > MAX_RECORDS:
        raise errors.TooManyRecords(source, size=records, limit=MAX_RECORDS)


def process_one(item: InputItem, *, options: OutputOptions = OutputOptions(), indent: bool = True,
                timeout: float | None = DEFAULT_TIMEOUT, base: str | None = None) -> Outcome:
    """Read and process one input; never raises for a bad input or a failing stage, only
    reports it. Loading the pipeline (once per process) is not counted against `timeout`."""
    return process_batch([item], options=options, indent=indent, timeout=timeout, base=base)[0]


def process_batch(items: Sequence[InputItem], *, options: OutputOptions = OutputOptions(),
                  indent: bool = True, timeout: float | None = DEFAULT_TIMEOUT,
                  base: str | None = None) -> list[Outcome]:
    """`process_one` of each input, in order, the pipeline's stages run over them stage by stage
    (`Pipeline.run_batch`) in groups of at most `runner.BATCH_CHARS` characters, read as the
    groups fill, so that memory stays that of one long report. Each document keeps its own time
    bound, its own seconds and its own failure."""
    outcomes: list[Outcome | None] = [None] * len(items)
    pipe = _pipeline(options.keep_tokens, options.model_dir)
    with Alarm() as alarm:
        _run_batch(items, outcomes, pipe, alarm, options=options, indent=indent, timeout=timeout, base=base)
    assert all(outcome is not None for outcome in outcomes), "every input has its outcome"
    return cast("list[Outcome]", outcomes)


def _run_batch(items: Sequence[InputItem], outcomes: list[Outcome | None], pipe: "Pipeline", alarm: Alarm, *,
               options: OutputOptions, indent: bool, timeout: float | None, base: str | None) -> None:
    """`process_batch`'s work, each input's outcome set in `outcomes`."""

    def readable() -> Iterator[tuple[int, SourceDocument, DocumentClock]]:
        for index, item in enumerate(items):
            if item.unreadable is not None:
                outcomes[index] = failure(item, unreadable_error(item), seconds=0.0)
                continue
            clock = DocumentClock(item.path, timeout, alarm)
            try:
                with clock:
                    document = read_input(item.path, base, item.record)
            except Exception as exc:  # noqa: BLE001  (an unreadable input costs that input)
                outcomes[index] = _failed(item, exc, clock)
                continue
            yield index, document, clock

    for group in batched(readable(), None, weight=lambda entry: len(entry[1].text)):
        drafts: list[Draft | Exception] = []
        for index, document, clock in group:
            try:
                with clock:
                    drafts.append(pipe.new_draft(**document_fields(
                        document, items[index].output_name.removesuffix(".json"))))
            except Exception as exc:  # noqa: BLE001
                drafts.append(exc)
        clocks = [clock for _, _, clock in group]
        failures = pipe.run_batch(drafts, guards=clocks, shared=lambda indices: SharedClock(
            [clocks[index] for index in indices], [len(group[index][1].text) for index in indices], alarm))
        for position, (index, document, clock) in enumerate(group):
            draft = drafts[position]
            problem = draft if isinstance(draft, Exception) else failures.get(position)
            if problem is None:
                assert isinstance(draft, Draft)
                outcomes[index] = _written(items[index], pipe.report(draft), document, clock, options, indent)
            else:
                outcomes[index] = _failed(items[index], problem, clock)


def _written(item: InputItem, report: "Report", document: "SourceDocument", clock: DocumentClock,
             options: OutputOptions, indent: bool) -> Outcome:
    """The outcome of a report every stage ran on: its JSON, or why it could not be written."""
    try:
        with clock:
            _check_record_count(report, item.path)
            data = report.to_json(indent=indent, include_area_scores=options.area_scores)
    except Exception as exc:  # noqa: BLE001
        return _failed(item, exc, clock)
    return Outcome(item.path, item.output_name, ok=True, doc_id=report.document.doc_id,
                   sha256=report.document.sha256, json=data, seconds=clock.seconds,
                   extracted_text=document.text if document.format != "text" and item.record is None else None)


def _failed(item: InputItem, exc: BaseException, clock: DocumentClock) -> Outcome:
    """The outcome of an input that failed with `exc`: a bug in one stage costs one document,
    said as an internal error, never the batch."""
    if not isinstance(exc, errors.ReportMinerError):
        exc = errors.InternalError(item.path, kind=type(exc).__name__, detail=str(exc)[:500])
    return failure(item, exc, seconds=clock.seconds)


def extracted_text_path(output: Path) -> Path:
    """Where the extracted text of a non-plain input is saved: `NAME.extracted.txt` beside it."""
    return output.with_name(output.name.removesuffix(".json") + ".extracted.txt")


def write_outcome(outcome: Outcome, output: Path, *, durable: bool = True) -> None:
    """Write one successful outcome's JSON to `output`, and its extracted text beside it;
    `CannotWriteOutput` (with the `errno`) when the file system refuses."""
    assert outcome.json is not None  # a successful outcome holds its JSON
    try:
        if outcome.extracted_text is not None:
            atomic_write(extracted_text_path(output), outcome.extracted_text, durable=durable)
        atomic_write(output, outcome.json + "\n", durable=durable)
    except OSError as exc:
        raise cannot_write(output, exc) from None


@dataclass(frozen=True)
class DocumentTask:
    """`process_batch` with fixed options, as engines ship it to workers; `warm_up` loads the
    pipeline before the first document so start-up is not charged to it."""

    options: OutputOptions = OutputOptions()
    indent: bool = True
    timeout: float | None = DEFAULT_TIMEOUT
    #: Folder that relative input paths are read from, for workers started elsewhere.
    base: str | None = None

    def warm_up(self) -> None:
        _pipeline(self.options.keep_tokens, self.options.model_dir)

    def __call__(self, items: Sequence[InputItem]) -> list[Outcome]:
        return process_batch(items, options=self.options, indent=self.indent,
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
    """The file's sha256, or None when it cannot be read (the run then reports it as it reads it)."""
    try:
        return provenance.file_sha256(path)
    except OSError:
        return None


@dataclass
class BatchCounts:
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    #: Output names (in the output folder) of this run's inputs that have a current output.
    outputs: list[str] = field(default_factory=list)


def _row_key(path: str) -> str:
    return path if path == STDIN else os.path.abspath(path)


def merge_manifest(*runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per input path: a later run's row replaces an earlier one in place, new inputs
    follow in the order they came."""
    rows: dict[str, dict[str, Any]] = {}
    for run in runs:
        for row in run:
            rows[_row_key(row["path"])] = row
    return list(rows.values())


def _owner_of_output(target: Path) -> str | None:
    """The source path an existing output file was made from (None if unreadable)."""
    import orjson

    try:
        source = orjson.loads(target.read_bytes())["document"]["source"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None
    return _row_key(source) if isinstance(source, str) else None


def _unclaimed(item: InputItem, owners: dict[str, str], output: Path) -> InputItem:
    """`item`, renamed with its path's hash if an earlier run gave its output name to another
    input (by the manifest, or by the source written in the output itself)."""
    owner = owners.get(item.output_name)
    if owner is None and (output / item.output_name).exists():
        owner = _owner_of_output(output / item.output_name)
    if owner is None or owner == _row_key(errors.display_path(item.path)):
        return item
    return with_path_hash(item)


def write_corpus(items: Iterable[InputItem], engine: "Engine", output: Path, *,
                 resume: bool = True, durable: bool = False,
                 options: OutputOptions = OutputOptions(),
                 on_outcome: Callable[[Outcome], None] | None = None) -> BatchCounts:
    """Process `items` with `engine` into the folder `output`, streaming.

    Each output is written atomically as it arrives; `corpus.jsonl.partial` gains a row per
    input as it is settled, and when the batch ends its rows are merged into `corpus.jsonl`
    (rows of earlier runs' other inputs are kept), so an interrupted run leaves every finished
    output in place and a list of them. With `resume`, inputs whose output is current are not
    processed again (their row says `skipped`). Outputs are not flushed to disk one by one unless
    `durable` (it costs milliseconds each): after a power cut, an output the disk lost is
    unreadable or missing, so the resume check makes the rerun redo it. `options` must be those
    `engine` writes with: an output made otherwise (or by another model or data files) is redone.

    Raises `OutputLocked` while another run writes into `output`, and `CannotWriteOutput` when
    the folder cannot be written or the disk fills up (after recording what was written).
    """
    make_output_folder(output)
    with output_lock(output):
        return _write_locked(items, engine, output, resume=resume, durable=durable,
                             options=options, on_outcome=on_outcome)


def _write_locked(items: Iterable[InputItem], engine: "Engine", output: Path, *, resume: bool,
                  durable: bool, options: OutputOptions,
                  on_outcome: Callable[[Outcome], None] | None) -> BatchCounts:
    import orjson

    manifest_path, partial = output / MANIFEST, output / (MANIFEST + ".partial")
    earlier = merge_manifest(read_manifest(manifest_path), read_manifest(partial))
    owners = {row["output"]: _row_key(row["path"]) for row in earlier if row.get("output")}
    counts = BatchCounts()
    stopped: errors.CannotWriteOutput | None = None
    try:
        manifest = open(partial, "ab", buffering=0)
    except OSError as exc:
        raise cannot_write(output, exc) from None
    with manifest:
        if manifest.tell() and partial.read_bytes()[-1:] != b"\n":
            append_all(manifest, b"\n")  # a row cut short by a killed run stays on its own line

        def settle(outcome: Outcome) -> None:
            nonlocal stopped
            if outcome.ok and not outcome.skipped:
                try:
                    write_outcome(outcome, output / outcome.output_name, durable=durable)
                except errors.CannotWriteOutput as exc:
                    outcome = failure(InputItem(outcome.path, outcome.output_name), exc,
                                      attempts=outcome.attempts, seconds=outcome.seconds)
                    if exc.fields["errno"] in _FOLDER_WIDE:
                        stopped = exc
            if outcome.skipped:
                counts.skipped += 1
            elif outcome.ok:
                counts.processed += 1
            else:
                counts.failed += 1
            if outcome.ok:
                counts.outputs.append(outcome.output_name)
            append_all(manifest, orjson.dumps(outcome.manifest_row()) + b"\n")
            if on_outcome is not None:
                on_outcome(outcome)

        expected = options.provenance() if resume else {}

        def pending() -> Iterator[InputItem]:
            for item in items:
                item = _unclaimed(item, owners, output)
                if item.record is not None:
                    sha256 = item.record.sha256 if resume else None
                else:
                    sha256 = file_sha256(item.path) if resume and item.path != STDIN else None
                doc_id = sha256 and current_output(output / item.output_name, sha256, options,
                                                   expected)
                if doc_id:
                    settle(Outcome(item.path, item.output_name, ok=True, doc_id=doc_id,
                                   sha256=sha256, attempts=0, skipped=True))
                else:
                    yield item

        try:
            for outcome in engine.map(pending()):
                settle(outcome)
                if stopped is not None:
                    break
        except OSError as exc:  # the manifest itself could not be written
            raise cannot_write(partial, exc, "; the outputs written are whole and the rows "
                                              "written are in this file") from None
    rows = merge_manifest(earlier, read_manifest(partial))
    try:
        atomic_write(manifest_path, b"".join(orjson.dumps(row) + b"\n" for row in rows)
                     .decode("utf-8"), durable=durable)
    except OSError as exc:
        raise cannot_write(manifest_path, exc, f"; this run's rows are in {partial.name}") \
            from None
    partial.unlink()
    if stopped is not None:
        raise stopped
    return counts
