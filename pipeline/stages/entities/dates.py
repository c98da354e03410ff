"""Dates (DATE) with their normal form, and document titles (DOC) in 《》."""
from __future__ import annotations

import calendar
import re
from functools import lru_cache

from ...numerals import YEAR_DIGITS, YEAR_PATTERN, circle_zeros_read, parse_numeral, parse_year
from .common import CN_DIGIT, NUM, Found, after_numerals, by_opening, matches_before, matches_by_opening, proposal, skip_to

_YEAR = f"(?:{YEAR_PATTERN})"
#: The start or end of a year or month (2025年底, 2021年12月底, 2023年初, 6月中旬); 初 not of 初步.
_PART = r"底|末|初(?!步|心|见|次|始|衷|期|级|中)|上旬|中旬|下旬"
_DATE = re.compile(
    skip_to(r"\d一二") +
    rf"(?:(?<![\d{CN_DIGIT}])(?P<y1>{_YEAR})(?:年?[—–\-~至到](?P<y2>{_YEAR}))?年(?:度|(?P<m>{NUM})月"
    rf"(?:(?P<d>{NUM})[日号]|(?P<month_part>{_PART}))?|(?P<year_part>{_PART}))?"
    rf"|(?<![\d{CN_DIGIT}年])(?:(?P<m1>\d{{1,2}})[—–\-~至到])?(?P<m2>\d{{1,2}})月(?:(?P<d2>\d{{1,2}})[日号]|份|(?![\d{CN_DIGIT}])))")
#: Where a date's first 年 or 月 stands at most after its start: after a span of years (2022—2023年).
_DATE_LEAD = 9
#: What a date holds before its first 年 or 月 besides digits (\d): a year's numerals (二〇二四), a
#: span's 年 and dash or word.
_DATE_LEAD_CHARS = frozenset(YEAR_DIGITS + "年—–-~至到")
#: A span of years written bare (1922—2022, a decade's review): two years joined by a dash, the
#: later one last, with no digit around; a dash between other numbers (10-12) is no date. What
#: stands before the first year is checked after its first two digits (the lookbehind spans
#: them): `re` then tries the pattern only where 19 or 20 stands, not at every character (one
#: pattern for each: no match starts inside another, which has a digit or a dash at each place).
_BARE_YEARS = by_opening(("19", "20"), r"(?P<y1>{opening}(?<![\d.\-—–~]..)\d\d)[—–\-~](?P<y2>(?:19|20)\d\d)(?![\d年.\-—–~])")
#: Decades (九十年代, 20世纪90年代, 上世纪八十年代): the century, when named, dates them.
_DECADE = re.compile(
    rf"(?:(?P<century>\d{{2}}|二十|十九|二十一)世纪|(?P<last>上)世纪)?(?<![\d{CN_DIGIT}])"
    rf"(?P<decade>[一二三四五六七八九]十|[1-9]0)年代")
#: Longer than any decade's name (上世纪八十年代, 二十一世纪二十年代): how far before its 年代 one may start.
_DECADE_REACH = 12
#: A year's value by how it is written: a report writes few years, most of them many times.
_year = lru_cache(maxsize=1024)(parse_year)
#: A month's, a day's or a decade's value by how it is written, the same way: twelve months, a
#: few dozen days, each read twice or more (a month when the date is normalised and when checked).
_numeral = lru_cache(maxsize=1024)(parse_numeral)
#: The month a year's part stands for in a normalised date: 年底 and 年末 are its last, 年初 its first.
_YEAR_PART_MONTH = {"底": "12", "末": "12", "初": "1"}
#: A title may run over one hard line break of the source (《关于…\n…的意见》).
_TITLE = re.compile(r"《[^《》\n]{1,120}(?:\n[^《》\n]{1,120})?》")


def titles(text: str) -> list[Found]:
    return [proposal(m.start(), m.end(), "DOC") for m in _TITLE.finditer(text)]


def dates(text: str) -> list[Found]:
    # A zero written as a circle (一九九○年) is read as 〇, here in months and days as in years.
    text = circle_zeros_read(text)
    found = decades(text)
    for match in matches_before(_DATE, text, _date_cues(text), _DATE_LEAD, _DATE_LEAD_CHARS):
        month: str | None = None
        normalized: str | None
        if match.group("y1"):
            year = _year(match.group("y1"))
            if year is None:
                continue
            if match.group("y2"):
                normalized = f"{year}/{_year(match.group('y2'))}"
            else:
                # A part of a month stays that month; a year's start or end is its month.
                month = match.group("m") or _YEAR_PART_MONTH.get(match.group("year_part") or "")
                normalized = _iso(year, month, match.group("d"))
        elif match.group("m1"):
            # 1至11月, 1—11月: the months of a year so far, one span of time.
            first, month = _month(match.group("m1")), match.group("m2")
            last = _month(month)
            if first is None or last is None or first >= last:
                continue
            normalized = f"--{first:02d}/--{last:02d}"
        else:
            month = match.group("m2")
            # A month of no stated year (6月, 6月份) is that month; with its day, that day.
            normalized = _iso(None, month, match.group("d2")) if match.group("d2") else \
                (f"--{_month(month):02d}" if _month(month) else None)
        # 13月 is no date at all; 5月32日 is a date written wrong: kept, with no normal form.
        if month is not None and _month(month) is None:
            continue
        found.append(proposal(match.start(), match.end(), "DATE", normalized=normalized))
    for match in matches_by_opening(_BARE_YEARS, text):
        if match.group("y1") < match.group("y2"):
            found.append(proposal(match.start(), match.end(), "DATE", normalized=f"{match.group('y1')}/{match.group('y2')}"))
    return found


def _date_cues(text: str) -> list[int]:
    """Where a date's first 年 or 月 may stand: each 年 or 月 right after a digit, which every date
    holds (its year's or month's last digit before it). `_DATE` is tried only before these: a
    report has a digit or 一 or 二, where `re` would try it, every few characters."""
    return after_numerals(text, "年月", YEAR_DIGITS)


def decades(text: str) -> list[Found]:
    """Decades as dates; normalised as a range of years (`1990/1999`) where the century is named
    (20世纪90年代, 上世纪 = the twentieth), else without a normal form (九十年代)."""
    found: list[Found] = []
    # `re` would try the pattern at every character: it is tried only just before each 年代, the
    # one its match ends with (a name holds no other), as `finditer` would find them.
    at = 0
    while (cue := text.find("年代", at)) >= 0:
        match = _DECADE.search(text, max(at, cue - _DECADE_REACH), cue + 2)
        if match is None:
            at = cue + 1
            continue
        at = match.end()
        decade = _numeral(match.group("decade"))
        century = 20 if match.group("last") else _numeral(match.group("century") or "")
        normalized = None
        if isinstance(decade, int) and isinstance(century, int) and century in (20, 21):
            first = (century - 1) * 100 + decade
            normalized = f"{first}/{first + 9}"
        found.append(proposal(match.start(), match.end(), "DATE", normalized=normalized))
    return found


def _month(written: str | None) -> int | None:
    """The month `written` names, 1 to 12; None for none or one the calendar lacks (13月)."""
    value = _numeral(written) if written else None
    return value if isinstance(value, int) and 1 <= value <= 12 else None


def _iso(year: int | None, month: str | None, day: str | None) -> str | None:
    """`2023-05-04`, `2023-05`, `2023`, or `--05-04` for a day of no stated year; None when the
    day does not exist (5月32日, 2023年2月29日) or the month is missing or impossible."""
    if month is None:
        return f"{year:04d}" if year else None
    month_value = _month(month)
    if month_value is None:
        return None
    head = f"{year:04d}-{month_value:02d}" if year else f"--{month_value:02d}"
    if day is None:
        return head if year else None
    day_value = _numeral(day)
    # A day of no stated year may be 29 February: a leap year stands in for the unknown one.
    last_day = calendar.monthrange(year or 2000, month_value)[1]
    if not isinstance(day_value, int) or not 1 <= day_value <= last_day:
        return None
    return f"{head}-{day_value:02d}"
