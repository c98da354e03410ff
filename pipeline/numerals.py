"""Numerals as reports write them: Arabic, Chinese, and the two mixed (`2.6万`, `13万2`, `3千`).

`parse_numeral` turns one written number into an exact value; `parse_year` reads a year written
digit by digit (`二〇二二`, `2022`) for the entities stage's dates and the summary's year. This
module is the one home of the Chinese digit set (`DIGIT_CHARS`) and the year pattern.

Why our own converter and not cn2an (0.5.24, the best-kept library for this). Measured on the 79
Chinese numerals (percent excluded) of `tests/data/quantity_cases.jsonl`: cn2an reads 49 in
`strict` mode (it refuses 〇 and 两: `一千〇五十`, `两千零四十`) and 72 in `normal`/`smart` (no mode
accepts a bare `百`/`千` as in `百余人`, `近千件`, `不到百人`); this module reads all 79. cn2an's
sentence `transform`, the part that would find numbers in running text, rewrote 24 of the 31
trap sentences (`统一` -> `统1`, `周六` -> `周6`), so it cannot decide what is a number either.
Where both accept a numeral they agree: `tests/test_numerals.py` checks every integer up to 10^12
against cn2an's `an2cn`, so cn2an stays a test-only oracle.
Values are computed with `Decimal`, so `2.68万` is exactly 26800, not 26800.000000000004.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}
#: Places inside a group of four digits.
PLACES = {"十": 10, "百": 100, "千": 1000}
#: Group multipliers, largest first: a number splits at these.
GROUPS = (("亿", 10 ** 8), ("万", 10 ** 4))
#: The Chinese digit characters, for the character classes of the stages' patterns.
DIGIT_CHARS = "".join(DIGITS)
#: A year of the 1900s or 2000s written digit by digit (`2024`, `二〇二四`; 两 is never a year's
#: digit), as regular-expression source for the stages that find years; `parse_year` reads it.
#: Its zero may be typed as a circle, ○ or ◯ (`二○二三`): many reports do, in years only.
YEAR_DIGITS = "〇零一二三四五六七八九"
YEAR_PATTERN = rf"(?:19|20)\d{{2}}|[一二][{YEAR_DIGITS}○◯]{{3}}"


def circle_zeros_read(text: str) -> str:
    """`text` with each zero typed as a circle (○, ◯) written 〇, character for character: two
    replacements in compiled code, where `str.translate` probes a dictionary at each character."""
    return text.replace("○", "〇").replace("◯", "〇")


def plain_number(value: int | Decimal) -> int | float:
    """An exact value as the records hold it: an int when it is whole, else a float."""
    if type(value) is int:  # most values: whole numbers, read as ints
        return value
    numerator, denominator = value.as_integer_ratio()  # one call: cheaper than rounding to compare
    return numerator if denominator == 1 else float(value)


def _digit_run(text: str) -> Decimal | None:
    """`2.5`, `1,356` or Chinese digits read one by one (`二〇二二`, `九十九点六`'s `六`)."""
    if text and all(ch in DIGITS for ch in text):
        return Decimal("".join(str(DIGITS[ch]) for ch in text))
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _group(text: str) -> Decimal | None:
    """A number below 10 000: `三百零六`, `1300`, `3千`, `十二`, `百`, `一千三` (= 1300)."""
    if not text:
        return Decimal(0)
    if text[0] in "零〇" and len(text) > 1:
        return _group(text[1:])  # the zero after a multiplier: 一千万零一
    if "点" in text:
        whole, _, fraction = text.partition("点")
        head = _group(whole) if whole else None
        tail = _digit_run(fraction) if fraction else None
        if head is None or tail is None:
            return None
        return head + tail / Decimal(10) ** len(fraction)
    if not any(ch in PLACES for ch in text):
        return _digit_run(text) if len(text) == 1 or text.isascii() else None
    total = Decimal(0)
    pending: Decimal | None = None
    last_place = 10 ** 5
    after_zero = False
    index = 0
    while index < len(text):
        ch = text[index]
        if ch in PLACES:
            place = PLACES[ch]
            if place >= last_place or (pending is None and total and not after_zero):
                return None
            total += (pending if pending is not None else 1) * place
            pending, last_place, after_zero = None, place, False
            index += 1
        elif ch in "零〇":
            after_zero = True
            index += 1
        else:
            end = index
            while end < len(text) and (text[end].isdigit() or text[end] in ".,"):
                end += 1
            run = text[index:end] if end > index else text[index]
            if pending is not None or (run not in DIGITS and not run[0].isdigit()):
                return None
            pending = _digit_run(run)
            if pending is None:
                return None
            index = max(end, index + 1)
    if pending is not None:
        # `一千三` is spoken for 1300: a last digit straight after a place counts one place down.
        if total and not after_zero and last_place >= 100 and pending < 10:
            pending *= last_place // 10
        total += pending
    return total


def parse_exact(text: str) -> Decimal | None:
    """The value of one written number as a `Decimal`, or None when it is not a well-formed one."""
    text = text.replace(",", "")
    for mark, size in GROUPS:
        head, found, tail = text.rpartition(mark)
        if not found:
            continue
        # A bare 万 or 亿 is one of it, as after a marker: 近万人, 逾亿元.
        high = parse_exact(head) if head else Decimal(1)
        if high is None:
            return None
        if len(tail) == 1 and (tail in DIGITS or tail.isdigit()) and tail not in "零〇":
            # `13万2` is spoken for 132 000: a lone digit after a multiplier counts one place down.
            low: Decimal | None = Decimal(DIGITS.get(tail, tail)) * size / 10
        else:
            low = _group(tail) if size == 10 ** 4 else parse_exact(tail)
        if low is None or low >= size:
            return None
        return high * size + low
    return _group(text)


def parse_numeral(text: str) -> int | float | None:
    """`1,356` -> 1356, `2.8万亿` -> 2800000000000, `一百零八` -> 108, `13万2` -> 132000."""
    value = parse_exact(text) if text else None
    return None if value is None else plain_number(value)


def is_digit_by_digit(text: str) -> bool:
    """Written as a string of digits with no places (`2022`, `二〇二二`): how years are written."""
    return bool(text) and all(ch.isdigit() or ch in DIGITS for ch in text) and not any(
        ch in ",." for ch in text)


def parse_year(text: str) -> int | None:
    """A four-digit year written digit by digit, `二〇二二`, `二○二二` or `2022`; else None."""
    text = circle_zeros_read(text)
    if len(text) != 4 or not is_digit_by_digit(text):
        return None
    if text.isdigit():
        return int(text)
    value = _digit_run(text)
    return int(value) if value is not None else None
