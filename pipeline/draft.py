"""The working state a document carries between stages, before it is frozen into a `Report`.

Stages read what earlier stages put here and add their own part; the runner checks, when it
builds the pipeline, that every stage's `REQUIRES` is among the names provided before it.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from .records import (Activity, DocumentMeta, Entity, Furniture, Paragraph, Quantity, Section,
                      Sentence, Token)
from .textnorm import MatchView

_Spanned = TypeVar("_Spanned")

#: What a new draft holds before any stage runs.
INITIAL_PROVIDES = frozenset({"text", "folded", "meta"})


@dataclass
class Draft:
    text: str
    folded: str
    meta: DocumentMeta
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    furniture: list[Furniture] = field(default_factory=list)
    #: The text as matchers read it (see `MatchView`); the segment stage builds it.
    view: MatchView | None = None
    #: Scratch space for one stage to hand a derived object to a later one (e.g. a spaCy Doc).
    shared: dict[str, Any] = field(default_factory=dict)
    #: Start offsets for bisecting; rebuilt when a stage replaces the list with one of another size.
    _token_starts: list[int] | None = field(default=None, repr=False)
    _sentence_starts: list[int] | None = field(default=None, repr=False)
    _in_view: "Draft | None" = field(default=None, repr=False)

    def tokens_between(self, start: int, end: int) -> list[Token]:
        """Tokens lying inside `[start, end)`; tokens are sorted and never cross a sentence."""
        if self._token_starts is None or len(self._token_starts) != len(self.tokens):
            self._token_starts = [token.start for token in self.tokens]
        first = bisect_left(self._token_starts, start)
        last = bisect_left(self._token_starts, end)
        return self.tokens[first:last]

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
            token_spans = _moved_spans(self.tokens, view)
            self._in_view = Draft(text=view.text, folded=view.folded, meta=self.meta,
                                  paragraphs=_moved(self.paragraphs, view),
                                  sentences=_moved(self.sentences, view, with_text=True),
                                  tokens=[Token(view.text[start:end], start, end) for start, end in token_spans])
        self._in_view.meta = self.meta  # what stages since then have learnt of the document
        return self._in_view

    def from_view(self, records: Sequence[_Spanned]) -> list[_Spanned]:
        """Records found in `in_view()`, with offsets and surfaces in this draft's text."""
        view = self.view
        if view is None or view.unchanged:
            return list(records)
        moved = []
        for record in records:
            start, end = view.span(record.start, record.end)  # type: ignore[attr-defined]
            moved.append(replace(record, start=start, end=end, text=self.text[start:end]))  # type: ignore[type-var]
        return moved


def _moved_spans(records: Sequence[Any], view: MatchView) -> list[tuple[int, int]]:
    """The (start, end) of each record, moved into the view."""
    moved = view.offsets([offset for record in records for offset in (record.start, record.end)])
    return list(zip(moved[::2], moved[1::2]))


def _moved(records: Sequence[_Spanned], view: MatchView, with_text: bool = False) -> list[_Spanned]:
    """`records` with offsets moved into the view (and their `text` re-cut from it)."""
    moved = []
    for record, (start, end) in zip(records, _moved_spans(records, view)):
        changes: dict[str, Any] = {"start": start, "end": end}
        if with_text:
            changes["text"] = view.text[start:end]
        moved.append(replace(record, **changes))  # type: ignore[type-var]
    return moved


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
