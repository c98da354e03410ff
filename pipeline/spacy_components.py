"""spaCy components for report-miner's entity and activity rules, usable from plain spaCy.

    import spacy, pipeline.spacy_components
    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1")
    nlp.add_pipe("report_miner_activities_v1")
    doc = nlp("由民建某某区支部撰写的建议被采用。")
    doc.ents, doc.spans["report_miner_entities"], doc.spans["report_miner_activities"]

The factory names carry a version, so a change in what a component does gets a new name instead
of silently changing old pipelines. The rules match characters, so they work whatever the Doc's
tokenization (spaCy's per-character default, jieba, or this project's tokens); each component
splits tokens where a name begins or ends inside one, so every result is a span of whole tokens.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

ENTITY_FACTORY = "report_miner_entities_v1"
ACTIVITY_FACTORY = "report_miner_activities_v1"
#: Span groups the components fill: every entity (nested places and bodies too) and activity.
ENTITY_SPANS = "report_miner_entities"
ACTIVITY_SPANS = "report_miner_activities"

for _name in ("canonical", "normalized", "activity_name", "organiser"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)
if not Doc.has_extension("report_miner_region"):
    Doc.set_extension("report_miner_region", default=None)


def doc_from_tokens(vocab: Vocab, text: str, tokens: Iterable) -> Doc:
    """A Doc whose text is exactly `text`, with one token per given token (anything with
    `start`/`end`) and one per uncovered stretch, so `token.idx` is an offset into `text`."""
    words: list[str] = []
    cursor = 0
    for token in tokens:
        if token.start > cursor:
            words.append(text[cursor:token.start])
        words.append(text[token.start:token.end])
        cursor = token.end
    if cursor < len(text):
        words.append(text[cursor:])
    return Doc(vocab, words=words, spaces=[False] * len(words))


def align(doc: Doc, offsets: Iterable[tuple[int, int]]) -> None:
    """Split every token that a name starts or ends inside of."""
    cuts = {offset for pair in offsets for offset in pair}
    with doc.retokenize() as retokenizer:
        for token in doc:
            inner = sorted(c - token.idx for c in cuts if token.idx < c < token.idx + len(token.text))
            if inner:
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
        findings = self.rules.find(doc.text)
        align(doc, ((f.start, f.end) for f in findings.entities))
        spans = []
        for found in findings.entities:
            span = doc.char_span(found.start, found.end, label=found.label)
            span._.canonical = found.canonical
            span._.normalized = found.normalized
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
        entities = [(s.start_char, s.end_char, s.label_) for s in doc.spans.get(ENTITY_SPANS, [])]
        found = self.rules.find(doc.text, entities)
        align(doc, ((f.start, f.end) for f in found))
        spans = []
        for activity in found:
            span = doc.char_span(activity.start, activity.end, label=activity.kind)
            span._.activity_name = activity.name
            span._.organiser = activity.organiser
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
