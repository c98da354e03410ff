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

The stage runs the rules on the folded text and makes its records straight from what they find;
no spaCy `Doc` is built, and spaCy is not imported: building a Doc of a report's tens of thousands
of words cost more than the rules. The same rules, loaded once per process (`entity_rules`), run
inside spaCy for those who add the component to a pipeline of their own
(`pipeline.spacy_components`), with the same results. Speed matters here (a whole corpus
overnight): the gazetteer's thousands of names are found in one pass of an Aho-Corasick automaton
(`WordFamilies`, with the other word lists) and other alternations are compiled as tries, once per process.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable

from ...draft import Draft, on_matching_view
from ...records import Entity, replaced
from .common import QUOTED, Findings, Found, patterns
from .gazetteer import Gazetteer, short_name
from .rules import EntityRules, entity_rules, resolve

__all__ = ["QUOTED", "EntityRules", "Findings", "Found", "Gazetteer", "entity_rules", "make_stage", "patterns", "resolve", "short_name"]

NAME = "entities"
REQUIRES = ("text", "folded", "sentences", "tokens")
PROVIDES = ("entities",)


def make_stage() -> Callable[[Draft], None]:
    rules = entity_rules()

    def run(draft: Draft) -> None:
        # The rules read the folded text; names are given as the text writes them (same offsets).
        findings = rules.find(draft.folded, word_starts(draft))
        text = draft.text
        entities = []
        # The names come by start, so the sentence holding each is found walking the sentences once.
        sentences = draft.sentences
        index = 0
        count = len(sentences)
        # Each proposal unpacked at once (its fields in `Found`'s order), not read field by field.
        for start, end, label, canonical, normalized, code, level in findings.entities:
            while index < count and sentences[index].end <= start:
                index += 1
            sentence = sentences[index].id if index < count and sentences[index].start <= start else None
            entities.append(Entity(text[start:end], start, end, label, canonical, normalized, sentence, code, level))
        draft.entities = entities
        if findings.region != draft.meta.region:
            draft.meta = replaced(draft.meta, region=findings.region)

    return on_matching_view(run, "entities")


def word_starts(draft: Draft) -> array:
    """Where the draft's words (its tokens) start."""
    return draft.token_offsets()[0]
