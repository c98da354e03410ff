"""What a researcher joins reports on: year, region, issuer and title, each with a stated meaning.

Definitions (README, "Metadata"):

* `year`: the year the report reviews, the year of the work it describes. A 2022 review of United
  Front work and the 2023 government work report (which reviews 2022) both have year 2022.
  Read from the title when it names the year of a review (`2022年统战工作总结`), else from the
  text: a review heading (`一、2024年工作回顾`), else the year before the national congress
  session the text opens with or says it is delivered to (`data/npc_sessions.tsv`), else the
  year before the one the text plans for (`2025年经济社会发展总体要求`, `2025年年度计划`:
  delivered in 2025, so it reviews 2024; the session comes first because a planned year may be
  a past plan the report looks back on), else the year most often mentioned outside planning
  phrases and comparisons' base years (`比2007年增长`). By these rules a report delivered late in
  a year with the next year's plan (a December report) reviews its own year.
* `year_delivered`: the year the report was delivered or is named for where that differs: a
  title naming a work report (`2025年政府工作报告`), else the session's year, else the year the
  text plans for; null when none says.
* `region`: the administrative division the report is about, from the division table
  (`data/gazetteer/divisions.tsv`, through `lookup_division`), with its `region_code` (the
  national division code) and `region_level` (province, prefecture, county), or `中国` at level
  `country` for a national report; null when the text does not say. Never a common noun.
* `issuer`: the body that issued the report, where the report names it.
* `title`: the report's title.

Metadata given with a report (a corpus record, a sidecar `NAME.meta.json`) wins over inferred
metadata; both are kept: `document.metadata` holds the given fields as given, `document.inferred`
what the text says, and `year_source` / `region_source` / `title_source` / `issuer_source` say
where each final value came from (`given`, `title`, `text`).

The cue words are data: `pipeline/data/summary_cues.json`.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from . import errors
from .data import data_lines, read_json
from .divisions import (COUNTRY, NATIONAL, Division, contains, division_names, lookup_division, most_specific,
                        name_openings, other_level, untabled)
from .numerals import YEAR_PATTERN, parse_exact, parse_year
from .records import DocumentMeta, Entity, replaced

#: The characters a year begins with (every form of `YEAR_PATTERN`, and spaced digits), as a
#: lookahead to open a year pattern with: `re` then skips straight to them instead of trying the
#: pattern at every character (the government work reports' years were found in 2.5x the time).
_YEAR_OPENINGS = "12一二"
_AT_YEAR = f"(?=[{_YEAR_OPENINGS}])"
#: A year before 年, its digits possibly spaced apart as some typeset reports print them (`1 9 9 7 年`).
_YEAR = re.compile(rf"{_AT_YEAR}({YEAR_PATTERN}|(?:1 9|2 0) [0-9] [0-9])\s*年(?!代)")
#: How far (characters) a plan word may stand from a year and still make it a planned year.
_PLAN_REACH = 6
#: How many characters may stand between a year and the word that makes it a review or a plan
#: (`2015年和“十二五”时期工作回顾`).
_CUE_GAP = 12
_LONGEST_ISSUER = 30
_SENTENCE_PUNCTUATION = re.compile(r"[,，。!！?？;；]")
_NAME_BREAK = re.compile(r"[\s,，。;；:：()（）|]")
#: The opening of a report, where it says who and where it is (title, byline, first sentence).
LEAD_CHARS = 200
#: A first line this short, and no sentence, is a title or a headline: a place it names is the
#: report's.
_TITLE_LINE_MAX = 60
#: A text speaks for the whole country when it says 全国/我国 at least this often, and this many
#: times as often as it says 全县/全区/我市... (a county's report names national meetings too).
_NATIONAL_SCOPE_MIN = 5
_NATIONAL_SCOPE_RATIO = 3


@lru_cache(maxsize=1)
def cues() -> dict[str, tuple[str, ...]]:
    data = read_json("summary_cues.json")
    return {key: tuple(sorted(value["words"], key=len, reverse=True))
            for key, value in data.items() if isinstance(value, dict)}


# --- year ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _year_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    words = cues()
    gap = rf"[^\s,，。;；:：!！?？]{{0,{_CUE_GAP}}}?"
    review = re.compile(rf"{_AT_YEAR}({YEAR_PATTERN})\s*年度?{gap}(?:{'|'.join(map(re.escape, words['review_words']))})")
    plan = re.compile(rf"{_AT_YEAR}(?<![{''.join(words['target_before'])}])({YEAR_PATTERN})\s*年{gap}"
                      rf"(?:{'|'.join(map(re.escape, words['plan_targets']))})"
                      rf"(?!{'|'.join(map(re.escape, words['plan_outcomes']))})")
    return review, plan


def _planned(folded: str, match: re.Match[str]) -> bool:
    before = folded[max(0, match.start() - _PLAN_REACH):match.start()]
    after = folded[match.end():match.end() + _PLAN_REACH]
    return any(word in before or word in after for word in cues()["plan_words"])


def _compared_with(folded: str, match: re.Match[str]) -> bool:
    """`比2007年增长`, `与2012年相比`: a base year of a comparison, not the year reviewed."""
    return match.start() > 0 and folded[match.start() - 1] in cues()["comparison_before"][0]


def _year_of(match: re.Match[str]) -> int:
    """The year in group 1 of a match of a year pattern, which only matches well-formed years."""
    year = parse_year(match.group(1).replace(" ", ""))
    assert year is not None, match.group(1)
    return year


def _most_common(years: list[int]) -> int | None:
    if not years:
        return None
    counts = Counter(years)
    return max(counts, key=lambda year: (counts[year], -years.index(year)))


_NPC_TERM = r"第([一二三四五六七八九十]{1,3})届全国人民代表大会"
_NPC_SESSION_NUMBER = r"第([一二三四五六七八九十]{1,2})次会议"
_NPC_SESSION = re.compile(_NPC_TERM + _NPC_SESSION_NUMBER)
#: A report's opening that names the congress it is delivered to (`向第九届全国人民代表大会作政府
#: 工作报告`): a congress addressed by its term alone is at its first session.
_NPC_ADDRESSED = re.compile(f"向{_NPC_TERM}(?:{_NPC_SESSION_NUMBER})?")


@lru_cache(maxsize=1)
def _npc_sessions() -> dict[tuple[int, int], int]:
    table = {}
    for line in data_lines("npc_sessions.tsv"):
        term, session, year = map(int, line.split("\t"))
        table[(term, session)] = year
    return table


def _session_year(folded: str) -> int | None:
    """The year of the national congress session a text opens with (a resolution: `第十二届全国
    人民代表大会第一次会议听取…`) or its opening says it is delivered to, from the table. A
    session named later may be an earlier one."""
    match = _NPC_SESSION.match(folded.lstrip()) or _NPC_ADDRESSED.search(folded, 0, LEAD_CHARS)
    if match is None:
        return None
    term = parse_exact(match.group(1))
    session = parse_exact(match.group(2)) if match.group(2) else 1
    if term is None or session is None:
        return None  # a numeral that is not one (`十十`) names no session
    return _npc_sessions().get((int(term), int(session)))


def _names_delivery(title: str) -> bool:
    """`2025年政府工作报告` is named for the year it is delivered in, `2022年工作总结` for the
    year it reviews."""
    return any(word in title for word in cues()["delivered_titles"]) and \
        not any(word in title for word in cues()["review_words"])


def year_starts(folded: str) -> list[int]:
    """Every offset where a match of a year pattern (`_YEAR`, `_year_patterns`) can begin, in
    order: each opens with a year, four characters or seven spaced apart, then white space and
    年. `re` tries a pattern that opens with a class of characters at every offset; found from
    the 年s instead, the three patterns took a fifth of the time on short reports."""
    starts: list[int] = []
    at = folded.find("年")
    while at >= 0:
        year_end = at
        while year_end and folded[year_end - 1].isspace():
            year_end -= 1
        starts += (year_end - 4, year_end - 7)
        at = folded.find("年", at + 1)
    # A spaced year's start may come before an earlier 年's unspaced one. Only an offset holding
    # a year's first character can open a match (`_AT_YEAR`): most 年s (今年, 全年) and the
    # spaced place before every one need then no match of each pattern.
    return sorted({start for start in starts if start >= 0 and folded[start] in _YEAR_OPENINGS})


def year_matches(pattern: re.Pattern[str], folded: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """What `pattern.finditer(folded)` finds, for a year pattern tried only at `year_starts`."""
    end = 0
    for start in starts:
        if start >= end and (match := pattern.match(folded, start)) is not None:
            yield match
            end = match.end()


def infer_years(folded: str, title: str | None) -> tuple[int | None, int | None, str | None]:
    """(year reviewed, year delivered, where the year reviewed was read: `title` or `text`)."""
    review, plan = _year_patterns()
    starts = year_starts(folded)
    planned = _most_common([_year_of(m) for m in year_matches(plan, folded, starts)])
    if title and (match := _YEAR.search(title)):
        year = _year_of(match)
        if _names_delivery(title):
            return year - 1, year, "title"
        return year, planned, "title"
    reviewed = next((_year_of(m) for m in year_matches(review, folded, starts)), None)
    # The session a report is delivered at dates it outright; a planned year may be a past plan
    # the report looks back on (`执行了2021年和2022年的年度计划`).
    delivered_at = _session_year(folded)
    if reviewed is None and delivered_at is not None:
        reviewed = delivered_at - 1
    if reviewed is None and planned is not None:
        reviewed = planned - 1
    if reviewed is None:
        reviewed = _most_common([_year_of(m) for m in year_matches(_YEAR, folded, starts)
                                 if not _planned(folded, m) and not _compared_with(folded, m)])
    return reviewed, delivered_at or planned, "text" if reviewed is not None else None


# --- issuer ----------------------------------------------------------------------------------

def _as_body(candidate: str) -> str | None:
    candidate = candidate.strip(" \t:：,，。、")
    if 2 < len(candidate) <= _LONGEST_ISSUER and candidate.endswith(cues()["body_endings"]):
        return candidate
    return None


def issuing_body(text: str, folded: str, title: str | None) -> str | None:
    """The body that issued the report, where the report states it; else None."""
    if title:
        cuts = [match.start() for match in (_YEAR.search(title), re.search("关于", title)) if match]
        if cuts and (body := _as_body(title[:min(cuts)])):
            return body
    labelled, trailed = _issuer_patterns()
    for match in labelled.finditer(folded, _first_of(folded, cues()["issuer_labels"])):
        if body := _as_body(text[match.start(1):match.end(1)]):
            return body
    for match in trailed.finditer(folded, _first_of(folded, cues()["issuer_trailers"])):
        if body := _as_body(_run_before(text, folded, match.start())):
            return body
    return _signature(text)


def _first_of(folded: str, words: tuple[str, ...]) -> int:
    """Where the first of `words` occurs in `folded` (its length if none does): a pattern that
    opens with one of them can match nowhere before. `str.find` skips to it in C; `re` tried the
    issuer patterns at every character (0.78 -> 0.44 M instructions a bundled pass)."""
    found = [at for at in map(folded.find, words) if at >= 0]
    return min(found) if found else len(folded)


@lru_cache(maxsize=1)
def _issuer_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A label before the issuer's name (`供稿：`), and a word after it (`供稿`)."""
    labels = "|".join(map(re.escape, cues()["issuer_labels"]))
    trailers = "|".join(map(re.escape, cues()["issuer_trailers"]))
    return re.compile(rf"(?:{labels})\s*[:：]\s*([^\s,，。;；|]+)"), re.compile(rf"(?:{trailers})(?=[\s)）|]|$)")


def _run_before(text: str, folded: str, end: int) -> str:
    """The words right before `end` back to the last break, read no further back than an
    issuer's name can be long: a long run without punctuation costs each trailer a fixed amount."""
    start = max(0, end - _LONGEST_ISSUER - 1)
    breaks = [match.end() for match in _NAME_BREAK.finditer(folded, start, end)]
    if breaks:
        start = breaks[-1]
    elif start > 0:
        return ""  # the run is longer than any name
    return text[start:end]


def _signature(text: str) -> str | None:
    """A body's name alone on the last line, or on the line before a closing date line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    last = lines[-1]
    if len(last) <= _LONGEST_ISSUER and _YEAR.match(last.strip("()（）")):
        last = lines[-2]
    if _SENTENCE_PUNCTUATION.search(last):
        return None
    return _as_body(last)


# --- region ----------------------------------------------------------------------------------

def _is_national(folded: str, title: str | None, issuer: str | None) -> bool:
    """A national body speaking in the title, issuer or opening, or a text whose scope is the
    country: `全国`, `我国` far more often than `全县`, `全区`, `我市`..."""
    lead = folded[:LEAD_CHARS]
    if any(word in lead or (title and word in title) or (issuer and word in issuer)
           for word in cues()["national_markers"]):
        return True
    national = sum(folded.count(word) for word in cues()["national_scope"])
    if national < _NATIONAL_SCOPE_MIN:
        return False  # most reports: their local words need no counting
    local = sum(folded.count(word) for word in cues()["local_scope"])
    return national >= _NATIONAL_SCOPE_RATIO * local


def _places_in(text: str) -> list[Division]:
    """Divisions named in a short text (a title, an issuer): full names, longest first, then
    short names where a place's name can end (`绵阳统战工作综述`, `成都武侯:`), never inside a
    word (`中华人民共和国` holds no 共和县, `同心逐梦` no 同心县)."""
    full, shorts = division_names()
    followers = cues()["place_short_followers"][0]
    openings = name_openings()
    # Only where a name can begin: a title's other characters cost no lookup per size.
    starts = [at for at in range(len(text) - 1) if text[at:at + 2] in openings]
    found = []
    for size in range(min(len(text), _LONGEST_PLACE), 1, -1):
        for at in starts:
            if at + size > len(text):
                break
            word = text[at:at + size]
            after = text[at + size:at + size + 1]
            if word in full or (word in shorts and (not after or after in followers)
                                and not other_level(word, after)):
                division = lookup_division(word)
                if division is not None and division not in found:
                    found.append(division)
    return found


#: The longest division name looked for in a title, in characters.
_LONGEST_PLACE = 12


def infer_region(folded: str, title: str | None, issuer: str | None,
                 entities: list[Entity]) -> Division | None:
    """The place the report is about: the country for a national report, else the place named in
    its title, issuer or short first line, else the division its place names point to (named at
    least twice, in its lead, or with its own government body), the most specific one where a
    county lies inside the prefecture also named."""
    first_line = folded.lstrip().partition("\n")[0]
    opening = first_line if len(first_line) <= _TITLE_LINE_MAX \
        and not _SENTENCE_PUNCTUATION.search(first_line) else None
    if _is_national(folded, title, issuer):
        return COUNTRY
    for named in (title, issuer, opening):
        named_places = _places_in(named) if named else []
        if named_places:
            return most_specific(named_places)
    mentions: Counter[Division] = Counter()
    governed: Counter[Division] = Counter()
    first_at: dict[Division, int] = {}
    bodies = cues()["government_bodies"]
    work_objects = frozenset(cues()["work_object_regions"])
    places = [entity for entity in entities if entity.label == "GPE"]
    bodied = [folded.startswith(bodies, entity.end) for entity in places]
    with_body = {entity.text for entity, has_body in zip(places, bodied) if has_body}
    for entity, has_body in zip(places, bodied):
        division = lookup_division(entity.canonical or entity.text) or lookup_division(entity.text)
        if division is None and entity.text in with_body:
            division = untabled(entity.text)
        if division is None or division.name in work_objects:
            continue
        mentions[division] += 1
        governed[division] += has_body
        first_at.setdefault(division, entity.start)
    candidates = [d for d, count in mentions.items()
                  if count >= 2 or first_at[d] < LEAD_CHARS or governed[d]]
    if not candidates:
        return None
    top = max(candidates, key=lambda d: (governed[d], mentions[d], -first_at[d]))
    inner = [d for d in candidates if contains(top, d)]
    return most_specific(inner) if inner else top


# --- given and inferred ----------------------------------------------------------------------

def clean_given(metadata: dict | None, source: str | None) -> dict | None:
    """The given metadata, checked: `title`, `region`, `issuer` text, `year` a year (an integer
    or its digits as text, `"2025"`); other fields are kept as they are. Raises `BadMetadata`."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise errors.BadMetadata(source, field="*", reason=f"an object is needed, not {type(metadata).__name__}")
    cleaned = dict(metadata)
    for name in ("title", "region", "issuer"):
        value = cleaned.get(name)
        if value is not None and not isinstance(value, str):
            raise errors.BadMetadata(source, field=name, reason=f"text is needed, not {type(value).__name__}")
    year = cleaned.get("year")
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not _YEARS[0] <= year <= _YEARS[1]):
        raise errors.BadMetadata(source, field="year", reason=f"a year is needed, not {cleaned['year']!r}")
    if year is not None:
        cleaned["year"] = year
    return cleaned


#: The years a given `year` may name.
_YEARS = (1900, 2100)


def resolve(meta: DocumentMeta, folded: str, text: str, entities: list[Entity]) -> DocumentMeta:
    """The document's metadata: what was given wins, what the text says is kept beside it."""
    given = clean_given(meta.metadata, meta.source) or {}
    title_given = given.get("title")
    title = title_given or meta.title
    issuer = issuing_body(text, folded, title)
    year, delivered, year_source = infer_years(folded, title)
    if year_source == "title" and not title_given and meta.title is None:
        year_source = "text"
    region = infer_region(folded, title, issuer, entities)
    inferred = {"title": meta.title, "year": year, "year_delivered": delivered,
                "region": region.name if region else None,
                "region_code": region.code if region else None,
                "region_level": region.level if region else None, "issuer": issuer}
    final_region = region
    if given.get("region"):
        final_region = lookup_division(given["region"]) or _given_division(given["region"])
    return replaced(
        meta, inferred=inferred,
        title=title, title_source=_source(title_given, meta.title, "text"),
        year=given.get("year", year), year_delivered=delivered,
        year_source="given" if given.get("year") is not None else year_source,
        region=final_region.name if final_region else None,
        region_code=final_region.code if final_region else None,
        region_level=final_region.level if final_region else None,
        region_source=_source(given.get("region"), region, "text"),
        issuer=given.get("issuer") or issuer,
        issuer_source=_source(given.get("issuer"), issuer, "text"))


def _given_division(name: str) -> Division:
    if name in cues()["national_names"]:
        return Division(NATIONAL, None, "country")
    return Division(name, None, "unknown")


def _source(given: Any, inferred: Any, how: str) -> str | None:
    if given:
        return "given"
    return how if inferred else None
