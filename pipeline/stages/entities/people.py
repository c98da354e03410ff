"""People (PERSON): names after or before a cue word or title, national leaders, a surname with
an honorific, and names listed beside a found one."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...textnorm import is_cjk
from .common import Found, Positions, WordSpans, occurrences, proposal

# What EntityRules mixes this with, shown to the type checker only (see rules.py).
if TYPE_CHECKING:
    from .base import RuleBase as _Mixed
else:
    _Mixed = object


#: What may follow a name in a byline: a space before the next name, a line's or a bracket's end.
_BYLINE_NAME_ENDS = (" ", "\u3000", "\n", ")", "", ",")
_PHOTO_CREDIT = re.compile(r"\(([^()\s]{2,3})摄\)")
#: The spaces a cue word may stand apart from the name after it by (记者 某某).
_SPACES = re.compile("[ \u3000]*")


class PersonRules(_Mixed):
    """Mixin of `EntityRules`: the person rules."""

    def persons(self, text: str, words: WordSpans, bounds: Positions | None = None) -> list[Found]:
        """`words`, where the word families occur in `text`; `bounds`, where the words of a
        segmented text start or end: a name after a cue word ends on one (厂长|任期目标 names nobody)."""
        names: set[str] = {text[start:end] for start, end in words["leaders"]}
        for _, cue_end in words["person_before"]:
            spaces = _SPACES.match(text, cue_end)
            assert spaces is not None  # `*`: it matches anywhere
            at = spaces.end()
            name = self._name_at(text, at)
            end = at + len(name or "")
            if name and (bounds is None or end in bounds or not is_cjk(text[end:end + 1] or "。")):
                names.add(name)
        for family, needs_boundary in (("person_after", False), ("person_titles_after", True)):
            for at, _ in words[family]:
                name = self._name_ending_at(text, at, needs_boundary=needs_boundary)
                if name:
                    names.add(name)
        # 关心妇女儿童: a kinship word may start inside a longer word; it must be a word of its own.
        for at, _ in words["person_kin_after"]:
            name = self._name_ending_at(text, at, needs_boundary=True)
            if name and (bounds is None or at in bounds):
                names.add(name)
        # 赵先生, 王女士: a surname alone with an honorific, right after a boundary, names a person.
        for at, end in words["honorifics"]:
            if at >= 1 and text[at - 1] in self.surnames and \
                    (at == 1 or not is_cjk(text[at - 2]) or text[at - 2] in self.function_chars):
                names.add(text[at - 1:end])
        # 代表|全国各族人民: 全 is a surname, but a scope word (全国, 全省) opens no name.
        # 党外同志, 委员包建100个: a verb or lead word before a cue or after a title names nobody.
        # 高举|毛…, 安心|搞: a surname may start a verb or adverb, and a "name" running on from one is none.
        names = {name for name in names if not self.event_scope.match(name) and name not in self.boundary_words and
                 name[:2] not in self.boundary_words}
        found = {(at, at + len(name)) for name in names for at in occurrences(text, name)}
        found |= self._bylines(text, words) | self._photo_credits(text)
        return [proposal(start, end, "PERSON") for start, end in self._listed_with(text, found)]

    def _bylines(self, text: str, words: WordSpans) -> set[tuple[int, int]]:
        """A byline's name spaced out character by character (记者 陈 明 报道): the surname and one
        or two given characters, each after one space; the span keeps the spaces as written."""
        spans = set()
        # The cues come from the word families' one pass: a regular expression of them would be
        # tried at every character of the text.
        for _, cue_end in words["byline_cues"]:
            spaces = _SPACES.match(text, cue_end)
            assert spaces is not None  # `*`: it matches anywhere
            at = spaces.end()
            # A cue with no space after it heads no byline.
            if at == cue_end or text[at:at + 1] not in self.surnames:
                continue
            end = at + 1
            for _ in range(2):
                if text[end:end + 1] in (" ", "\u3000") and is_cjk(text[end + 1:end + 2] or "。") and \
                        text[end + 1] not in self.function_chars and not self._stops_name(text, end + 1):
                    end += 2
                else:
                    break
            if end > at + 1:
                spans.add((at, end))
            else:
                spans |= self._byline_run(text, at)
        return spans

    def _byline_run(self, text: str, at: int) -> set[tuple[int, int]]:
        """Names written whole after a byline's cue, one space apart (通讯员 施某行 郭某钰): each
        word that reads as a whole name, up to the first that does not."""
        spans: set[tuple[int, int]] = set()
        while True:
            # A byline's word is a name whatever its characters (郭其某: 其 ends no name there).
            end = next((i for i in range(at, min(at + 4, len(text) + 1)) if text[i:i + 1] in _BYLINE_NAME_ENDS), None)
            if end is None or not 2 <= end - at <= 3 or text[at] not in self.surnames or \
                    not all(is_cjk(ch) for ch in text[at:end]):
                return spans
            spans.add((at, end))
            if text[end:end + 1] not in (" ", "\u3000"):
                return spans
            at = end + 1

    def _photo_credits(self, text: str) -> set[tuple[int, int]]:
        """A photographer credited in parentheses (某某摄): a whole name right before 摄."""
        spans = set()
        for match in _PHOTO_CREDIT.finditer(text):
            name = self._name_at(text, match.start(1))
            if name is not None and len(name) == match.end(1) - match.start(1):
                spans.add(match.span(1))
        return spans

    def _name_ending_at(self, text: str, end: int, *, needs_boundary: bool) -> str | None:
        """A 3- or 2-character name ending at `end`; with `needs_boundary`, only one that starts
        after punctuation or a function character (so 常务副|主任 gives no name)."""
        for size in (3, 2):
            start = end - size
            name = self._name_at(text, start)
            if name and len(name) == size:
                before = text[start - 1] if start > 0 else ""
                if not needs_boundary or not before or not is_cjk(before) or before in self.function_chars:
                    return name
                return None
        return None

    def _listed_with(self, text: str, found: set[tuple[int, int]]) -> set[tuple[int, int]]:
        """Names listed beside a found one with 、 (李明、王小红、赵强同志): a surname-led word
        between list marks is a name too."""
        closers = "、,。;:)等和与及"
        queue = list(found)
        while queue:
            start, end = queue.pop()
            candidates = []
            if text[end:end + 1] == "、":
                name = self._name_at(text, end + 1)
                if name and text[end + 1 + len(name):end + 2 + len(name)] in tuple(closers) + ("同",):
                    candidates.append((end + 1, end + 1 + len(name)))
            if start > 0 and text[start - 1] == "、":
                name = self._name_ending_at(text, start - 1, needs_boundary=True)
                if name:
                    candidates.append((start - 1 - len(name), start - 1))
            for span in candidates:
                if span not in found:
                    found.add(span)
                    queue.append(span)
        return found

    def _stops_name(self, text: str, at: int) -> bool:
        """Whether a word that stops a name (a title, a particle) starts at `at`: two set lookups,
        where a `startswith` tried each of some fifty words."""
        return text[at:at + 1] in self.name_stop_chars or text[at:at + 2] in self.name_stop_pairs

    def _name_at(self, text: str, at: int) -> str | None:
        if at < 0:
            return None
        surname = text[at:at + 2] if text[at:at + 2] in self.compound_surnames else \
            first if at < len(text) and (first := text[at]) in self.surnames else None
        if surname is None:
            return None
        given_at = at + len(surname)
        size = 0
        while size < 2 and given_at + size < len(text):
            ch = text[given_at + size]
            if not is_cjk(ch) or ch in self.function_chars or \
                    (size == 1 and self._stops_name(text, given_at + size)):
                break
            size += 1
        if size == 0 or (size == 1 and self._stops_name(text, given_at)):
            return None
        name = text[at:given_at + size]
        blocked = name[-1] in "会部委局处办厅院所站队团组班" or not self.not_given_chars.isdisjoint(name[1:])
        return None if blocked else name
