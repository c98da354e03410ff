"""Stage order and assembly: builds a pipeline once, then turns texts into `Report`s.

Each stage module in `pipeline.stages` declares `NAME`, `REQUIRES`, `PROVIDES` and a factory
`make_stage(**options) -> callable(draft)`. Building a `Pipeline` checks that every requirement is
provided by an earlier stage, so a bad configuration fails at once, naming what is missing, not
halfway through a corpus.
"""
from __future__ import annotations

import gc
import hashlib
import importlib
from importlib import resources
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from . import errors
from .draft import INITIAL_PROVIDES, Draft
from .records import DocumentMeta, Report
from .textnorm import fold

if TYPE_CHECKING:
    from .stages.ingest import SourceDocument

#: Registered stages, in their natural order: name -> module under `pipeline.stages`.
STAGE_MODULES: dict[str, str] = {
    "segment": "pipeline.stages.segment",
    "tokenize": "pipeline.stages.tokenize",
    "quantities": "pipeline.stages.quantities",
    "entities": "pipeline.stages.entities",
    "activities": "pipeline.stages.activities",
    "classify": "pipeline.stages.classify",
    "summarize": "pipeline.stages.summarize",
}
DEFAULT_STAGES: tuple[str, ...] = tuple(STAGE_MODULES)

#: Longest text a single report may have (characters); bounds the work per document.
MAX_CHARS = 5_000_000


@cache
def pipeline_version() -> str:
    from . import __version__  # here, not at the top: the package imports this module

    return __version__


@dataclass(frozen=True)
class StageSpec:
    name: str
    requires: frozenset[str]
    provides: frozenset[str]
    module: ModuleType

    @classmethod
    def load(cls, name: str) -> "StageSpec":
        if name not in STAGE_MODULES:
            raise errors.UnknownStage(None, name=name, known=", ".join(STAGE_MODULES))
        module = importlib.import_module(STAGE_MODULES[name])
        return cls(name, frozenset(module.REQUIRES), frozenset(module.PROVIDES), module)


def check_order(specs: Iterable[StageSpec]) -> None:
    """Raise `MissingRequirement` naming the first stage whose needs are not met."""
    specs = list(specs)
    available = set(INITIAL_PROVIDES)
    order = " -> ".join(spec.name for spec in specs)
    for spec in specs:
        missing = spec.requires - available
        if missing:
            raise errors.MissingRequirement(None, stage=spec.name, missing=sorted(missing),
                                            order=order)
        available |= spec.provides


def _warm_up_text() -> str:
    lines = resources.files(__package__).joinpath("warm_up_report.txt").read_text("utf-8").splitlines()
    return "\n".join(line for line in lines if not line.startswith("#"))


class Pipeline:
    """A configured sequence of stages. Build once per process; call per document."""

    def __init__(self, stages: Iterable[str] = DEFAULT_STAGES, *,
                 options: Mapping[str, Mapping[str, Any]] | None = None,
                 keep_tokens: bool = False) -> None:
        self.stage_names = tuple(stages)
        self.options = {name: dict(opts) for name, opts in (options or {}).items()}
        self.keep_tokens = keep_tokens
        self.specs = [StageSpec.load(name) for name in self.stage_names]
        check_order(self.specs)
        self._callables: list[Callable[[Draft], None]] | None = None
        self._provenance: dict[str, Any] | None = None

    @property
    def model_dir(self) -> str | None:
        """The area model folder the classify stage is given (None: the shipped model)."""
        model_dir = self.options.get("classify", {}).get("model_dir")
        return str(model_dir) if model_dir is not None else None

    def provenance(self) -> dict[str, Any]:
        """What every report of this pipeline records in `provenance`: model and data hashes."""
        if self._provenance is None:
            from .provenance import provenance

            self._provenance = provenance(self.model_dir, classifies="classify" in self.stage_names)
        return self._provenance

    def _stages(self) -> list[Callable[[Draft], None]]:
        if self._callables is None:
            self._callables = [spec.module.make_stage(**self.options.get(spec.name, {}))
                               for spec in self.specs]
        return self._callables

    def warm_up(self) -> "Pipeline":
        """Load dictionaries and models now rather than on the first document, run a short
        report of our own through every stage (`warm_up_report.txt`: what the stages build on
        first use), and take what is loaded out of the garbage collector's sight. The report lies
        outside `data/`, whose files' hashes every output records: it changes no output."""
        self._stages()
        self.provenance()
        self(_warm_up_text()).to_json()
        # The loaded dictionaries and models live as long as the process: frozen, the collector
        # stops walking their objects at each full collection and once more at exit. Measured
        # (CPU, 2026-11-30): about 3% of a worker's time over the 72 government reports, and 0.3 s
        # of a cold `report-miner run` of one report, most of it the collection at exit.
        gc.freeze()
        return self

    def process_document(self, document: "SourceDocument", *, doc_id: str | None = None) -> Report:
        """Process what ingest read, keeping its hash, encoding and format in the metadata."""
        return self(document.text, source=document.source, sha256=document.sha256,
                    encoding=document.encoding, fmt=document.format, doc_id=doc_id or document.doc_id,
                    metadata=document.metadata)

    def __call__(self, text: str, *, source: str | None = None, sha256: str | None = None,
                 encoding: str = "utf-8", fmt: str = "text", doc_id: str | None = None,
                 metadata: dict | None = None) -> Report:
        """`metadata`: what is known of the report beforehand (title, year, region, issuer, url...),
        kept as given in `document.metadata`; it wins over what the text says (`pipeline.metadata`)."""
        if not isinstance(text, str):
            raise TypeError(f"process_text expects str, got {type(text).__name__}")
        if not text or text.isspace():  # not `strip()`, which copies the whole text
            raise errors.EmptyInput(source)
        if len(text) > MAX_CHARS:
            raise errors.InputTooLarge(source, size=len(text), limit=MAX_CHARS)
        try:
            encoded = text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: no file could have held it
            raise errors.UndecodableInput(source, reason=(
                f"character {exc.start} is a lone surrogate (U+{ord(text[exc.start]):04X})")) from None
        digest = sha256 or hashlib.sha256(encoded).hexdigest()
        meta = DocumentMeta(doc_id=doc_id or digest[:16], source=source, sha256=digest,
                            encoding=encoding, format=fmt, chars=len(text), metadata=metadata)
        draft = Draft(text=text, folded=fold(text), meta=meta)
        for stage in self._stages():
            stage(draft)
        return Report(document=draft.meta, text=text, sections=tuple(draft.sections),
                      paragraphs=tuple(draft.paragraphs), sentences=tuple(draft.sentences),
                      tokens=tuple(draft.tokens) if self.keep_tokens else None,
                      quantities=tuple(draft.quantities), entities=tuple(draft.entities),
                      activities=tuple(draft.activities), summary=draft.summary,
                      furniture=tuple(draft.furniture),
                      pipeline_version=pipeline_version(), provenance=self.provenance())
