"""Length-preserving normalisation: the text every stage matches on.

Stages match on folded text so that one rule covers `，` and `,`, `１` and `1`, `發展` and `发展`:

* full-width ASCII to half-width, ideographic and no-break spaces to a space, zero-width
  characters to a space;
* traditional characters to simplified ones, character for character, from
  `data/traditional_to_simplified.tsv` (the rules are written for simplified reports, and some
  reports, older ones especially, come in traditional characters).

The fold maps each character to exactly one character, so an offset into the folded text is the
same offset into the original and `original[start:end]` is always the surface form. That is why
this is neither `unicodedata.normalize` (NFKC may turn `㈠` into `(一)`) nor a phrase-level
converter such as OpenCC's (it may turn two characters into one).
"""
from __future__ import annotations

import re

from .data import data_lines


def _traditional_to_simplified() -> dict[int, int]:
    table = {}
    for line in data_lines("traditional_to_simplified.tsv"):
        traditional, simplified = line.split("\t")
        table[ord(traditional)] = ord(simplified)
    return table


_FOLD = _traditional_to_simplified()
_FOLD.update({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})
_FOLD[0x3000] = ord(" ")
_FOLD[0x00A0] = ord(" ")
# Zero-width characters are invisible in a report but split words for a matcher; a space keeps
# the length and keeps them from joining what they separated.
for _zero_width in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF):
    _FOLD[_zero_width] = ord(" ")


def fold(text: str) -> str:
    """Return `text` with width, spaces and traditional characters folded, one character for one."""
    return text.translate(_FOLD)


#: A Chinese character, as the body of a regex character class (`f"[{CJK_CLASS}]"`): the CJK
#: unified ideographs, extension A, and the supplementary planes' extensions with the
#: compatibility supplement. Rare characters of names stay inside a match instead of breaking it.
CJK_CLASS = "\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002fa1f"
_CJK_CHAR = re.compile(f"[{CJK_CLASS}]")


def is_cjk(char: str) -> bool:
    """Whether the one character `char` is a Chinese character (see `CJK_CLASS`)."""
    return _CJK_CHAR.fullmatch(char) is not None
