"""report-miner: structured, traceable data from Chinese work reports.

    >>> import pipeline
    >>> report = pipeline.process_text("……")
    >>> report.to_json()

Public API: `process_text`, `process_file`, `Report`, `Pipeline`. Everything else is internal.
"""
from __future__ import annotations

from pathlib import Path

from .records import SCHEMA_VERSION, Report
from .runner import Pipeline

__version__ = "0.1.0"
__all__ = ["Pipeline", "Report", "SCHEMA_VERSION", "process_file", "process_text", "__version__"]

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


def process_file(path: str | Path) -> Report:
    """Read a report file (any supported encoding and format) and process it."""
    from .stages.ingest import read_document

    document = read_document(path)
    return default_pipeline().process_document(document)
