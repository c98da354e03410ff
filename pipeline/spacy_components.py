"""spaCy components for report-miner's entity and activity rules, usable from plain spaCy.

    import spacy, pipeline.spacy_components
    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1")            # config: overwrite_ents, spans_key, scorer
    nlp.add_pipe("report_miner_activities_v1")          # config: spans_key, entity_spans_key, scorer
    doc = nlp("由民建某某区支部撰写的建议被采用。")
    doc.ents, doc.spans["report_miner_entities"], doc.spans["report_miner_activities"]

The factory names carry a version, so a change in what a component does gets a new name instead
of silently changing old pipelines. The rules match characters, so they work whatever the Doc's
tokenization (spaCy's per-character default, jieba, or this project's tokens); a Doc of words
also lets towns and villages be found from their shape alone. Each component splits tokens where
a name begins or ends inside one, so every result is a span of whole tokens (hence
`retokenizes=True`). As in the stages, the rules read the folded text (`textnorm.fold`) and names
are given as the Doc writes them.

The report-miner stages run the same rules (`entity_rules`, `activity_rules`) without a Doc, and
never import this module: spaCy takes most of a second to import. On a Doc built from the
stages' tokens (`doc_from_tokens`) the components give exactly the stages' records.

As spaCy's own `entity_ruler`, the entity component keeps the entities a component before it set
(`overwrite_ents=False`): its names fill `doc.ents` only where no entity is yet; its span group
holds every name it found regardless.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from spacy.language import Language
from spacy.pipeline import Pipe
from spacy.pipeline.span_ruler import overlapping_labeled_spans_score
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import filter_spans, registry
from spacy.vocab import Vocab

from .stages.activities import activity_rules, as_written
from .stages.entities import entity_rules
from .textnorm import fold

if TYPE_CHECKING:
    from .stages.entities import Findings

ENTITY_FACTORY = "report_miner_entities_v1"
ACTIVITY_FACTORY = "report_miner_activities_v1"
#: Span groups the components fill: every entity (nested places and bodies too) and activity.
ENTITY_SPANS = "report_miner_entities"
ACTIVITY_SPANS = "report_miner_activities"
#: The entity component's scorer, in spaCy's registry of scorers (where spaCy keeps its own).
ENTITY_SCORER = "report_miner.entity_scorer.v1"

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


def entity_score(examples: Iterable[Example], *, spans_key: str = ENTITY_SPANS, **kwargs: Any) -> dict[str, Any]:
    """spaCy's named-entity scores of `doc.ents` (`ents_f`...), as its `entity_ruler` gives them,
    and the scores of every name of the span group, nested ones too (`spans_<key>_f`...)."""
    examples = list(examples)
    return {**get_ner_prf(examples), **overlapping_labeled_spans_score(examples, spans_key=spans_key)}


@registry.scorers(ENTITY_SCORER)
def make_entity_scorer(spans_key: str = ENTITY_SPANS) -> Callable[..., dict[str, Any]]:
    return partial(entity_score, spans_key=spans_key)


def added_entities(doc: Doc, spans: list[Span], overwrite: bool) -> list[Span]:
    """`doc.ents` with `spans` (not overlapping each other) added as spaCy's `entity_ruler` adds
    its matches: a span touching an existing entity is left out, or, with `overwrite`, replaces
    it. Each token is looked at once, however many entities there are."""
    if not overwrite:
        types = doc.to_array("ENT_TYPE")
        return [*doc.ents, *(span for span in spans if not types[span.start:span.end].any())]
    covered = bytearray(len(doc))
    for span in spans:
        covered[span.start:span.end] = b"\x01" * len(span)
    return [*(ent for ent in doc.ents if not any(covered[ent.start:ent.end])), *spans]


class EntityComponent(Pipe):
    """Finds PERSON ORG GPE FAC DOC EVENT DATE names; fills the span group `spans_key` (all
    names, nested places and bodies too, with `._.canonical`, `._.normalized`, `._.code`,
    `._.level`), adds the outermost names to `doc.ents` and sets `doc._.report_miner_region`."""

    def __init__(self, nlp: Language, name: str = ENTITY_FACTORY, *, spans_key: str = ENTITY_SPANS,
                 overwrite_ents: bool = False, scorer: Callable | None = entity_score) -> None:
        self.name = name
        self.spans_key = spans_key
        self.overwrite = overwrite_ents
        self.scorer = scorer
        self.rules = entity_rules()

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        starts = doc.to_array("IDX").tolist()
        # Word boundaries tell only when the Doc is segmented into words, not spaCy's characters.
        segmented = len(starts) < sum(not ch.isspace() for ch in text)
        findings = self.rules.find(fold(text), starts if segmented else None)
        align(doc, ((f.start, f.end) for f in findings.entities))
        self.set_annotations(doc, findings)
        return doc

    def set_annotations(self, doc: Doc, findings: Findings) -> None:
        """Sets the spans of names found in `doc`'s text; each must be a span of whole tokens."""
        spans = []
        for found in findings.entities:
            span = whole_span(doc, found.start, found.end, found.label)
            span._.canonical = found.canonical
            span._.normalized = found.normalized
            span._.code = found.code
            span._.level = found.level
            spans.append(span)
        doc.spans[self.spans_key] = spans
        doc.ents = added_entities(doc, filter_spans(spans), self.overwrite)
        doc._.report_miner_region = findings.region


class ActivityComponent(Pipe):
    """Finds named activities, mechanisms, models and brands; fills the span group `spans_key`
    (label = kind, `._.activity_name`, `._.organiser`). Reads the entity component's span group
    (`entity_spans_key`) when present, to leave venues and find organisers."""

    def __init__(self, nlp: Language, name: str = ACTIVITY_FACTORY, *, spans_key: str = ACTIVITY_SPANS,
                 entity_spans_key: str = ENTITY_SPANS, scorer: Callable | None = None) -> None:
        self.name = name
        self.spans_key = spans_key
        self.entity_spans_key = entity_spans_key
        self.scorer = scorer
        self.rules = activity_rules()

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        folded = fold(text)
        entities = [(s.start_char, s.end_char, s.label_) for s in doc.spans.get(self.entity_spans_key, [])]
        found = self.rules.find(folded, entities)
        align(doc, ((f.start, f.end) for f in found))
        spans = []
        for activity in found:
            span = whole_span(doc, activity.start, activity.end, activity.kind)
            span._.activity_name, span._.organiser = as_written(activity, text, folded)
            spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


@Language.factory(
    ENTITY_FACTORY,
    assigns=["doc.ents", "token.ent_type", "token.ent_iob", "doc.spans", "span._.canonical",
             "span._.normalized", "span._.code", "span._.level", "doc._.report_miner_region"],
    retokenizes=True,
    default_config={"spans_key": ENTITY_SPANS, "overwrite_ents": False,
                    "scorer": {"@scorers": ENTITY_SCORER, "spans_key": ENTITY_SPANS}},
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_entity_component(nlp: Language, name: str, spans_key: str, overwrite_ents: bool,
                          scorer: Callable | None) -> EntityComponent:
    return EntityComponent(nlp, name, spans_key=spans_key, overwrite_ents=overwrite_ents, scorer=scorer)


@Language.factory(
    ACTIVITY_FACTORY,
    assigns=["doc.spans", "span._.activity_name", "span._.organiser"],
    retokenizes=True,
    default_config={"spans_key": ACTIVITY_SPANS, "entity_spans_key": ENTITY_SPANS,
                    "scorer": {"@scorers": "spacy.overlapping_labeled_spans_scorer.v1", "spans_key": ACTIVITY_SPANS}},
    default_score_weights={f"spans_{ACTIVITY_SPANS}_f": 1.0, f"spans_{ACTIVITY_SPANS}_p": 0.0,
                           f"spans_{ACTIVITY_SPANS}_r": 0.0, f"spans_{ACTIVITY_SPANS}_per_type": None},
)
def make_activity_component(nlp: Language, name: str, spans_key: str, entity_spans_key: str,
                            scorer: Callable | None) -> ActivityComponent:
    return ActivityComponent(nlp, name, spans_key=spans_key, entity_spans_key=entity_spans_key, scorer=scorer)
