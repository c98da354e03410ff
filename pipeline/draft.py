"""The working state a document carries between stages, before it is frozen into a `Report`.

Stages read what earlier stages put here and add their own part; the runner checks, when it
builds the pipeline, that every stage's `REQUIRES` is among the names provided before it.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from itertools import repeat
from operator import attrgetter
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from .records import (Activity, DocumentMeta, Entity, Furniture, Paragraph, Quantity, Section,
                      Sentence, Token)
from .textnorm import MatchView, code_point_view


class _HasSpan(Protocol):
    """What a record moved into or out of the matching view has."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


_Spanned = TypeVar("_Spanned", bound=_HasSpan)
#: The array type code of token offsets: a C int, as a report is at most a few million characters.
_OFFSET = "i"

#: What a new draft holds before any stage runs.
INITIAL_PROVIDES = frozenset({"text", "folded", "meta"})


def span_range(starts: Sequence[int], ends: Sequence[int], start: int, end: int, *,
               straddling: bool = False) -> tuple[int, int]:
    """`(first, last)`: the indexes of the spans (sorted, not overlapping: `starts`, `ends`) that
    begin inside `[start, end)`; `straddling`: also the one that begins before `start` and runs
    past it."""
    first = bisect_left(starts, start)
    last = bisect_left(starts, end, first)
    if straddling and first and ends[first - 1] > start:
        first -= 1
    return first, last


def bounds_between(starts: Sequence[int], ends: Sequence[int], start: int, end: int, *,
                   straddling: bool = False) -> Iterator[tuple[int, int]]:
    """`(start, end)` of the spans that `span_range` finds."""
    first, last = span_range(starts, ends, start, end, straddling=straddling)
    return zip(starts[first:last], ends[first:last])


@dataclass
class Draft:
    text: str
    folded: str
    meta: DocumentMeta
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    furniture: list[Furniture] = field(default_factory=list)
    #: The text as matchers read it (see `MatchView`); the segment stage builds it.
    view: MatchView | None = None
    #: Token i is `[_token_starts[i], _token_ends[i])`, sorted. Offsets live in two integer arrays
    #: rather than a `Token` per word: a report has tens of thousands of words, and their records
    #: were most of the tokenize stage's time and of the garbage collector's work.
    _token_starts: array = field(default_factory=lambda: array(_OFFSET), repr=False)
    _token_ends: array = field(default_factory=lambda: array(_OFFSET), repr=False)
    #: `Token` records, made only when asked for (`--tokens`, the spaCy Doc).
    _tokens: list[Token] | None = field(default=None, repr=False)
    _sentence_starts: list[int] | None = field(default=None, repr=False)
    #: The code points of `folded`, read once (`folded_code_points`).
    _folded_codes: np.ndarray | None = field(default=None, repr=False)
    _in_view: "Draft | None" = field(default=None, repr=False)

    def set_token_bounds(self, starts: array, ends: array) -> None:
        """The tokens, as the start and end offsets of each (sorted, not overlapping)."""
        self._token_starts, self._token_ends, self._tokens = starts, ends, None

    @property
    def tokens(self) -> list[Token]:
        """Every token as a record, built on first use."""
        if self._tokens is None:
            text = self.text
            self._tokens = [Token(text[start:end], start, end)
                            for start, end in zip(self._token_starts, self._token_ends)]
        return self._tokens

    @tokens.setter
    def tokens(self, tokens: Iterable[Token]) -> None:
        tokens = list(tokens)
        self.set_token_bounds(array(_OFFSET, [token.start for token in tokens]),
                              array(_OFFSET, [token.end for token in tokens]))
        self._tokens = tokens

    def folded_code_points(self) -> np.ndarray:
        """The code points of `folded` (`textnorm.code_point_view`: read-only), read once for the
        stages that read the text by numpy, where each encoded it again."""
        if self._folded_codes is None:
            self._folded_codes = code_point_view(self.folded)
        return self._folded_codes

    def token_offsets(self) -> tuple[array, array]:
        """The starts and the ends of all tokens, as the two integer arrays the draft keeps (for
        stages that read every token at once; not to be modified)."""
        return self._token_starts, self._token_ends

    def sentence_at(self, offset: int) -> Sentence | None:
        """The sentence containing character `offset`, if any."""
        if self._sentence_starts is None or len(self._sentence_starts) != len(self.sentences):
            self._sentence_starts = [sentence.start for sentence in self.sentences]
        index = bisect_left(self._sentence_starts, offset + 1) - 1
        if index >= 0 and self.sentences[index].start <= offset < self.sentences[index].end:
            return self.sentences[index]
        return None

    def in_view(self) -> "Draft":
        """This draft in the matching view's offsets, built once; the draft itself when the view
        changed nothing. It holds what matching stages read, moved into the view: the sentences,
        paragraphs and tokens (not the sections)."""
        view = self.view
        if view is None or view.unchanged:
            return self
        if self._in_view is None:
            self._in_view = _ViewDraft(self, view)
        self._in_view.meta = self.meta  # what stages since then have learnt of the document
        return self._in_view

    def from_view(self, records: Sequence[_Spanned]) -> list[_Spanned]:
        """Records found in `in_view()`, with offsets and surfaces in this draft's text."""
        view = self.view
        if view is None or view.unchanged:
            return list(records)
        starts, ends = view.spans([record.start for record in records],
                                  [record.end for record in records])
        return list(map(_respan, records, starts, ends, repeat(self.text)))


class _ViewDraft(Draft):
    """A draft in its matching view's offsets (`Draft.in_view`). Its sentences and paragraphs are
    moved into the view only when read: matching stages ask only for the sentence of each match,
    a quarter of a government report's sentences, and moving every sentence and paragraph was
    half the cost of the view."""

    def __init__(self, outer: Draft, view: MatchView) -> None:
        super().__init__(text=view.text, folded=view.folded, meta=outer.meta)
        starts, ends = outer.token_offsets()
        self.set_token_bounds(offset_array(view.offsets(np.asarray(starts))),
                              offset_array(view.offsets(np.asarray(ends))))
        self._view = view
        #: The outer draft's records as they were when the view was built, which later stages
        #: (classify) replace with records of their own.
        self._outer_sentences, self._outer_paragraphs = outer.sentences, outer.paragraphs
        self._moved_starts, self._moved_ends = _moved_spans(outer.sentences, view)
        self._moved_sentences: list[Sentence | None] = [None] * len(outer.sentences)
        # Not read yet: the properties move them when they are.
        self._sentences: list[Sentence] | None = None
        self._paragraphs: list[Paragraph] | None = None

    @property
    def sentences(self) -> list[Sentence]:
        if self._sentences is None:
            self._sentences = [self._moved_sentence(index)
                               for index in range(len(self._outer_sentences))]
        return self._sentences

    @sentences.setter
    def sentences(self, sentences: list[Sentence]) -> None:
        self._sentences = sentences

    @property
    def paragraphs(self) -> list[Paragraph]:
        if self._paragraphs is None:
            starts, ends = _moved_spans(self._outer_paragraphs, self._view)
            self._paragraphs = list(map(_respan, self._outer_paragraphs, starts, ends, repeat(None)))
        return self._paragraphs

    @paragraphs.setter
    def paragraphs(self, paragraphs: list[Paragraph]) -> None:
        self._paragraphs = paragraphs

    def sentence_at(self, offset: int) -> Sentence | None:
        if self._sentences is not None:
            return super().sentence_at(offset)
        index = bisect_left(self._moved_starts, offset + 1) - 1
        if index >= 0 and offset < self._moved_ends[index]:
            return self._moved_sentence(index)
        return None

    def _moved_sentence(self, index: int) -> Sentence:
        """Sentence `index` in the view, moved on first use and the same record ever after."""
        moved = self._moved_sentences[index]
        if moved is None:
            moved = self._moved_sentences[index] = _respan(self._outer_sentences[index],
                                                           self._moved_starts[index],
                                                           self._moved_ends[index], self.text)
        return moved


def offset_array(offsets: np.ndarray) -> array:
    """`offsets` as an array of token offsets, without a Python int per offset."""
    return array(_OFFSET, offsets.astype(np.intc, copy=False).tobytes())


def _moved_spans(records: Sequence[_HasSpan], view: MatchView) -> tuple[list[int], list[int]]:
    """The starts and the ends of `records`, moved into the view."""
    return (view.offsets([record.start for record in records]).tolist(),
            view.offsets([record.end for record in records]).tolist())


@lru_cache(maxsize=None)
def _layout(record_type: type) -> tuple[attrgetter, int, int, int | None]:
    """A getter of all the fields of `record_type`, in order, and where `start`, `end` and
    `text` (if it has one) are among them."""
    names = [f.name for f in fields(record_type)]
    return (attrgetter(*names), names.index("start"), names.index("end"),
            names.index("text") if "text" in names else None)


def _respan(record: _Spanned, start: int, end: int, text: str | None) -> _Spanned:
    """`record` moved into or out of the view: with the given `start` and `end` and, when `text`
    is given, its `text` cut from it. Like `dataclasses.replace`, at a third of its cost:
    `replace` made moving a report's sentences into the view and its records back several
    percent of the pipeline's time."""
    if record.start == start and record.end == end:
        # Nothing was dropped before its end, so its surface is the same too. Views mostly join
        # a few breaks late in a report: three records in four of the government reports.
        return record
    values, start_at, end_at, text_at = _layout(type(record))
    fields_of_record = list(values(record))
    fields_of_record[start_at], fields_of_record[end_at] = start, end
    if text is not None and text_at is not None:
        fields_of_record[text_at] = text[start:end]
    return type(record)(*fields_of_record)


def on_matching_view(run: Callable[[Draft], None], *provides: str) -> Callable[[Draft], None]:
    """Run a matching stage on the draft's matching view; hand its records (the draft fields
    named in `provides`) and metadata back with offsets into the original text."""
    def run_on_view(draft: Draft) -> None:
        inner = draft.in_view()
        run(inner)
        if inner is not draft:
            for name in provides:
                setattr(draft, name, draft.from_view(getattr(inner, name)))
            draft.meta = inner.meta
    return run_on_view


#: What a stage prepares per row: scores, cosines, area numbers, or (as classify does) each row's
#: area and rounded scores.
Rows = TypeVar("Rows", np.ndarray, list[float], list[int], list[tuple[str, dict[str, float]]])


class PreparedRows(Generic[Rows]):
    """What a stage's `prepare` found for a batch of drafts at once (see `Pipeline.run_batch`),
    cut into each draft's rows and taken once by the stage's call on that draft. Drafts are
    told apart by identity: the batch holds them alive until they are taken or cleared."""

    def __init__(self) -> None:
        self._by_draft: dict[int, Rows] = {}

    def fill(self, drafts: Sequence[Draft], rows: Rows, counts: Sequence[int]) -> None:
        """`rows` are the drafts' rows one draft after another, `counts[i]` of `drafts[i]`."""
        ends = np.cumsum(counts).tolist()
        self._by_draft = {id(draft): rows[end - count:end] for draft, count, end in zip(drafts, counts, ends)}

    def put(self, draft: Draft, rows: Rows) -> None:
        """One draft's rows, where `prepare` finds them draft by draft."""
        self._by_draft[id(draft)] = rows

    def take(self, draft: Draft) -> Rows | None:
        """The draft's rows, once; None where none were prepared."""
        return self._by_draft.pop(id(draft), None)

    def clear(self) -> None:
        self._by_draft = {}

    def __len__(self) -> int:
        return len(self._by_draft)
