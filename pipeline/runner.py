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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

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
#: Characters of reports run stage by stage together at most (a report longer goes alone). The
#: gain is the stages' tables kept warm across short reports; long reports bring their own data,
#: which a large batch evicts between stages: on the 72 government reports (15,000 characters on
#: average) batches of up to 10,000-100,000 characters ran as fast as one report at a time, of
#: 1,000,000 11% slower, and a worker holding 16 of them peaked at 308 MB (2026-12-01).
BATCH_CHARS = 50_000
#: Reports run stage by stage together (see `Pipeline.run_batch`) by `Pipeline.pipe` and the
#: in-process engine (worker processes take fewer, `engines.WORKER_BATCH_SIZE`). Measured on the
#: twelve short real reports four times over (2026-12-01, CPU ms for the 48, batches of 1, 2, 4,
#: 8, 16, 48): 238, 209, 173, 164, 145, 137.
BATCH_SIZE = 16


T = TypeVar("T")


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
        return self(**document_fields(document, doc_id))

    def __call__(self, text: str, *, source: str | None = None, sha256: str | None = None,
                 encoding: str = "utf-8", fmt: str = "text", doc_id: str | None = None,
                 metadata: dict | None = None) -> Report:
        """`metadata`: what is known of the report beforehand (title, year, region, issuer, url...),
        kept as given in `document.metadata`; it wins over what the text says (`pipeline.metadata`)."""
        draft = self.new_draft(text, source=source, sha256=sha256, encoding=encoding, fmt=fmt, doc_id=doc_id,
                               metadata=metadata)
        for stage in self._stages():
            stage(draft)
        return self.report(draft)

    def pipe(self, texts: Iterable[str], *, batch_size: int = BATCH_SIZE) -> Iterator[Report]:
        """The report of each text, in order, as `__call__` gives it, the texts run stage by stage
        (see `run_batch`) in batches of at most `batch_size` texts and `BATCH_CHARS` characters.
        A text that fails raises its error when its turn comes, after the reports before it."""
        # Not a string: no weight here, and new_draft says what is wrong when its turn comes.
        for batch in batched(texts, batch_size, weight=lambda text: len(text) if isinstance(text, str) else 0):
            drafts: list[Draft | Exception] = []
            for text in batch:
                try:
                    drafts.append(self.new_draft(text))
                except Exception as exc:  # noqa: BLE001  (raised in its turn, below)
                    drafts.append(exc)
            failures = self.run_batch(drafts)
            for index, draft in enumerate(drafts):
                if isinstance(draft, Exception):
                    raise draft
                if index in failures:
                    raise failures[index]
                yield self.report(draft)

    def run_batch(self, drafts: Sequence[Draft | Exception], *,
                  guards: Sequence[AbstractContextManager[object]] | None = None,
                  shared: Callable[[list[int]], AbstractContextManager[object]] | None = None,
                  ) -> dict[int, Exception]:
        """Run every stage over `drafts`, stage by stage: each stage over all the drafts before
        the next. A stage's dictionaries, tables and code then stay in the processor's caches
        from one report to the next, where report by report every stage evicts the last one's:
        on the four bundled reports this took 24 ms a pass against 28 ms (2026-12-01), and on the
        twelve short real reports of `../shared/real` 31 against 42 ms.

        A draft whose stage raises is dropped from the later stages; the others go on. Returns
        the failures by index in `drafts`, each with its exception; an item of `drafts` that is
        an exception already (a text that gave no draft) is passed over. `guards[index]`: a
        context manager each stage call on `drafts[index]` runs in, entered once a stage (a
        time bound, a clock).

        A stage may offer `prepare(drafts)`: work for the whole batch done at once (the area
        model scores a batch in one pass), before the stage runs on each draft, which must give
        what it gives alone. It runs inside `shared(indices)`, a context manager for work done
        for those drafts together (their time bounds and clocks). Should it fail, or run out of
        time, it is called again with no draft, and each draft is done alone (and fails alone)."""
        failures: dict[int, Exception] = {}
        for stage in self._stages():
            prepare = getattr(stage, "prepare", None)
            if prepare is not None:
                live = [index for index, draft in enumerate(drafts)
                        if index not in failures and isinstance(draft, Draft)]
                try:
                    with shared(live) if shared is not None else nullcontext():
                        prepare([drafts[index] for index in live])
                except Exception:  # noqa: BLE001  (each draft is then done alone, and fails alone)
                    prepare([])
            for index, draft in enumerate(drafts):
                if index in failures or not isinstance(draft, Draft):
                    continue
                try:
                    if guards is None:
                        stage(draft)
                    else:
                        with guards[index]:
                            stage(draft)
                except Exception as exc:  # noqa: BLE001  (one report's failure is its own)
                    failures[index] = exc
            if prepare is not None:
                prepare([])  # nothing prepared outlives the batch, not even a failed draft's
        return failures

    def new_draft(self, text: str, *, source: str | None = None, sha256: str | None = None,
                  encoding: str = "utf-8", fmt: str = "text", doc_id: str | None = None,
                  metadata: dict | None = None) -> Draft:
        """The draft every stage works on, for `text` checked: not empty, not too long, encodable."""
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
        return Draft(text=text, folded=fold(text), meta=meta)

    def report(self, draft: Draft) -> Report:
        """The report of a draft every stage has run on."""
        return Report(document=draft.meta, text=draft.text, sections=tuple(draft.sections),
                      paragraphs=tuple(draft.paragraphs), sentences=tuple(draft.sentences),
                      tokens=tuple(draft.tokens) if self.keep_tokens else None,
                      quantities=tuple(draft.quantities), entities=tuple(draft.entities),
                      activities=tuple(draft.activities), summary=draft.summary,
                      furniture=tuple(draft.furniture),
                      pipeline_version=pipeline_version(), provenance=self.provenance())


def document_fields(document: "SourceDocument", doc_id: str | None = None) -> dict[str, Any]:
    """`Pipeline.new_draft`'s arguments for what ingest read."""
    return {"text": document.text, "source": document.source, "sha256": document.sha256,
            "encoding": document.encoding, "fmt": document.format, "doc_id": doc_id or document.doc_id,
            "metadata": document.metadata}


def batched(items: Iterable[T], size: int | None, *, weight: Callable[[T], int] | None = None,
            limit: int = BATCH_CHARS) -> Iterator[list[T]]:
    """`items` in lists of at most `size` (None: any number), and with `weight` of at most
    `limit` in all (an item heavier than `limit` goes alone)."""
    if size is not None and size < 1:
        raise ValueError("a batch holds at least one item")
    batch: list[T] = []
    total = 0
    for item in items:
        heft = weight(item) if weight is not None else 0
        if batch and weight is not None and total + heft > limit:
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += heft
        if len(batch) == size:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch
