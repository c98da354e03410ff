"""Entities: who, where, which documents, meetings and dates a report names.

No trained Chinese pipeline installs from PyPI, and jieba's tags miss most bodies of this genre, so
the names are found by rules over data (`data/entity_patterns.json`, `data/gazetteer/`). The rules
work on characters of the folded text, not on jieba tokens, because tokens cut across names
(`由民建`, `江青`, `铺镇`): a name is anchored by its suffix (统战部, 有限公司, 镇, 之家) and grown
leftwards to a place, a level word (区委, 县, 自治区) or a boundary (punctuation, a function word, a
verb), so it never swallows the word before it. Foreign countries and the places of Hong Kong, Macao
and Taiwan come from their own gazetteer (`gazetteer/countries.txt`). Overlapping proposals are resolved longest first; places
and bodies nested in a longer name are kept as well, since a reader asks for them too.

Word boundaries do help in one place: a town, street or village mentioned once with no confirming
context (到|桃源|镇, 石桥|村|小学) is taken from its shape when the text is segmented into words
(jieba tokens, or a Doc of words), since a suffix starting and ending on word boundaries after a
clean stem is a name far more often than not; without words, such a name needs its context.

The rules run inside spaCy (`pipeline.spacy_components`): this stage runs the registered
component's rules on the folded text, then builds the `Doc` once from the project's jieba tokens,
cut where names begin and end, and lets the component set its spans. Speed matters here (a
whole corpus overnight): word lists of thousands of entries are looked up by their first two
characters (`WordIndex`) and other alternations are compiled as tries, once per process.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import cast

from ...draft import Draft, on_matching_view
from ...records import Entity
from .common import QUOTED, Findings, Found, patterns
from .places import Gazetteer, short_name
from .rules import EntityRules, resolve

__all__ = ["QUOTED", "EntityRules", "Findings", "Found", "Gazetteer", "make_stage", "patterns", "resolve", "short_name"]

NAME = "entities"
REQUIRES = ("text", "folded", "sentences", "tokens")
PROVIDES = ("entities",)


def make_stage() -> Callable[[Draft], None]:
    from ...spacy_components import ENTITY_SPANS, EntityComponent, entity_pipeline, doc_from_tokens

    nlp = entity_pipeline()
    component = cast(EntityComponent, nlp.get_pipe(nlp.pipe_names[0]))

    def run(draft: Draft) -> None:
        # The rules read the folded text; the Doc, of the text as written, is then built once, its
        # tokens already cut where names begin and end, instead of split token by token afterwards.
        findings = component.rules.find(draft.folded, frozenset(token.start for token in draft.tokens))
        cuts = [offset for found in findings.entities for offset in (found.start, found.end)]
        doc = component.annotate(doc_from_tokens(nlp.vocab, draft.text, draft.tokens, cuts), findings)
        draft.shared["spacy_doc"] = doc
        text = draft.text
        entities = []
        for span in doc.spans[ENTITY_SPANS]:
            sentence = draft.sentence_at(span.start_char)
            entities.append(Entity(text[span.start_char:span.end_char], span.start_char, span.end_char,
                                   span.label_, span._.canonical, span._.normalized,
                                   sentence.id if sentence else None, span._.code, span._.level))
        draft.entities = entities
        draft.meta = replace(draft.meta, region=doc._.report_miner_region)

    return on_matching_view(run, "entities")
