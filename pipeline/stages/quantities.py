"""Quantities: every count, amount and share, normalised, with what it counts and the action.

One compiled grammar runs once over the folded text. It knows three shapes:

* `百分之九十五`, with an optional approximation marker before it and after it;
* `三分之一`, `十分之一` (shares, as percent);
* a number (Arabic, Chinese or mixed: `1,356`, `一百零八`, `2.8万亿`, `13万2`) with 余/多 inside,
  an optional second number making a range (`3至5年`, `2万至5万元`), a unit from
  `data/units.tsv` (or the share word 成), and markers before and after (`超过`, `以上`).

Then the candidates that are not quantities are dropped: years (`2022年`, `二〇二三年`),
ordinals (`第三次`), numbers touching Latin letters (`ARJ21`, `4G`), set phrases and slogans
(`千家万户`, `“七个一”`), the article `一` (`一批`, `一个品牌`), and bare numbers with no unit
unless written as `13万2`. Everything the rules rely on is in `data/units.tsv` and
`data/units.markers.json`.

Numerals are read by `pipeline.numerals`, our own converter: cn2an 0.5.24 reads 72 of the 79
Chinese numerals of `tests/data/quantity_cases.jsonl` and its sentence `transform` rewrites 24 of
31 trap sentences (`统一` -> `统1`); figures and reasons in `pipeline/numerals.py`. Measured on the
72 government work reports (1.12 M characters) the stage runs at about 4.8 M characters/s on
tokens and matching view already made (2.6 M before the third round of issue 16, 4.0 M before
the fifth, timed alternately in one process), against 5-12 M characters/s for bare rjieba
segmentation of the same text.

The counted object and the verb come from the tokens around the quantity, within its clause and
between it and its neighbouring quantities: a noun phrase right after a count (`打造了11个示范点`,
running on through an enumeration `4期统战信息、宣传等工作培训班` or `单位和个人`), else the noun
phrase before it (`召开周六早餐会7次`); the verb is the run of verbs before that (jieba's
part-of-speech tags, corrected by the lists in `units.markers.json`). After a copula (`达`, `为`,
`占`) there is no verb, and after `其中` there is no object (a back-reference). The object is a
clean noun phrase: a bracket opens an aside and is never part of one (`有人员62人(含…)`), except a
short one inside a word (`行业商(协)会`); a quotation or a title in 《》 is one piece; after `等` the
class noun is what is counted (`A、B等基层统战品牌12个`); a figure opening its clause counts what
the verb after it acts on (`100%完成…工作`, `3个被评为…示范场所`); a bare figure right after
another counts the same thing (`贫困户7.71万户近25万人`).

Every quantity has a `role`: `figure`, or `duration` (`连续两年`, `过去一年`, `为期5天`) and
`ordinal` (`75周年`), which only place the report in time: an ordinal never has an object, a
duration only one joined to it by a copula or 的 (`培养周期为三年`), and neither is a key figure
of the summary.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from ..draft import Draft, on_matching_view
from ..numerals import DIGITS, parse_exact, parse_year, plain_number
from ..records import Quantity, Sentence, new_tuple
from .quantity_clauses import DURATION, FIGURE, ORDINAL, ClauseBreaks, TokenIndex, is_break, object_and_verb
from .quantity_context import Context
from .quantity_grammar import (Unit, grammar, in_trap, markers_before, tables, trap_clues, trap_pattern,
                               trap_reach, words_of)

NAME = "quantities"
REQUIRES = ("text", "folded", "sentences", "tokens")
PROVIDES = ("quantities",)
#: A share written as a fraction (三分之一) is a percent with this many decimals: its exact value
#: repeats forever (33.333…), and a float of it would carry noise digits (33.333333333333336).
FRACTION_PERCENT_PLACES = Decimal("0.01")


# --- reading one candidate -------------------------------------------------------------------

@dataclass(frozen=True)
class _Rules:
    """The markers as the checks of one candidate look them up, gathered once: reading them from
    the JSON per candidate (filtering comments, sorting multipliers) was a third of its cost."""

    #: unit surface -> (unit, factor of its value, role); a share word is percent (成 counts
    #: tens). The role is the unit's, looked up once here rather than per quantity.
    units: dict[str, tuple[Unit, int, str]]
    #: What a number with no unit (`13万2`) counts, as `units` has it.
    no_unit: tuple[Unit, int, str]
    #: approximation marker -> bound, a marker before the number taking precedence.
    bounds: dict[str, str]
    rough_marks: tuple[str, ...]
    #: multiplier words, longest first (万亿 before 亿).
    multipliers: tuple[tuple[str, int], ...]
    year_unit: str
    year_digits: int
    decade_suffix: str
    ordinal_chars: str
    article_kinds: frozenset[str]
    half_kinds: frozenset[str]
    rough_after_unit_kinds: frozenset[str]
    slogan_span: int
    #: 近 before a span that 来 closes (近三年来): the past span, not an approximation.
    recent_markers: frozenset[str]
    recent_kinds: frozenset[str]
    recent_closers: tuple[str, ...]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    units, markers = tables().units, tables().markers
    shares = markers["shares"]
    roles = markers["time_roles"]
    ordinal_units, duration_kinds = frozenset(roles["ordinal_units"]), frozenset(roles["duration_kinds"])

    def read(unit: Unit, factor: int) -> tuple[Unit, int, str]:
        return unit, factor, _role(unit, ordinal_units, duration_kinds)

    unit_factors = {surface: read(unit, unit.multiplier) for surface, unit in units.items()}
    unit_factors.update((word, read(units["%"], int(shares[word]))) for word in words_of(shares))
    bounds: dict[str, str] = {}
    for book in (markers["approx_after"], markers["approx_inside"], markers["approx_before"]):
        bounds.update((word, book[word]) for word in words_of(book))
    multipliers = markers["multipliers"]
    dates = markers["date_units"]
    return _Rules(
        units=unit_factors, no_unit=read(Unit("", 1, "count"), 1), bounds=bounds,
        rough_marks=tuple(words_of(markers["approx_inside"])),
        multipliers=tuple((word, int(multipliers[word]))
                          for word in sorted(words_of(multipliers), key=len, reverse=True)),
        year_unit=dates["year_unit"], year_digits=dates["year_digits"],
        decade_suffix=dates["decade_suffix"], ordinal_chars=markers["ordinal_before"]["chars"],
        article_kinds=frozenset(markers["article_units"]["kinds"]),
        half_kinds=frozenset(markers["half"]["kinds"]),
        rough_after_unit_kinds=frozenset(markers["approx_after_unit"]["kinds"]),
        slogan_span=markers["slogan_quote_span"]["max_chars"],
        recent_markers=frozenset(markers["recent_span"]["markers"]),
        recent_kinds=frozenset(markers["recent_span"]["kinds"]),
        recent_closers=tuple(markers["recent_span"]["closers"]))


def _role(unit: Unit, ordinal_units: frozenset[str], duration_kinds: frozenset[str]) -> str:
    """`连续两年`, `过去一年` are durations and `75周年` an ordinal: neither counts anything."""
    if unit.base in ordinal_units:
        return ORDINAL
    if unit.kind in duration_kinds:
        return DURATION
    return FIGURE


class _Reading(NamedTuple):
    """One candidate read: a named tuple, made for every candidate at a third of a frozen
    dataclass's cost, by `tuple.__new__` (the class's own `__new__` is a Python function)."""

    start: int
    end: int
    value: int | float
    unit: str | None
    kind: str
    bound: str | None
    role: str
    low: int | float | None
    high: int | float | None



@lru_cache(maxsize=4096)
def _parse(written: str) -> tuple[int | Decimal | None, bool]:
    """The value of a number, an int when it is whole, and whether 余/多 inside it made it
    approximate. Cached: reports write the same few numbers (一, 3, 10) over and over. A whole
    number times its unit's multiplier, the most usual reading, is then int arithmetic, exact as
    `Decimal`'s and a little cheaper (0.4 of 36 M instructions a bundled pass)."""
    rough = False
    for mark in _rules().rough_marks:
        if mark in written:
            rough = True
            written = written.replace(mark, "")
    value = parse_exact(written)
    if value is not None:
        numerator, denominator = value.as_integer_ratio()
        if denominator == 1:
            return numerator, rough
    return value, rough


def _first_bound(before: str | None, after: str | None, rough: bool) -> str | None:
    """The bound a marker gives, the one before the number taking precedence; else `min` for a
    number made approximate by 余/多. Called only where a marker stands: most numbers have none,
    and their bound is the last branch, written where they are read rather than paid a call."""
    bounds = _rules().bounds
    return bounds.get(before or "") or bounds.get(after or "") or ("min" if rough else None)


def _multiplier_suffix(written: str) -> int:
    for word, size in _rules().multipliers:
        if written.endswith(word):
            return size
    return 1


def _share(match: re.Match[str], start: int, pre: str | None, rules: _Rules) -> _Reading | None:
    high = None
    if match.group("percent") is not None:
        value, rough = _parse(match.group("percent"))
        after = match.group("post_p")
        if match.group("percent_high"):
            high, _ = _parse(match.group("percent_high"))
            if high is None or value is None or value >= high:
                return None
    else:
        denominator, _ = _parse(match.string[match.start():match.end("low_rest")])
        numerator, rough = _parse(match.group("numerator"))
        if not denominator or numerator is None:
            return None
        # Decimal division: two ints would divide into a float.
        value = (Decimal(numerator) * 100 / denominator).quantize(FRACTION_PERCENT_PLACES)
        after = match.group("post_f")
    if value is None:
        return None
    _, _, role = rules.units["%"]
    if high is not None:
        return new_tuple(_Reading, (start, match.end(), plain_number(value), "%", "percent",
                                     None, role, plain_number(value), plain_number(high)))
    bound = _first_bound(pre, after, rough) if pre or after else ("min" if rough else None)
    return new_tuple(_Reading, (start, match.end(), plain_number(value), "%", "percent",
                                 bound, role, None, None))


def _general(match: re.Match[str], folded: str, start: int, pre: str | None,
             rules: _Rules) -> _Reading | None:
    # One call for every group, in the grammar's order (`_GENERAL_GROUPS`): naming the groups
    # made the call look each up (a call per group was a fifth of the cost).
    _, _, _, _, _, _, _, rough_mark, low_unit, _, high_text, rough_high_mark, surface, half, more, post = \
        match.groups()
    low_text = folded[match.start():match.end("low_rest")]
    if surface is None and (high_text or not _is_spoken_tail(low_text)):
        return None
    if low_unit and low_unit != surface:
        return None
    if low_text[0] == "万" and not pre:
        return None  # a bare 万 counts only after a marker (近万人, 逾万元): 万人大会 is a name
    low, rough = _parse(low_text)
    if low is None:
        return None
    rough = rough or bool(rough_mark)
    end = match.end()
    if surface is None:
        unit, factor, role = rules.no_unit
    else:
        unit, factor, role = rules.units[surface]
        if surface == rules.year_unit and _is_year(low_text, high_text, folded, match.end("unit"), rules):
            return None
    high = None
    if high_text:
        high, rough_high = _parse(high_text)
        if high is None:
            return None
        rough = rough or rough_high or bool(rough_high_mark)
        if not any(word in low_text for word, _ in rules.multipliers):
            low *= _multiplier_suffix(high_text)
        if low >= high:
            return None
    if more:
        if unit.kind in rules.rough_after_unit_kinds:
            rough = True  # 两年多, 一年多来
        else:
            end, post = match.start("more"), None  # 5个多元化: the 多 starts the next word
    if pre in rules.recent_markers and unit.kind in rules.recent_kinds and folded.startswith(rules.recent_closers, end):
        start, pre = match.start(), None
    bound = _first_bound(pre, post, rough) if pre or post else ("min" if rough else None)
    if high is not None:
        bound = None
    elif bound is None and low_text == "一" and unit.kind in rules.article_kinds:
        return None  # the article: 一批, 一个品牌
    if half:
        if unit.kind not in rules.half_kinds or high is not None:
            return None
        low += Decimal("0.5")
    exact = low * factor
    # Most values are whole, read as ints: no call to make them plain.
    value = exact if type(exact) is int else plain_number(exact)
    return new_tuple(_Reading, (start, end, value, unit.base or None, unit.kind, bound, role,
                                 value if high is not None else None,
                                 plain_number(high * factor) if high is not None else None))


def _is_spoken_tail(written: str) -> bool:
    """`13万2`: a number whose last digit follows 万 stands without a unit."""
    return len(written) >= 3 and written[-2] == "万" and (written[-1].isdigit() or written[-1] in DIGITS)


def _is_year(low_text: str, high_text: str | None, folded: str, unit_end: int, rules: _Rules) -> bool:
    if folded[unit_end:unit_end + 1] == rules.decade_suffix:
        return True
    return (len(low_text) == rules.year_digits and parse_year(low_text) is not None) or (
        high_text is not None and len(high_text) == rules.year_digits and parse_year(high_text) is not None)


_OPENING_QUOTES = "“\"'‘「"
_CLOSING_QUOTE = re.compile(r"[”\"'’」]")


def _is_slogan(folded: str, start: int, end: int) -> bool:
    """`“七个一”`: a count opening a short quotation (the caller has seen the opening mark)
    names the slogan, it counts nothing."""
    return _CLOSING_QUOTE.search(folded, end, start + _rules().slogan_span + 1) is not None


#: The groups a share's match closes last (`percent`, `numerator`, or what may follow them).
_SHARE_SHAPES = frozenset({"percent", "percent_high", "post_p", "numerator", "post_f"})
#: Every group of the grammar in its order, as `_general` unpacks `match.groups()`.
_GENERAL_GROUPS = ("percent", "sep_p", "percent_high", "post_p", "low_rest", "numerator", "post_f", "rough",
                   "low_unit", "sep", "high", "rough_high", "unit", "half", "more", "post")


def _candidate(match: re.Match[str], folded: str, start: int, pre: str | None, rules: _Rules,
               shape: str | None) -> _Reading | None:
    """The quantity a match of the grammar reads, from `start` (where `pre`, its marker before,
    starts; else the match's start); `shape`: the match's `lastgroup`."""
    before = folded[start - 1] if start else ""
    if before and before in rules.ordinal_chars:
        return None  # 第三次: tested before the number is read
    if shape in _SHARE_SHAPES:
        reading = _share(match, start, pre, rules)
    else:
        reading = _general(match, folded, start, pre, rules)
    if reading is None:
        return None
    if before and before in _OPENING_QUOTES and _is_slogan(folded, start, reading.end):
        return None
    return reading


# --- the stage -------------------------------------------------------------------------------

def _readings(folded: str) -> list[_Reading]:
    """Every quantity in the text, read, before its context."""
    traps, reach, clues, rules = trap_pattern(), trap_reach(), trap_clues(), _rules()
    markers = markers_before()
    readings = []
    previous_end = 0  # where the match before ended: no marker starts before it
    for match in grammar().finditer(folded):
        floor, previous_end = previous_end, match.end()
        start, shape = match.start(), match.lastgroup
        if shape == "low_rest" and not _is_spoken_tail(folded[start:previous_end]):
            # A bare number (统一, 一是): the number is the last group the match closed, so nothing
            # followed it. Half the candidates of a long report: turned away before `_candidate`,
            # which would drop it too.
            continue
        pre = None
        if start > floor and folded[start - 1] in markers.last_chars:
            marker_start = markers.ending_at(folded, start, floor)
            if marker_start < start:
                start, pre = marker_start, folded[marker_start:start]
        reading = _candidate(match, folded, start, pre, rules, shape)
        if reading is not None and not in_trap(folded, reading.start, reading.end, traps, reach, clues):
            readings.append(reading)
    return readings


def find_quantities(draft: Draft, context: Context) -> list[Quantity]:
    folded, text = draft.folded, draft.text
    readings = _readings(folded)
    if not readings:
        return []
    breaks = ClauseBreaks(folded)
    found: list[Quantity] = []
    # The quantity before, in the same sentence: where it ends (0: none) and what it counts.
    previous_end, previous_noun = 0, None
    sentence: Sentence | None = None
    followings = [reading.start for reading in readings[1:]] + [len(folded)]
    tokens = TokenIndex(draft.token_offsets(), len(folded))
    # A reading unpacked at once: reading its nine fields by name cost more than the unpacking.
    for (start, end, value, unit, kind, bound, role, low, high), following in zip(readings, followings):
        # The readings come in order: most lie in the sentence of the one before.
        if sentence is None or start >= sentence.end:
            located = draft.sentence_at(start)
            if located is not sentence:
                sentence, previous_end, previous_noun = located, 0, None
        noun, verb = object_and_verb(tokens, folded, context, start, end, kind,
                                     breaks.clause(start, end, sentence, previous_end, following),
                                     previous_end, previous_noun, role)
        previous_end, previous_noun = end, noun if role == FIGURE else None
        # The fields in order, as keywords would name them: 14 keywords cost twice the record.
        found.append(Quantity(
            text[start:end], start, end, value, unit, bound is not None,  # text … unit, approx
            kind, low, high, bound,  # kind, low, high, bound
            text[noun.start:noun.end] if noun else None,  # object
            text[verb.start:verb.end] if verb else None,  # verb
            sentence.id if sentence else None, role))  # sentence, role
    return found


def make_stage() -> Callable[[Draft], None]:
    grammar()
    markers_before()
    trap_pattern()
    trap_clues()
    is_break()
    context = Context(tables().markers)

    def run(draft: Draft) -> None:
        draft.quantities = find_quantities(draft, context)

    return on_matching_view(run, "quantities")
