"""Summarize: what the report says and did, area by area, as one JSON object (`draft.summary`).

For each work area of the taxonomy (and `general`), in the taxonomy's order: how much the report
says (sentences, characters, share of the report), its key figures (every quantity of the area
that says what it counts or what was done, with both: `举办 周六早餐会 7次`; durations and
ordinals are left out), its named activities with their counts,
the organisations, places, venues, documents and events it names, and its most representative
sentence. For the report: region, year, issuer and totals. Every area appears, even with no
sentence, so that profiles of different reports line up column for column.

The representative sentence of an area is its most central one: each sentence becomes a vector of
character-bigram counts (on the folded text), and the sentence whose unit vector has the largest
cosine with the sum of all the area's unit vectors wins, i.e. the one sharing most vocabulary with
the rest of the area. Ties go to the sentence carrying more figures and activities, then to the
earlier one. Centrality needs no model and explains itself; a sentence that merely scores high on
the classifier may be a short slogan.

The stage also settles the document's metadata (`pipeline.metadata.resolve`: year, region,
issuer, title, given metadata over inferred, both kept), so the summary's region, year and issuer
are the document's.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any, TypeVar

import numpy as np

from ..draft import Draft, PreparedRows
from ..metadata import cues, resolve
from ..ngrams import CodePointTable, code_points, packed_ngrams, run_lengths, span_positions
from ..records import Activity, Entity, Quantity, Section, Sentence
from ..rounding import python_round
from ..taxonomy import load_taxonomy
from .quantities import FIGURE

NAME = "summarize"
REQUIRES = ("text", "sections", "sentences", "quantities", "entities", "activities", "areas")
PROVIDES = ("summary",)

GENERAL = "general"
#: The taxonomy the areas come from: a name in `pipeline/data/taxonomy/` or a JSON file.
TAXONOMY = "united_front"

#: Entity label -> the summary list it is gathered in. PERSON and DATE are left to the records.
ENTITY_GROUPS = {"ORG": "organisations", "GPE": "places", "FAC": "venues", "DOC": "documents",
                 "EVENT": "events"}


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    name: str


@lru_cache(maxsize=4)
def area_catalogue(taxonomy: str = TAXONOMY) -> tuple[Area, ...]:
    """The taxonomy's areas in its order, then its fallback (`general`)."""
    loaded = load_taxonomy(taxonomy)
    return tuple(Area(label, loaded.names[label]) for label in loaded.labels)


# --- which area a record belongs to ---------------------------------------------------------

class _AreaLocator:
    """The bucket of a record: its sentence's area's, else the innermost section's around its
    start. Both are found by bisection over starts, not by a scan per record."""

    def __init__(self, sentences: Sequence[Sentence], sections: Sequence[Section], buckets: dict[str, str],
                 fallback: str) -> None:
        # Keyed as records name their sentence: None, a record naming none, is never a key.
        self._by_id: dict[int | None, Sentence] = {sentence.id: sentence for sentence in sentences}
        self._buckets, self._fallback = buckets, fallback
        #: Most records name their sentence: one lookup here gives their bucket.
        self.bucket_of_sentence: dict[int | None, str] = {
            sentence.id: buckets.get(sentence.area, fallback) for sentence in sentences}
        self._sentences = sorted(sentences, key=attrgetter("start"))
        self._sentence_starts = [sentence.start for sentence in self._sentences]
        # Sections nest; in order of start (outer first at a tie), the innermost section around
        # an offset is the last one starting at or before it that still covers it.
        self._sections = sorted(sections, key=lambda section: (section.start, -section.end))
        self._section_starts = [section.start for section in self._sections]

    def _sentence_around(self, offset: int) -> Sentence | None:
        # Sentences do not overlap: only the last one starting at or before the offset can hold it.
        index = bisect_right(self._sentence_starts, offset) - 1
        if index >= 0 and offset < self._sentences[index].end:
            return self._sentences[index]
        return None

    def sentence(self, record: Quantity | Entity | Activity) -> Sentence | None:
        """The sentence the record names, else the one around its start (None: it lies in none)."""
        return self._by_id.get(record.sentence) or self._sentence_around(record.start)

    def sentence_id(self, record: Quantity | Entity | Activity) -> int | None:
        """The id of `sentence(record)`, None for none."""
        sentence = self.sentence(record)
        return sentence.id if sentence is not None else None

    def bucket(self, record: Quantity | Entity | Activity) -> str:
        """The bucket of a record whose sentence is not in `bucket_of_sentence`."""
        sentence = self.sentence(record)
        if sentence is not None:
            return self._buckets.get(sentence.area, self._fallback)
        for index in range(bisect_right(self._section_starts, record.start) - 1, -1, -1):
            if record.start < self._sections[index].end:
                return self._buckets.get(self._sections[index].area, self._fallback)
        return self._buckets.get(GENERAL, self._fallback)


# --- per-area parts -------------------------------------------------------------------------

def figure_label(quantity: Quantity) -> str:
    """`verb object quantity`, each part where known: 举办 周六早餐会 7次, 捐款捐物 1300余万元."""
    verb, what, text = quantity.verb, quantity.object, quantity.text
    if what == verb:
        what = None
    if verb and what and text:
        return f"{verb} {what} {text}"  # most figures: one format instead of a list filtered and joined
    return " ".join(filter(None, (verb, what, text)))


def is_key_figure(quantity: Quantity) -> bool:
    """A figure worth citing says what it counts or what was done: durations (连续两年),
    ordinals (75周年) and bare numbers (`31条` with neither) are left out."""
    return quantity.role == FIGURE and (quantity.object is not None or quantity.verb is not None)


def _key_figures(quantities: Iterable[Quantity], locate: _AreaLocator) -> list[dict[str, Any]]:
    """The key figures among an area's quantities (`is_key_figure`), in order, each as the
    summary lists it. One comprehension: a call per figure (and one to find its sentence) cost
    about as much as its dict."""
    known = locate.bucket_of_sentence
    return [{"label": figure_label(quantity), "text": quantity.text, "start": quantity.start,
             "end": quantity.end, "value": quantity.value, "unit": quantity.unit,
             "approx": quantity.approx, "kind": quantity.kind, "object": quantity.object,
             "verb": quantity.verb,
             "sentence": quantity.sentence if quantity.sentence in known else locate.sentence_id(quantity)}
            for quantity in filter(is_key_figure, quantities)]


def _activity_rows(activities: Iterable[Activity]) -> list[dict[str, Any]]:
    """One row per activity name, in order of first mention; the largest stated count wins."""
    rows: dict[str, dict[str, Any]] = {}
    for activity in activities:
        row = rows.setdefault(activity.name, {"name": activity.name, "kind": activity.kind,
                                              "count": None, "count_unit": None,
                                              "organiser": None, "mentions": 0})
        row["mentions"] += 1
        if activity.count is not None and (row["count"] is None or activity.count > row["count"]):
            row["count"], row["count_unit"] = activity.count, activity.count_unit
        row["organiser"] = row["organiser"] or activity.organiser
    return list(rows.values())


def _entity_groups(entities: Iterable[Entity]) -> dict[str, list[str]]:
    """Distinct names per group (canonical where resolved), in order of first mention."""
    groups: dict[str, dict[str, None]] = {group: {} for group in ENTITY_GROUPS.values()}
    for entity in entities:
        group = ENTITY_GROUPS.get(entity.label)
        if group is not None:
            groups[group].setdefault(entity.canonical or entity.text, None)
    return {group: list(names) for group, names in groups.items()}


def _sentence_ref(sentence: Sentence | None) -> dict[str, Any] | None:
    if sentence is None:
        return None
    return {"id": sentence.id, "text": sentence.text, "start": sentence.start, "end": sentence.end}


def _area_entry(name: str, sentences: int, chars: int, share: float, key_figures: list[dict[str, Any]],
                activities: list[dict[str, Any]], entity_groups: dict[str, list[str]],
                representative_sentence: Sentence | None) -> dict[str, Any]:
    """One area's part of the summary, its keys in the schema's order."""
    return {"name": name, "sentences": sentences, "chars": chars, "share": share, "key_figures": key_figures,
            "activities": activities, **entity_groups, "representative_sentence": _sentence_ref(representative_sentence)}


#: The part of an area the report says nothing of, less its name; and its keys that hold lists.
_SILENT_AREA = _area_entry("", 0, 0, 0.0, [], [], {group: [] for group in ENTITY_GROUPS.values()}, None)
_LIST_KEYS = tuple(key for key, value in _SILENT_AREA.items() if isinstance(value, list))


def _silent_area(name: str) -> dict[str, Any]:
    """The part of an area the report says nothing of: no sentence, figure, activity or name.
    Copied from a template, which a short report's many silent areas made worth it (half the time
    of building each)."""
    entry = _SILENT_AREA.copy()
    entry["name"] = name
    for key in _LIST_KEYS:
        entry[key] = []
    return entry


#: What the bigrams of the representative sentence are made of.
_IS_ALPHANUMERIC = CodePointTable(str.isalnum)


def centrality(sentences: Sequence[Sentence], folded: str, areas: Sequence[int]) -> list[float]:
    """Each sentence's cosine with the sum of its area's unit vectors (see the module docstring),
    rounded to 9 digits; `areas` numbers each sentence's area. All sentences in one pass: every
    (sentence, bigram) pair is one entry, and each sum runs over entries in the order a sentence
    by sentence computation would add them (sentences in order, a sentence's bigrams in order of
    first occurrence), so the cosines are those, to the last bit. Sentences of several reports
    laid end to end, their areas numbered apart, give each report's cosines (`Summarizer.prepare`)."""
    starts = np.fromiter((sentence.start for sentence in sentences), dtype=np.int64, count=len(sentences))
    ends = np.fromiter((sentence.end for sentence in sentences), dtype=np.int64, count=len(sentences))
    return _span_centrality(starts, ends, folded, areas)


def _span_centrality(starts: np.ndarray, ends: np.ndarray, folded: str, areas: Sequence[int]) -> list[float]:
    """`centrality` of the spans `[starts[i], ends[i])` of `folded`."""
    positions, rows = span_positions(starts, ends)
    codes = code_points(folded).take(positions, mode="wrap")
    kept = _IS_ALPHANUMERIC(codes).astype(bool)
    bigrams, rows = packed_ngrams(codes[kept], rows[kept], 2)
    pair_rows, counts, slots, firsts = _pairs_by_slot(bigrams, rows, np.asarray(areas, dtype=np.int64).take(rows, mode="wrap"))
    # Sums of squared counts are whole numbers, exact in any order.
    unit = counts / np.sqrt(np.bincount(pair_rows, weights=counts * counts)).take(pair_rows, mode="wrap")
    # A slot's pairs come in order of row: each centroid adds its sentences' vectors in order.
    centroids = np.bincount(slots, weights=unit)
    # Each pair's product at its first occurrence, zero elsewhere: summed along the occurrences,
    # a sentence adds its pairs in order of first occurrence, and adding zeros changes no sum.
    products = np.zeros(len(bigrams))
    products[firsts] = unit * centroids.take(slots, mode="wrap")
    cosines = np.bincount(rows, weights=products, minlength=len(starts))
    return python_round(cosines, 9).tolist()


def _pairs_by_slot(values: np.ndarray, rows: np.ndarray, areas: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (row, value) pairs of occurrences (`rows` grouped, in order; `areas`: each
    occurrence's row's area), grouped by slot, one slot per (area, value), a slot's pairs in
    order of row: each pair's row, its count, its slot's number (counted from 0, in order), and
    where it first occurs. Slots numbered densely keep the centroids' array as small as the
    pairs: one slot per area and distinct value made it 119k entries for 5.6k pairs on the
    bundled reports, whose clearing cost as much as the rest (5.26 -> 3.4 M instructions)."""
    order, new_slot = _stable_sort_by(values, areas)
    sorted_rows = rows.take(order, mode="wrap")
    new_pair = new_slot.copy()
    new_pair[1:] |= sorted_rows[1:] != sorted_rows[:-1]
    run_starts = new_pair.nonzero()[0]
    slots = (new_slot.cumsum() - 1).take(run_starts, mode="wrap")
    return (sorted_rows.take(run_starts, mode="wrap"), run_lengths(run_starts, len(values)), slots,
            order.take(run_starts, mode="wrap"))


def _stable_sort_by(values: np.ndarray, areas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The order a stable sort by (value, area) puts the occurrences in (integers at least 0),
    and whether each, in that order, opens a new (value, area). Where value, area and position
    fit in one int64 together, a plain sort of the three packed does it: a third quicker than a
    stable argsort on a long report's bigrams."""
    position_bits = max(len(values) - 1, 0).bit_length()
    area_bits = int(areas.max(initial=0)).bit_length()
    opens = np.empty(len(values), dtype=bool)
    opens[:1] = True
    if len(values) and int(values.max()) < 1 << (63 - position_bits - area_bits):
        packed = (((values << area_bits) | areas) << position_bits) | np.arange(len(values))
        packed.sort()
        keys = packed >> position_bits
        np.not_equal(keys[1:], keys[:-1], out=opens[1:])
        return packed & ((1 << position_bits) - 1), opens
    order = np.lexsort((areas, values))
    sorted_values, sorted_areas = values[order], areas[order]
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=opens[1:])
    opens[1:] |= sorted_areas[1:] != sorted_areas[:-1]
    return order, opens


def representative(rows: Sequence[int], sentences: Sequence[Sentence], cosines: Sequence[float],
                   facts_per_sentence: Callable[[], Counter[int]]) -> Sentence | None:
    """The most central of the area's sentences (`rows` of `sentences`, in order): ties go to the
    one with more figures and activities, then to the earlier one; an area's only sentence needs
    no cosine (`cosines` may leave it out). The facts are asked for only at a tie, which is rare."""
    if len(rows) < 2:
        return sentences[rows[0]] if rows else None
    area_cosines = list(map(cosines.__getitem__, rows))
    top = max(area_cosines)
    if area_cosines.count(top) == 1:
        return sentences[rows[area_cosines.index(top)]]
    facts = facts_per_sentence()
    # `max` keeps the first of equal keys: the earlier sentence.
    return sentences[max((row for row, cosine in zip(rows, area_cosines) if cosine == top),
                         key=lambda row: facts[sentences[row].id])]


# --- the whole summary ----------------------------------------------------------------------

#: A sentence counts toward its area's `sentences`, `chars`, `share` (and representative sentence)
#: only when its `area_confidence` is at least this: more than every other label together.
#: Below it the classifier could not clearly tell, and the sentence counts as `general`.
AREA_SHARE_CONFIDENCE = 0.5


def counted_area(sentence: Sentence, fallback: str) -> str:
    """The area a sentence counts toward in the summary's shares."""
    unsure = sentence.area_confidence is not None and sentence.area_confidence < AREA_SHARE_CONFIDENCE
    return fallback if unsure else sentence.area


#: A record the summary places: a quantity, an entity or an activity.
Placed = TypeVar("Placed", Quantity, Entity, Activity)


def _placed_by_area(records: Iterable[Placed], locate: _AreaLocator, buckets: dict[str, str]) -> dict[str, list[Placed]]:
    """Each bucket's records, in order."""
    by_area: dict[str, list[Placed]] = {bucket: [] for bucket in buckets}
    bucket_of_sentence = locate.bucket_of_sentence
    for record in records:
        by_area[bucket_of_sentence.get(record.sentence) or locate.bucket(record)].append(record)
    return by_area


def counted_area_numbers(sentences: Sequence[Sentence], areas: Sequence[Area]) -> list[int]:
    """The number (in `areas`) of the area each sentence counts toward; one not in the
    catalogue counts toward the fallback, the last."""
    numbers = {area.id: number for number, area in enumerate(areas)}
    fallback = areas[-1].id
    return [numbers.get(counted_area(sentence, fallback), len(areas) - 1) for sentence in sentences]


def summarize(draft: Draft, areas: Sequence[Area], cosines: list[float] | None = None,
              numbers: list[int] | None = None) -> dict[str, Any]:
    """The summary object of `draft` (see docs/summary.md and the schema's `summary`);
    `cosines`: the sentences' `centrality`, and `numbers` their `counted_area_numbers`, when they
    were found for a batch of reports at once."""
    fallback = areas[-1].id
    # Each area's own bucket; an area the catalogue does not list goes to the fallback's.
    buckets = {area.id: area.id for area in areas}
    locate = _AreaLocator(draft.sentences, draft.sections, buckets, fallback)
    if numbers is None:
        numbers = counted_area_numbers(draft.sentences, areas)
    rows_by_area: dict[str, list[int]] = {area.id: [] for area in areas}
    for row, number in enumerate(numbers):
        rows_by_area[areas[number].id].append(row)
    # An area's only sentence is its representative whatever its cosine: a short report needs none.
    if cosines is None:
        cosines = (centrality(draft.sentences, draft.folded, numbers)
                   if any(len(rows) > 1 for rows in rows_by_area.values()) else [])
    quantities_by_area = _placed_by_area(draft.quantities, locate, buckets)
    activities_by_area = _placed_by_area(draft.activities, locate, buckets)
    entities_by_area = _placed_by_area(draft.entities, locate, buckets)

    counted_facts: list[Counter[int]] = []

    def facts_per_sentence() -> Counter[int]:
        """Figures and activities count toward their sentence's facts; counted once, when first
        asked (`functools.cache` cost more to make each report than the count saves)."""
        if not counted_facts:
            holders = [*map(locate.sentence, draft.quantities), *map(locate.sentence, draft.activities)]
            counted_facts.append(Counter(holder.id for holder in holders if holder is not None))
        return counted_facts[0]

    # Each sentence's length read once; an area's are summed by `map`, not a generator per area.
    lengths = [len(sentence.text) for sentence in draft.sentences]
    sentence_chars = sum(lengths)
    per_area: dict[str, dict[str, Any]] = {}
    for area in areas:
        rows = rows_by_area[area.id]
        quantities, activities = quantities_by_area[area.id], activities_by_area[area.id]
        entities = entities_by_area[area.id]
        if not (rows or quantities or activities or entities):
            # Most areas of a short report: nothing to gather, so none of the gathering's calls.
            per_area[area.id] = _silent_area(area.name)
            continue
        chars = sum(map(lengths.__getitem__, rows))
        per_area[area.id] = _area_entry(
            area.name, len(rows), chars, round(chars / sentence_chars, 4) if sentence_chars else 0.0,
            _key_figures(quantities, locate),
            _activity_rows(activities), _entity_groups(entities),
            representative(rows, draft.sentences, cosines, facts_per_sentence))
    meta = draft.meta
    return {
        "region": meta.region,
        "year": meta.year,
        "issuer": meta.issuer,
        "totals": {"chars": meta.chars, "sections": len(draft.sections),
                   "sentences": len(draft.sentences), "quantities": len(draft.quantities),
                   "entities": len(draft.entities), "activities": len(draft.activities),
                   "areas_covered": sum(1 for area in areas
                                        if area.id != fallback and rows_by_area[area.id])},
        "areas": per_area,
    }


class Summarizer:
    """The stage: settles each report's metadata, then builds its summary. For a batch of reports
    (`Pipeline.run_batch`), `prepare` finds the centrality of all their sentences in one pass:
    its dozen numpy calls a report were a third of the stage's time on short reports."""

    def __init__(self, areas: Sequence[Area]) -> None:
        self.areas = areas
        #: Cosines `prepare` found for the drafts of a batch, by draft (its `id`), each taken once.
        self._prepared: PreparedRows[list[float]] = PreparedRows()
        #: The sentences' area numbers `prepare` found, by draft (its `id`), each taken once: the
        #: summary needs them again (0.27 M instructions a bundled pass to find).
        self._area_numbers: PreparedRows[list[int]] = PreparedRows()

    def prepare(self, drafts: Sequence[Draft]) -> None:
        self._prepared.clear()
        self._area_numbers.clear()
        if len(drafts) < 2:
            return
        texts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        numbers: list[int] = []
        counts: list[int] = []
        offset = 0
        for index, draft in enumerate(drafts):
            sentences = draft.sentences
            texts.append(draft.folded)
            starts.extend(sentence.start + offset for sentence in sentences)
            ends.extend(sentence.end + offset for sentence in sentences)
            own_numbers = counted_area_numbers(sentences, self.areas)
            self._area_numbers.put(draft, own_numbers)
            # Each report's areas numbered apart, so no report's sentences sum with another's.
            numbers.extend(number + index * len(self.areas) for number in own_numbers)
            counts.append(len(sentences))
            offset += len(draft.folded)
        cosines = _span_centrality(np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), "".join(texts),
                                   numbers)
        self._prepared.fill(drafts, cosines, counts)

    def __call__(self, draft: Draft) -> None:
        cosines = self._prepared.take(draft)
        draft.meta = resolve(draft.meta, draft.folded, draft.text, draft.entities)
        draft.summary = summarize(draft, self.areas, cosines, self._area_numbers.take(draft))


def make_stage(*, taxonomy: str = TAXONOMY) -> Summarizer:
    cues()
    return Summarizer(area_catalogue(taxonomy))
