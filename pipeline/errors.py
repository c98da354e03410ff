"""Every error the pipeline raises on purpose, with a stable code and one message template.

Codes are searchable (`E101`) and messages always name the input they concern, so a line in a
batch log or a manifest is enough to act on. Anything that escapes as another exception type is a
bug in report-miner, not a property of the input.
"""
from __future__ import annotations

import os
from pathlib import Path


def display_path(path: str | Path) -> str:
    """`path` as printable UTF-8 text. A file name made of other bytes (GBK names from a Windows
    zip unpacked on Linux reach Python as lone surrogates) shows its odd bytes as `\\xNN`, so
    the name can go into JSON and messages; `path_bytes` keeps the exact bytes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def path_bytes(path: str | Path) -> str | None:
    """The hex of `path`'s bytes when they are not UTF-8 (see `display_path`), else None."""
    raw = os.fsencode(path)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.hex()
    return None


class ReportMinerError(Exception):
    """Base class: `code` is stable across versions, `message` is for people.

    `source` names the input or file concerned; an error about no file in particular (a broken
    installation, a worker that cannot start) has none and its message starts with the reason.
    """

    code = "E000"
    template = "{detail}"

    def __init__(self, source: str | Path | None = None, **fields: object) -> None:
        self.source = display_path(source) if source is not None else None
        self.fields = fields
        where = f" {self.source}:" if self.source is not None else ""
        super().__init__(f"[{self.code}]{where} " + self.template.format(**fields))

    def __reduce__(self):
        # Pickled by its fields, not its message, so it reaches a worker process whole (a bad
        # corpus record travels with its error).
        return (_rebuild, (type(self), self.source, self.fields))


def _rebuild(kind: type, source: str, fields: dict) -> ReportMinerError:
    return kind(source, **fields)


class InputError(ReportMinerError):
    """The input itself cannot be turned into a report; skip it and say why."""

    code = "E100"


class FileNotReadable(InputError):
    code = "E101"
    template = "cannot read the file ({reason})"


class EmptyInput(InputError):
    code = "E102"
    template = "the input is empty or holds only white space"


class UndecodableInput(InputError):
    code = "E103"
    template = "not text in any supported encoding (UTF-8, UTF-16 with BOM, GB18030/GBK): {reason}"


class BinaryInput(InputError):
    code = "E104"
    template = "this is a binary file ({kind}), not a report"


class UnsupportedFormat(InputError):
    code = "E105"
    template = "unsupported input format: {reason}"


class InputTooLarge(InputError):
    code = "E106"
    template = "the input has {size} characters, more than the limit of {limit}"


class FileTooLarge(InputError):
    code = "E107"
    template = ("the file has {size} bytes, more than the limit of {limit} for a {kind} "
                "(see runner.MAX_CHARS)")


class NoMainText(InputError):
    code = "E108"
    template = "no report text found in this {kind}: {reason}"


class DamagedDocument(InputError):
    code = "E109"
    template = "this {kind} cannot be opened: {reason}"


class BadRecord(InputError):
    """One record of a corpus file (JSONL, CSV, Parquet) that cannot be a report; the others go on."""

    code = "E121"
    template = "record {record}: {reason}"


class BadMetadata(InputError):
    """Metadata given with a report (a record's fields, a sidecar NAME.meta.json) of the wrong kind."""

    code = "E122"
    template = "metadata field {field!r}: {reason}"

class TooManySentences(InputError):
    code = "E110"
    template = ("the text breaks into {size} or more sentences and lines, more than the limit of "
                "{limit} per report (see ingest.MAX_SENTENCES)")


class BeyondLimits(InputError):
    """A file within the size limit whose structure would take unbounded work (a PDF of 100,000
    pages, a page of 200,000 text operators, a Word file of 100,000 parts)."""

    code = "E111"
    template = "beyond the bounds on the work for one report: {detail}"


class TooManyRecords(InputError):
    code = "E112"
    template = ("the report holds {size} records (sentences, quantities, entities, activities), "
                "more than the limit of {limit} per report (see batch.MAX_RECORDS)")


class PipelineError(ReportMinerError):
    """The pipeline was built or configured wrongly; a programming or installation problem."""

    code = "E200"


class EngineUnavailable(PipelineError):
    """The engine asked for cannot run here: Dask not installed, a scheduler out of reach or
    without workers. A usage error: nothing was processed."""

    code = "E210"
    template = "{detail}"


class MissingRequirement(PipelineError):
    code = "E201"
    template = "stage {stage!r} needs {missing}, which no earlier stage provides (order: {order})"


class UnknownStage(PipelineError):
    code = "E202"
    template = "no stage is registered under {name!r}; known stages: {known}"


class ModelError(ReportMinerError):
    """A model file is missing, from another version, or not safe to load."""

    code = "E300"
    template = "{detail}"


class TrainingDataError(ModelError):
    """A training corpus, taxonomy or gold file given to `train` or `evaluate` is unusable."""

    code = "E301"
    template = "{detail}"


class ProcessingError(ReportMinerError):
    """One document could not be finished for a reason outside the input's content; the batch
    goes on and the manifest records it."""

    code = "E400"
    template = "{detail}"


class WorkerDied(ProcessingError):
    code = "E401"
    template = "the worker process died while processing this report ({how}), {attempts} time(s)"


class DocumentTimedOut(ProcessingError):
    code = "E402"
    template = "processing took longer than the limit of {seconds:g} s per report"


class InternalError(ProcessingError):
    code = "E403"
    template = "internal error in report-miner ({kind}: {detail}); please report it"


class OutputError(ReportMinerError):
    """A file given as report-miner output (to `show` or the corpus tables) cannot be used."""

    code = "E500"
    template = "{detail}"


class NotAReportFile(OutputError):
    code = "E501"
    template = "not a report-miner output JSON file: {reason}"


class CannotWriteOutput(OutputError):
    code = "E502"
    template = "cannot write the output ({reason})"


class OutputLocked(OutputError):
    code = "E503"
    template = ("another report-miner run (process {pid}) is writing into this folder; two runs "
                "into one folder would mix their outputs, so wait for it to finish")
