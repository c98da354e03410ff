"""report-miner: structured, traceable data from Chinese work reports.

    >>> import pipeline
    >>> report = pipeline.process_text("……")
    >>> report.to_json()

    >>> corpus = pipeline.read_corpus("out/")          # a run's output folder as DataFrames
    >>> corpus = pipeline.process_files(["reports/"], workers=2)

Public API: `process_text`, `process_texts`, `process_file`, `process_files`, `read_corpus`,
`Corpus`, `Report` (and `Report.to_frames`), `Pipeline`. Everything else is internal.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .records import SCHEMA_VERSION, Report
from .runner import Pipeline

if TYPE_CHECKING:
    from .corpus_tables import Corpus

__version__ = "0.1.0"
__all__ = ["Corpus", "Pipeline", "Report", "SCHEMA_VERSION", "process_file", "process_files",
           "process_text", "process_texts", "read_corpus", "__version__"]

_default: Pipeline | None = None


def default_pipeline() -> Pipeline:
    """The process-wide pipeline with every stage, built on first use."""
    global _default
    if _default is None:
        _default = Pipeline()
    return _default


def process_text(text: str, *, source: str | None = None, metadata: dict | None = None) -> Report:
    """Run every stage on `text`; offsets in the result index `text` itself. `metadata` (title,
    year, region, issuer...) wins over what the text says; both are kept in `document`."""
    return default_pipeline()(text, source=source, metadata=metadata)


def process_texts(texts: Iterable[str]) -> Iterator[Report]:
    """The report of each text, in order, as `process_text` gives it; the texts run in batches,
    each stage over a batch before the next (`Pipeline.pipe`), which is faster for many texts. A
    text that fails raises its error when its turn comes."""
    return default_pipeline().pipe(texts)


def process_file(path: str | Path) -> Report:
    """Read a report file (any supported encoding and format) and process it."""
    from .stages.ingest import read_document

    document = read_document(path)
    return default_pipeline().process_document(document)


# pandas is imported only by these two, so the command line starts without it.
def process_files(paths: Iterable[str | Path], *, workers: int = 1,
                  progress: bool = True) -> "Corpus":
    """Process files and folders into a `Corpus` of DataFrames, with a progress bar."""
    from .corpus_tables import process_files as process

    return process(paths, workers=workers, progress=progress)


def read_corpus(folder: str | Path, *, dedupe: bool = False) -> "Corpus":
    """The DataFrames of a `report-miner run -o FOLDER` output folder, as a `Corpus`; with
    `dedupe`, without the reports its manifest marks as reposts."""
    from .corpus_tables import read_corpus as read

    return read(folder, dedupe=dedupe)


def __getattr__(name: str):
    if name == "Corpus":
        from .corpus_tables import Corpus

        return Corpus
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
