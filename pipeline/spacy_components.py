"""spaCy components for report-miner's entity and activity rules, usable from plain spaCy.

    import spacy, pipeline.spacy_components
    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1")
    nlp.add_pipe("report_miner_activities_v1")
    doc = nlp("由民建某某区支部撰写的建议被采用。")
    doc.ents, doc.spans["report_miner_entities"], doc.spans["report_miner_activities"]

The factory names carry a version, so a change in what a component does gets a new name instead
of silently changing old pipelines. The rules match characters, so they work whatever the Doc's
tokenization (spaCy's per-character default, jieba, or this project's tokens); a Doc of words
also lets towns and villages be found from their shape alone. Each component splits tokens where
a name begins or ends inside one, so every result is a span of whole tokens; the report-miner
stages build their Doc already cut there (`doc_from_tokens(..., cuts=...)`). As in the stages,
the rules read the folded text (`textnorm.fold`) and names are given as the Doc writes them.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

from .textnorm import fold

if TYPE_CHECKING:
    from .stages.entities import Findings

ENTITY_FACTORY = "report_miner_entities_v1"
ACTIVITY_FACTORY = "report_miner_activities_v1"
#: Span groups the components fill: every entity (nested places and bodies too) and activity.
ENTITY_SPANS = "report_miner_entities"
ACTIVITY_SPANS = "report_miner_activities"

for _name in ("canonical", "normalized", "code", "level", "activity_name", "organiser"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)
if not Doc.has_extension("report_miner_region"):
    Doc.set_extension("report_miner_region", default=None)


def doc_from_tokens(vocab: Vocab, text: str, tokens: Iterable, cuts: Iterable[int] = ()) -> Doc:
    """A Doc whose text is exactly `text`, with one token per given token (anything with
    `start`/`end`) and one per uncovered stretch, so `token.idx` is an offset into `text`. A
    token with a cut inside (where a name found beforehand starts or ends) is built as two, so
    no retokenizing is needed afterwards."""
    bounds = {0, len(text), *cuts}
    for token in tokens:
        bounds.add(token.start)
        bounds.add(token.end)
    ordered = sorted(bound for bound in bounds if 0 <= bound <= len(text))
    words = [text[a:b] for a, b in zip(ordered, ordered[1:])]
    return Doc(vocab, words=words, spaces=[False] * len(words))


def whole_span(doc: Doc, start: int, end: int, label: str) -> Span:
    """The span of the tokens covering exactly `[start, end)`: ends that `align` or the cuts given
    to `doc_from_tokens` made token boundaries."""
    span = doc.char_span(start, end, label=label)
    if span is None:
        raise ValueError(f"[{start}, {end}) does not fall on token boundaries")
    return span


def doc_text(doc: Doc) -> str:
    """`doc.text`, read from the token array: `doc.text` makes a Python Token per token, which
    costs more than all the rules together on a report of thousands of tokens."""
    strings = doc.vocab.strings
    return "".join(strings[orth] + " " * space for orth, space in doc.to_array(["ORTH", "SPACY"]).tolist())


def align(doc: Doc, offsets: Iterable[tuple[int, int]]) -> None:
    """Split every token that a name starts or ends inside of. Only the tokens holding a cut are
    visited (found by bisection), since a Doc has thousands of tokens and a report few cuts."""
    starts = doc.to_array("IDX").tolist()
    inner_cuts: dict[int, list[int]] = {}
    for cut in sorted({offset for pair in offsets for offset in pair}):
        index = bisect_right(starts, cut) - 1
        if index >= 0 and starts[index] < cut < starts[index] + len(doc[index]):
            inner_cuts.setdefault(index, []).append(cut - starts[index])
    if not inner_cuts:
        return
    with doc.retokenize() as retokenizer:
        for index, inner in inner_cuts.items():
            token = doc[index]
            bounds = [0, *inner, len(token.text)]
            pieces = [token.text[a:b] for a, b in zip(bounds, bounds[1:])]
            retokenizer.split(token, pieces, heads=[(token, i) for i in range(len(pieces))])


class EntityComponent:
    """Finds PERSON ORG GPE FAC DOC EVENT DATE names; sets `doc.ents` (the outermost names),
    `doc.spans["report_miner_entities"]` (all, with `._.canonical`, `._.normalized`) and
    `doc._.report_miner_region`."""

    def __init__(self, nlp: Language, name: str) -> None:
        from .stages.entities import EntityRules

        self.name = name
        self.rules = EntityRules()

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        starts = doc.to_array("IDX").tolist()
        # Word boundaries tell only when the Doc is segmented into words, not spaCy's characters.
        segmented = len(starts) < sum(not ch.isspace() for ch in text)
        findings = self.rules.find(fold(text), frozenset(starts) if segmented else None)
        align(doc, ((f.start, f.end) for f in findings.entities))
        return self.annotate(doc, findings)

    @staticmethod
    def annotate(doc: Doc, findings: Findings) -> Doc:
        """Sets the spans of names found in `doc`'s text; each must be a span of whole tokens."""
        spans = []
        for found in findings.entities:
            span = whole_span(doc, found.start, found.end, found.label)
            span._.canonical = found.canonical
            span._.normalized = found.normalized
            span._.code = found.code
            span._.level = found.level
            spans.append(span)
        doc.spans[ENTITY_SPANS] = spans
        doc.ents = filter_spans(spans)
        doc._.report_miner_region = findings.region
        return doc


class ActivityComponent:
    """Finds named activities, mechanisms, models and brands; fills
    `doc.spans["report_miner_activities"]` (label = kind, `._.activity_name`, `._.organiser`).
    Reads the entity component's spans when present, to leave venues and find organisers."""

    def __init__(self, nlp: Language, name: str) -> None:
        from .stages.activities import ActivityRules

        self.name = name
        self.rules = ActivityRules()

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        return self.annotate(doc, text, fold(text))

    def annotate(self, doc: Doc, text: str, folded: str) -> Doc:
        """As calling the component, for a caller that holds `doc`'s text and its fold already.
        The rules read `folded`; names and organisers are given as `text` writes them."""
        entities = [(s.start_char, s.end_char, s.label_) for s in doc.spans.get(ENTITY_SPANS, [])]
        found = self.rules.find(folded, entities)
        align(doc, ((f.start, f.end) for f in found))
        spans = []
        for activity in found:
            span = whole_span(doc, activity.start, activity.end, activity.kind)
            name_at = folded.find(activity.name, activity.start, activity.end)
            span._.activity_name = text[name_at:name_at + len(activity.name)]
            organiser = activity.organiser_at
            span._.organiser = text[organiser[0]:organiser[1]] if organiser else None
            spans.append(span)
        doc.spans[ACTIVITY_SPANS] = spans
        return doc


@Language.factory(ENTITY_FACTORY)
def make_entity_component(nlp: Language, name: str) -> EntityComponent:
    return EntityComponent(nlp, name)


@Language.factory(ACTIVITY_FACTORY)
def make_activity_component(nlp: Language, name: str) -> ActivityComponent:
    return ActivityComponent(nlp, name)


@lru_cache(maxsize=1)
def entity_pipeline() -> Language:
    """The process's blank Chinese pipeline with the entity component (built once)."""
    import spacy

    nlp = spacy.blank("zh")
    nlp.add_pipe(ENTITY_FACTORY)
    return nlp


@lru_cache(maxsize=1)
def activity_pipeline() -> Language:
    import spacy

    nlp = spacy.blank("zh")
    nlp.add_pipe(ACTIVITY_FACTORY)
    return nlp
