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
72 government work reports (1.12 M characters) the stage runs at about 2.4 M characters/s on
tokens already made, against 5-12 M characters/s for bare rjieba segmentation of the same text.

The counted object and the verb come from the tokens around the quantity, within its clause:
a noun phrase right after a count (`打造了11个示范点`), else the noun phrase before it
(`召开周六早餐会7次`); the verb is the run of verbs before that (jieba's part-of-speech tags,
corrected by the lists in `units.markers.json`). After a copula (`达`, `为`, `占`) there is no
verb, and after `其中` there is no object (a back-reference).
"""
from __future__ import annotations

import importlib.util
import os
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ..data import data_lines, read_json
from ..draft import Draft
from ..numerals import DIGIT_CHARS, DIGITS, parse_exact, parse_year
from ..records import Quantity, Sentence, Token
from ..textnorm import CJK_CLASS

NAME = "quantities"
REQUIRES = ("text", "folded", "sentences", "tokens")
PROVIDES = ("quantities",)

#: jieba's part-of-speech tags for verbs (plain verbs and verbs used as nouns).
_VERB_TAGS = frozenset({"v", "vd", "vi", "vn", "vg"})
_NOUN_LIKE_VERB_TAG = "vn"
#: Clause breaks in the folded text, where full-width ，；：！？（） are already half-width. A
#: bracket opens an aside (`有人员62人(含离岗干部2人)`): what is counted inside it or after it is
#: named there, never across the bracket.
_CLAUSE_BREAK = re.compile(r"[,。;:!?、\s|()【】\[\]]")
#: An enumeration comma: a forward object runs on through it (`4期统战信息、宣传等工作培训班`).
_LIST_COMMA = "、"
#: A short bracket inside a word (`行业商(协)会`, `示范村(社区)`) belongs to the word: it breaks
#: nothing. The first branch consumes such a group whole, so the second finds only real breaks.
_GLUE = re.compile(rf"(?<=[{CJK_CLASS}])\([^()\s,。;:!?]{{1,3}}\)(?=[{CJK_CLASS}])")
_BREAKS = re.compile(rf"(?P<glue>{_GLUE.pattern})|{_CLAUSE_BREAK.pattern}")


@dataclass(frozen=True, slots=True)
class Unit:
    base: str
    multiplier: int
    kind: str


@dataclass(frozen=True)
class Tables:
    """The unit table and the markers, loaded once from `pipeline/data`."""

    units: dict[str, Unit]
    markers: dict

    @property
    def context(self) -> dict:
        return self.markers["context"]


@lru_cache(maxsize=1)
def tables() -> Tables:
    units = {}
    for line in data_lines("units.tsv"):
        surface, base, multiplier, kind = line.split("\t")
        units[surface] = Unit(base, int(multiplier), kind)
    return Tables(units, read_json("units.markers.json"))


def _alternation(words) -> str:
    """A regex alternation trying longer words first, so `超过` wins over `超`."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)
                    if not word.startswith("_"))


@lru_cache(maxsize=1)
def grammar() -> re.Pattern[str]:
    """The one pattern every quantity matches; group names are read by `_candidate`."""
    markers = tables().markers
    digits = DIGIT_CHARS
    # 千 before 克/米/瓦 belongs to the unit (千克), not to the number.
    start = rf"(?:[0-9{digits}十百万]|千(?![克米瓦]))"
    # The branches of `inside` must never match the same character (万 is in `start` only), or a
    # run of them has exponentially many readings to backtrack through (`会议召开万万万…次`).
    inside = rf"(?:{start}|,(?=[0-9]{{3}}(?![0-9]))|\.(?=[0-9])|亿|点(?=[{digits}])|[余多](?=[万亿]))"
    number = rf"{start}{inside}*"
    stop = markers["share_not_followed_by"]["chars"]
    shares = "|".join(rf"{re.escape(word)}(?![{stop}])" for word in markers["shares"]
                      if not word.startswith("_"))
    unit = rf"(?:{_alternation(tables().units)}|{shares})"
    guards = markers["approx_before_not_after"]
    before = "|".join(
        (f"(?<![{guards[word]}])" if word in guards else "") + re.escape(word)
        for word in sorted(markers["approx_before"], key=len, reverse=True) if not word.startswith("_"))
    inside_marks = _alternation(markers["approx_inside"])
    after = _alternation(markers["approx_after"])
    separator = _alternation(markers["range_separators"]["separators"])
    percent_words = (rf"(?P<pre_p>{before})?百分之(?P<percent>{number})"
                     rf"(?:(?P<sep_p>{separator})(?:百分之)?(?P<percent_high>{number}))?(?P<post_p>{after})?")
    fraction = (rf"(?P<pre_f>{before})?(?P<denominator>{number})分之(?P<numerator>{number})"
                rf"(?P<post_f>{after})?")
    general = (rf"(?P<pre>{before})?(?P<low>{number})(?P<rough>{inside_marks})?"
               rf"(?:(?P<low_unit>{unit})?(?P<sep>{separator})(?P<high>{number})"
               rf"(?P<rough_high>{inside_marks})?)?(?P<unit>{unit})?(?P<half>半)?(?P<more>{inside_marks})?(?P<post>{after})?")
    # Every quantity starts with a numeral or a marker: testing that first lets the engine skip
    # the plain text between numbers at C speed instead of trying three branches per character.
    first = set(digits + "0123456789十百千万") | {word[0] for word in markers["approx_before"]}
    lead = "".join(sorted(ch for ch in first if ch != "_"))
    return re.compile(f"(?=[{re.escape(lead)}])(?:{percent_words}|{fraction}|{general})")


@lru_cache(maxsize=1)
def trap_pattern() -> re.Pattern[str]:
    markers = tables().markers
    words = [word for word in markers["trap_words"]["words"] if not word.startswith("_")]
    patterns = markers["trap_patterns"]["patterns"]
    return re.compile("|".join([f"(?:{_alternation(words)})"] + [f"(?:{p})" for p in patterns]))


@lru_cache(maxsize=1)
def verb_lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(verbs, verbal nouns): jieba's dictionary tags, corrected by the report-usage lists.

    A verbal noun (jieba's `vn`: 培训, 调研, 服务) governs a following noun (`培训党外干部`) but
    heads a noun phrase when it stands last (`开展专题调研21次`)."""
    context = tables().context
    verbs, verbal_nouns = set(context["verbs"]), set()
    # Locate jieba's dictionary without importing jieba, which would cost a cold start 0.1-0.3 s.
    jieba_folder = importlib.util.find_spec("jieba").submodule_search_locations[0]
    with open(os.path.join(jieba_folder, "dict.txt"), encoding="utf-8") as f:
        for line in f:
            word, _, tag = line.rstrip("\n").rpartition(" ")
            word = word.partition(" ")[0]
            if tag == _NOUN_LIKE_VERB_TAG:
                verbal_nouns.add(word)
            elif tag in _VERB_TAGS:
                verbs.add(word)
    not_verbs = set(context["not_verbs"])
    return frozenset(verbs - not_verbs), frozenset(verbal_nouns - verbs - not_verbs)


# --- reading one candidate -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Reading:
    start: int
    end: int
    value: int | float
    unit: str | None
    kind: str
    bound: str | None
    low: int | float | None = None
    high: int | float | None = None


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _parse(written: str) -> tuple[Decimal | None, bool]:
    """The value of a number and whether 余/多 inside it made it approximate."""
    inside = tables().markers["approx_inside"]
    rough = any(mark in written for mark in inside if not mark.startswith("_"))
    for mark in inside:
        written = written.replace(mark, "")
    return parse_exact(written), rough


def _first_bound(*marks: str | None) -> str | None:
    markers = tables().markers
    books = (markers["approx_before"], markers["approx_inside"], markers["approx_after"])
    for mark in marks:
        for book in books:
            if mark and mark in book:
                return book[mark]
    return None


def _multiplier_suffix(written: str) -> Decimal:
    for word, size in sorted(tables().markers["multipliers"].items(), key=lambda item: -len(item[0])):
        if not word.startswith("_") and written.endswith(word):
            return Decimal(size)
    return Decimal(1)


def _share(match: re.Match[str]) -> _Reading | None:
    high = None
    if match.group("percent") is not None:
        value, rough = _parse(match.group("percent"))
        marks = (match.group("pre_p"), match.group("post_p"))
        if match.group("percent_high"):
            high, _ = _parse(match.group("percent_high"))
            if high is None or value is None or value >= high:
                return None
    else:
        denominator, _ = _parse(match.group("denominator"))
        numerator, rough = _parse(match.group("numerator"))
        if not denominator or numerator is None:
            return None
        value = numerator * 100 / denominator
        marks = (match.group("pre_f"), match.group("post_f"))
    if value is None:
        return None
    if high is not None:
        return _Reading(match.start(), match.end(), _plain(value), "%", "percent", None,
                        _plain(value), _plain(high))
    bound = _first_bound(*marks) or ("min" if rough else None)
    return _Reading(match.start(), match.end(), _plain(value), "%", "percent", bound)


def _unit_of(surface: str) -> tuple[Unit, Decimal]:
    """The unit a surface names and the factor its value takes (成 counts tens of percent)."""
    shares = tables().markers["shares"]
    if surface in shares:
        return tables().units["%"], Decimal(shares[surface])
    unit = tables().units[surface]
    return unit, Decimal(unit.multiplier)


def _general(match: re.Match[str], folded: str) -> _Reading | None:
    low_text, high_text, surface = match.group("low"), match.group("high"), match.group("unit")
    if surface is None and not _is_spoken_tail(low_text) or (high_text and surface is None):
        return None
    if match.group("low_unit") and match.group("low_unit") != surface:
        return None
    if low_text[0] == "万" and not match.group("pre"):
        return None  # a bare 万 counts only after a marker (近万人, 逾万元): 万人大会 is a name
    low, rough = _parse(low_text)
    if low is None:
        return None
    rough = rough or bool(match.group("rough"))
    end = match.end()
    if surface is None:
        unit, factor = Unit("", 1, "count"), Decimal(1)
    else:
        unit, factor = _unit_of(surface)
        if surface == tables().markers["date_units"]["year_unit"] and _is_year(low_text, high_text, folded, match):
            return None
    high = None
    if high_text:
        high, rough_high = _parse(high_text)
        if high is None:
            return None
        rough = rough or rough_high or bool(match.group("rough_high"))
        if not any(word in low_text for word in tables().markers["multipliers"]):
            low *= _multiplier_suffix(high_text)
        if low >= high:
            return None
    post = match.group("post")
    if match.group("more"):
        if unit.kind in tables().markers["approx_after_unit"]["kinds"]:
            rough = True  # 两年多, 一年多来
        else:
            end, post = match.start("more"), None  # 5个多元化: the 多 starts the next word
    bound = _first_bound(match.group("pre"), post) or ("min" if rough else None)
    if high is not None:
        bound = None
    if match.group("half"):
        if unit.kind not in tables().markers["half"]["kinds"] or high is not None:
            return None
        low += Decimal("0.5")
    value = low * factor
    return _Reading(match.start(), end, _plain(value), unit.base or None, unit.kind, bound,
                    _plain(value) if high is not None else None,
                    _plain(high * factor) if high is not None else None)


def _is_spoken_tail(written: str) -> bool:
    """`13万2`: a number whose last digit follows 万 stands without a unit."""
    return len(written) >= 3 and written[-2] == "万" and (written[-1].isdigit() or written[-1] in DIGITS)


def _is_year(low_text: str, high_text: str | None, folded: str, match: re.Match[str]) -> bool:
    dates = tables().markers["date_units"]
    after = folded[match.end("unit"):match.end("unit") + 1]
    if after == dates["decade_suffix"]:
        return True
    return any(text and len(text) == dates["year_digits"] and parse_year(text) is not None
               for text in (low_text, high_text))


def _is_article(reading: _Reading, match: re.Match[str]) -> bool:
    return (match.group("low") == "一" and reading.bound is None and reading.high is None
            and reading.kind in tables().markers["article_units"]["kinds"])


def _is_slogan(folded: str, start: int, end: int) -> bool:
    """`“七个一”`: a count opening a short quotation names the slogan, it counts nothing."""
    if start == 0 or folded[start - 1] not in "“\"'‘「":
        return False
    limit = tables().markers["slogan_quote_span"]["max_chars"]
    close = re.search(r"[”\"'’」]", folded[end:start + limit + 1])
    return close is not None


def _candidate(match: re.Match[str], folded: str) -> _Reading | None:
    if match.group("percent") is not None or match.group("numerator") is not None:
        reading = _share(match)
    else:
        reading = _general(match, folded)
        if reading is not None and _is_article(reading, match):
            return None
    if reading is None:
        return None
    ordinal = tables().markers["ordinal_before"]["chars"]
    if reading.start and folded[reading.start - 1] in ordinal:
        return None
    if _is_slogan(folded, reading.start, reading.end):
        return None
    return reading


# --- object and verb -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Piece:
    """A token, or the part of one that lies outside the quantity."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Before:
    """What the clause before a quantity says about it.

    `closed`: the object slot is settled (after a back-reference such as 其中, the quantity
    counts what was named before, so no noun may be borrowed from after it). `measured`: the
    noun is what the quantity measures, joined to it by a copula (`培养周期一般为三到五年`)."""

    noun: _Piece | None
    verb: _Piece | None
    closed: bool = False
    measured: bool = False


class _Context:
    """Finds the counted object and the verb of a quantity among its clause's tokens."""

    def __init__(self) -> None:
        context = tables().context
        self.verbs, self.verbal_nouns = verb_lexicon()
        self.copulas = frozenset(context["copulas"])
        self.skip = frozenset(context["skip"])
        self.back_references = frozenset(context["back_references"])
        self.stops = frozenset(context["object_stops"])
        self.light_verbs = frozenset(context["light_verbs"])
        self.enumeration_ends = frozenset(context["enumeration_ends"])
        self.noun_joiners = frozenset(context["noun_joiners"])

    def is_verb(self, word: str, *, head: bool = False) -> bool:
        """`head`: the word stands last before the quantity, where a verbal noun is a noun."""
        if word in self.copulas:
            return False
        return word in self.verbs or (not head and word in self.verbal_nouns)

    def _ends_object(self, word: str) -> bool:
        return (word in self.stops or word in self.skip or word in self.copulas
                or word in self.back_references or bool(_CLAUSE_BREAK.fullmatch(word)))

    def _verb_before_noun(self, word: str, *, head: bool) -> bool:
        """A light verb standing last is a noun (`异地商会组织4个`): it never heads a verb run."""
        return self.is_verb(word, head=head) and not (head and word in self.light_verbs)

    def _noun_before(self, pieces: list[_Piece], end: int) -> _Piece | None:
        start = end
        while start and not self._ends_object(pieces[start - 1].text) \
                and not self._verb_before_noun(pieces[start - 1].text, head=start == end):
            start -= 1
        return _span(pieces[start:end])

    def _verb_runs(self, pieces: list[_Piece], end: int) -> list[tuple[int, int]]:
        runs: list[tuple[int, int]] = []
        for index in range(end):
            if self.is_verb(pieces[index].text, head=index == end - 1):
                if runs and runs[-1][1] == index:
                    runs[-1] = (runs[-1][0], index + 1)
                else:
                    runs.append((index, index + 1))
        return [run for run in runs
                if not all(pieces[i].text in self.light_verbs for i in range(*run))]

    def before(self, pieces: list[_Piece]) -> _Before:
        """The object and verb read from the clause before the quantity."""
        end = len(pieces)
        after_copula = False
        while end and (pieces[end - 1].text in self.skip or pieces[end - 1].text in self.copulas):
            after_copula |= pieces[end - 1].text in self.copulas
            end -= 1
        if after_copula:
            return _Before(self.class_noun(pieces, self._noun_before(pieces, end)), None, measured=True)
        runs = self._verb_runs(pieces, end)
        governing = [run for run in runs if run[1] < end and not self.is_verb(pieces[run[1]].text)]
        run = governing[-1] if governing else (runs[-1] if runs and runs[-1][1] == end else None)
        if run is None:
            noun = self._noun_before(pieces, end)
            start = end if noun is None else next(i for i, p in enumerate(pieces) if p.start == noun.start)
            closed = start > 0 and pieces[start - 1].text in self.back_references
            return _Before(self.class_noun(pieces, noun), None, closed=closed)
        first, last = run
        while first < last - 1 and pieces[first].text in self.light_verbs:
            first += 1
        verb = _span(pieces[first:last])
        object_start = last
        while object_start < end and (pieces[object_start].text in self.stops or pieces[object_start].text in self.skip):
            object_start += 1
        return _Before(self.class_noun(pieces, _span(pieces[object_start:end])), verb)

    def subject(self, pieces: list[_Piece], verb: _Piece) -> _Piece | None:
        """The noun before the verb, for `早餐会全年召开12次` and `覆盖率同比增长6.5个百分点`."""
        end = next(i for i, p in enumerate(pieces) if p.start == verb.start)
        while end and pieces[end - 1].text in self.skip:
            end -= 1
        if end and pieces[end - 1].text == "被":
            return None
        return self._noun_before(pieces, end)

    def is_noun(self, word: str) -> bool:
        return not self._ends_object(word) and not self.is_verb(word, head=True)

    def after(self, pieces: list[_Piece], *, after_de_only: bool,
              leading_verb: bool = False) -> _Piece | None:
        """The noun phrase right after the quantity (`11个示范点`, `56.3%的税收`), running on
        through an enumeration (`4期统战信息、宣传等工作培训班`).

        `leading_verb`: nothing before names the object, so a verb-looking word that opens a
        compound noun belongs to it (`5个联合党支部`)."""
        index = 0
        if pieces and pieces[0].text == "的":
            index = 1
        elif after_de_only:
            return None
        first = index
        if leading_verb and index + 1 < len(pieces) and self.is_verb(pieces[index].text, head=True) \
                and self.is_noun(pieces[index + 1].text):
            index += 1
        end = index
        while index < len(pieces):
            word = pieces[index].text
            if word in self.noun_joiners and end > first and index + 1 < len(pieces) \
                    and not _opens_number(pieces[index + 1].text) and self.is_noun(pieces[index + 1].text):
                index += 1
                continue
            if not self.is_noun(word):
                break
            index += 1
            end = index
        return _span(pieces[first:end])

    def after_action(self, pieces: list[_Piece]) -> tuple[_Piece | None, _Piece] | None:
        """(object, verb) when the quantity opens its clause and a verb follows it:
        `100%完成赋码换证工作`, `3个被评为省级示范场所`."""
        index = 1 if pieces[0].text == "被" else 0
        if index >= len(pieces) or not self.is_verb(pieces[index].text):
            return None
        noun = self.after(pieces[index + 1:], after_de_only=False)
        return (noun, pieces[index]) if noun is not None else None

    def class_noun(self, pieces: list[_Piece], noun: _Piece | None) -> _Piece | None:
        """`A、B等基层统战品牌12个`: the class named after 等 is what is counted."""
        if noun is None:
            return None
        inside = [piece for piece in pieces if noun.start <= piece.start and piece.end <= noun.end]
        cut = max((i for i, piece in enumerate(inside) if piece.text in self.enumeration_ends),
                  default=None)
        if cut is None:
            return noun
        if cut == len(inside) - 1:  # `…主题教育活动等30余次`: the last item stands for the list
            return self._noun_before(inside, cut)
        return _span(inside[cut + 1:])


def _opens_number(word: str) -> bool:
    return word[0].isdigit() or word[0] in DIGIT_CHARS


def _span(pieces: list[_Piece]) -> _Piece | None:
    if not pieces:
        return None
    return _Piece("", pieces[0].start, pieces[-1].end)


#: Quotation and title marks: what they enclose is one piece, so the words of a quoted name or a
#: title are never taken for verbs (`开展“同心助企”服务活动`, `编辑7期《同心》`).
_OPEN_QUOTES = frozenset("“‘「『《")
#: A straight quote closes a quotation but never opens one: it cannot tell which side it is on.
_CLOSE_QUOTES = frozenset("”’」』\"》")


def _pieces(tokens: list[Token], start: int, end: int, folded: str,
            is_noun: Callable[[str], bool]) -> list[_Piece]:
    """Tokens clipped to `[start, end)`, with their folded text; a quotation is one piece, and a
    short bracket inside a word joins the words on both sides (`行业商(协)会`: `商(协)会`) unless
    what follows it is a word of its own (`乡(街道)签订`)."""
    pieces: list[_Piece] = []
    quote_start = None
    glue_until = -1
    for token in tokens:
        left, right = max(token.start, start), min(token.end, end)
        if left >= right:
            continue
        word = folded[left:right]
        if quote_start is not None:
            if word in _CLOSE_QUOTES:
                pieces.append(_Piece(folded[quote_start:right], quote_start, right))
                quote_start = None
            continue
        if left < glue_until:
            if right > glue_until:  # one token holds the closing bracket and the next word
                last = pieces.pop()
                pieces.append(_Piece(folded[last.start:right], last.start, right))
            continue
        if word in _OPEN_QUOTES:
            quote_start = left
            continue
        piece_start = left
        if left == glue_until and pieces and pieces[-1].end == left \
                and (right - left == 1 or is_noun(word)):
            piece_start = pieces.pop().start
        glue = _GLUE.match(folded, right, end)
        if glue is not None:
            right = glue_until = glue.end()
        pieces.append(_Piece(folded[piece_start:right], piece_start, right))
    if quote_start is not None:
        pieces.append(_Piece(folded[quote_start:end], quote_start, end))
    return pieces


# --- the stage -------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _trap_reach() -> int:
    """How far from a quantity a trap may start and still cover it."""
    return max(len(word) for word in tables().markers["trap_words"]["words"]) + 8


def _in_trap(folded: str, start: int, end: int) -> bool:
    """Whether a set phrase or number-shaped name covers `[start, end)`; searched in a window
    around each quantity rather than over the whole text, which is three times slower."""
    left = max(0, start - _trap_reach())
    window = folded[left:end + _trap_reach()]
    return any(m.start() + left < end and m.end() + left > start
               for m in trap_pattern().finditer(window))


def find_quantities(draft: Draft, context: _Context) -> list[Quantity]:
    folded, text = draft.folded, draft.text
    breaks = [m.start() for m in _BREAKS.finditer(folded) if not m.group("glue")]
    # Forward objects run on through an enumeration comma, so their clause ends elsewhere.
    ends = [offset for offset in breaks if folded[offset] != _LIST_COMMA]
    readings = [reading for reading in map(lambda match: _candidate(match, folded), grammar().finditer(folded))
                if reading is not None and not _in_trap(folded, reading.start, reading.end)]
    found: list[Quantity] = []
    previous: _Neighbour | None = None
    for index, reading in enumerate(readings):
        sentence = draft.sentence_at(reading.start)
        if previous is not None and previous.sentence is not sentence:
            previous = None
        following = readings[index + 1].start if index + 1 < len(readings) else len(folded)
        role = _role(reading)
        noun, verb = _object_and_verb(draft, context, reading,
                                      _Clause(breaks, ends, sentence, previous, following), role)
        previous = _Neighbour(reading.end, sentence, noun if role == FIGURE else None)
        found.append(Quantity(
            text=text[reading.start:reading.end], start=reading.start, end=reading.end,
            value=reading.value, unit=reading.unit, approx=reading.bound is not None,
            kind=reading.kind, low=reading.low, high=reading.high, bound=reading.bound,
            object=text[noun.start:noun.end] if noun else None,
            verb=text[verb.start:verb.end] if verb else None,
            sentence=sentence.id if sentence else None, role=role))
    return found


#: `role` of a quantity: a figure worth citing, or one that only places the report in time.
FIGURE, DURATION, ORDINAL = "figure", "duration", "ordinal"


def _role(reading: _Reading) -> str:
    """`连续两年`, `过去一年` are durations and `75周年` an ordinal: neither counts anything."""
    roles = tables().markers["time_roles"]
    if reading.unit in roles["ordinal_units"]:
        return ORDINAL
    if reading.kind in roles["duration_kinds"]:
        return DURATION
    return FIGURE


@dataclass(frozen=True, slots=True)
class _Neighbour:
    """The quantity before, in the same sentence: where it ends and what it counts."""

    end: int
    sentence: Sentence | None
    noun: _Piece | None


@dataclass(frozen=True, slots=True)
class _Clause:
    """Where the words around one quantity may come from."""

    breaks: list[int]
    ends: list[int]
    sentence: Sentence | None
    previous: _Neighbour | None
    following: int


def _object_and_verb(draft: Draft, context: _Context, reading: _Reading, clause: _Clause,
                     role: str) -> tuple[_Piece | None, _Piece | None]:
    folded = draft.folded
    low = clause.sentence.start if clause.sentence else 0
    high = clause.sentence.end if clause.sentence else len(folded)
    previous = clause.previous
    before_break = bisect_left(clause.breaks, reading.start) - 1
    clause_start = max(low, clause.breaks[before_break] + 1 if before_break >= 0 else 0,
                       previous.end if previous else 0)
    after_break = bisect_left(clause.ends, reading.end)
    clause_end = min(high, clause.ends[after_break] if after_break < len(clause.ends) else high,
                     clause.following)
    # Words are read only between this quantity and its neighbours, so a run of quantities
    # (`3次3次3次...`) costs each one its own stretch of text, not the whole clause.
    before = _pieces(draft.tokens_between(clause_start, reading.start), clause_start,
                     reading.start, folded, context.is_noun)
    found = context.before(before)
    noun, verb = found.noun, found.verb
    if found.closed:
        return noun, verb
    after = _pieces(_straddling(draft, reading.end) + draft.tokens_between(reading.end, clause_end),
                    reading.end, clause_end, folded, context.is_noun)
    if role != FIGURE:
        # A span of time measures only a noun it is joined to (`为期一个月的宣传活动`,
        # `培养周期为三年`); `连续两年`, `一年来`, `运行5年` count nothing.
        frames = tables().markers["time_roles"]
        if role == ORDINAL or (after and after[0].text in frames["frame_after"]) \
                or (before and before[-1].text in frames["frame_before"]):
            return None, verb
        forward = context.after(after, after_de_only=True)
        measured = found.measured or (noun is not None and verb is None and noun.end == reading.start)
        return forward or (noun if measured else None), verb
    forward = context.after(after, after_de_only=reading.kind not in _FORWARD_KINDS,
                            leading_verb=noun is None)
    if forward is not None:
        return forward, verb
    if noun is None and verb is None and after and (not before or found.measured):
        passive = context.after_action(after)
        if passive is not None:
            return passive
    if noun is None and verb is not None:
        noun = context.subject(before, verb)
    if noun is None and not before and previous is not None and previous.noun is not None \
            and (not after or previous.end == reading.start):
        # `少数民族19个,2.3万人` and `贫困户7.71万户近25万人`: a bare figure right after
        # another one counts the same thing.
        noun = previous.noun
    return noun, verb


#: Kinds whose counted noun may follow the number (`11个示范点`, `三万六千亩油茶林`).
_FORWARD_KINDS = frozenset({"count", "area", "weight", "length", "volume"})


def _straddling(draft: Draft, offset: int) -> list[Token]:
    """The token that starts before `offset` and runs past it, if any."""
    previous = draft.tokens_between(max(0, offset - 16), offset)
    return [token for token in previous if token.end > offset][-1:]


def make_stage() -> Callable[[Draft], None]:
    grammar()
    trap_pattern()
    context = _Context()

    def run(draft: Draft) -> None:
        draft.quantities = find_quantities(draft, context)

    return run
