"""Length-preserving normalisation: the text every stage matches on.

Stages match on folded text (full-width ASCII to half-width, ideographic space to space) so that
one rule covers `，` and `,`, `１` and `1`. The fold maps each character to exactly one character,
so an offset into the folded text is the same offset into the original and
`original[start:end]` is always the surface form. That is why this is not `unicodedata.normalize`:
NFKC may turn one character into several (`㈠` -> `(一)`) and break the offset invariant.
"""
from __future__ import annotations

_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = ord(" ")
_FOLD[0x00A0] = ord(" ")
# Zero-width characters are invisible in a report but split words for a matcher; a space keeps
# the length and keeps them from joining what they separated.
for _zero_width in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF):
    _FOLD[_zero_width] = ord(" ")


def fold(text: str) -> str:
    """Return `text` with width and spaces folded, one character for one."""
    return text.translate(_FOLD)


def is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FA1F
