"""Events: congresses, plenums, the two sessions, numbered sessions and named meetings."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...textnorm import CJK_CLASS
from .common import (CN_DIGIT, END_START, Found, WordSpans, after_numerals, by_opening, matches_before,
                     matches_by_opening, matches_holding, occurrences, proposal)

# What EntityRules mixes this with, shown to the type checker only (see rules.py).
if TYPE_CHECKING:
    from .organisations import OrganisationRules as _Mixed
else:
    _Mixed = object

#: A party congress (党的二十大, 中共十九大), one pattern per opening (no match of one holds a match of
#: the other).
_CONGRESSES = by_opening(("党的", "中共"), rf"{{opening}}[{CN_DIGIT}]{{1,3}}大")
#: A year written bare before a name. The check for a digit or point before it comes after its
#: first two digits (of the three characters behind): a pattern opening with an assertion is
#: tried at every character, one opening with 19 or 20 only where they stand (one pattern for
#: each: no match starts inside another, which has a digit at each place).
_BARE_YEAR = by_opening(("19", "20"), rf"{{opening}}(?<![\d.]..)\d{{2}}(?=[{CJK_CLASS}])(?!年|届|次|多|余|万|亿|个|名|人|家|元|项)")
#: A body's number right before it (第一届|全国人民代表大会, 十三届|全国人大).
_BODY_NUMBER = re.compile(rf"第?(?<![{CN_DIGIT}])[{CN_DIGIT}]{{1,3}}届$")
#: What opens a congress's name before its scope (中国共产党第十二次|全国代表大会, 党的第十次|全国代表大会,
#: 中国共产党|全国代表会议): the party and the congress's number. A term's number alone (第四届|全国人民
#: 代表大会) numbers a body, not a meeting.
_CONGRESS_LEAD = re.compile(rf"(?:(?:中国共产党|中共)的?|党的)(?:第[{CN_DIGIT}]{{1,3}}[次届])?$|第[{CN_DIGIT}]{{1,3}}次$|$")
#: How far before its 届 or 次 a numbered session starts at most: 第 and a number of three numerals.
_SESSION_LEAD = 4
#: A plenum (十九届四中全会), tried only before a 届 (`matches_before`), which every match holds once.
_PLENUM = re.compile(rf"(?:党的|[省市区县州旗]委)?(?<![{CN_DIGIT}])[{CN_DIGIT}]{{1,3}}届[{CN_DIGIT}]{{1,3}}(?:中|次)全会")
#: How far before its 届 a plenum starts at most: 党的 or 某委 and a number of three numerals.
_PLENUM_LEAD = 5


class EventRules(_Mixed):
    """Mixin of `EntityRules`: the event rules."""

    def events(self, text: str, words: WordSpans, places: list[Found], orgs: list[Found],
               dates: list[Found]) -> list[Found]:
        found = [proposal(m.start(), m.end(), "EVENT") for m in matches_by_opening(_CONGRESSES, text)]
        if "全会" in text:
            found += [proposal(m.start(), m.end(), "EVENT")
                      for m in matches_before(_PLENUM, text, occurrences(text, "届"), _PLENUM_LEAD)]
        found += [proposal(m.start(), m.end(), "EVENT") for m in matches_holding("两会", self.two_sessions, text)
                  if self.boundary_before(text, m.start())]
        found += self._sessions(text, places, orgs)
        if "周年" in text:
            found += [proposal(m.start(), m.end(), "EVENT")
                      for m in matches_before(self.anniversary, text, occurrences(text, "周年"), self.anniversary_lead)]
        scopes = list(words["event_scopes"])
        scopes += [(f.start, f.end) for f in places if f.end - f.start >= 3]
        # A year names its meeting too (2024年度新乡贤工作推进会), when the topic is no clause.
        years = [(f.start, f.end) for f in dates if text[f.end - 1] in "年度"]
        # A year written bare before a name leads it too (2023某某峰会).
        years += [m.span() for m in matches_by_opening(_BARE_YEAR, text)]
        for start, end in scopes + years:
            match = self.event_suffix.match(text, end)
            if match and not self._filler_blocked(match.group()) and \
                    not any(w in match.group() for w in ("召开", "举办", "参加", "出席")) and \
                    ((start, end) not in years or self._year_names_topic(match.group("topic"))):
                if (start, end) not in years:
                    lead = _CONGRESS_LEAD.search(text, max(0, start - 12), start)
                    assert lead is not None  # its last alternative, `$`, matches anywhere
                    start = lead.start()
                found.append(proposal(start, match.end(), "EVENT"))
        return found

    def _year_names_topic(self, topic: str) -> bool:
        """Whether a year leads a meeting's own name (2024年度新乡贤工作推进会), not just dates a
        meeting named without it (1990年|七届全国人大三次会议, 2024年|全县…会议)."""
        return topic[0] not in CN_DIGIT + "第" and self.event_scope.match(topic) is None and \
            not any(ch in self.filler_blockers or ch in "届次" for ch in topic) and not self._has_clause_verb(topic)

    def _session_matches(self, text: str) -> Iterator[re.Match[str]]:
        """What `self.session.finditer(text)` finds, tried only just before a numeral's 届 or 次,
        which every match holds right after its number (`re` would try it at nearly every
        character): the leftmost match first, the next after its end."""
        return matches_before(self.session, text, after_numerals(text, "届次", CN_DIGIT), _SESSION_LEAD)

    def _sessions(self, text: str, places: list[Found], orgs: list[Found]) -> list[Found]:
        """Numbered meetings: after a body (县政协十届三次会议), a place or level word
        (县第十五次党代会), or at a boundary when the topic names something (第五次全国…表彰大会)."""
        anchors = dict(map(END_START, orgs))
        anchors.update({f.end: f.start for f in places if f.end - f.start >= 3})
        found = []
        for match in self._session_matches(text):
            topic = match.group("topic")
            if topic and (self._filler_blocked(topic) or self._has_clause_verb(topic)):
                continue
            at = match.start()
            start = anchors.get(at, self.level_before(text, at))
            # 第一届|全国人民代表大会|第一次会议: the body's own number opens the meeting's name.
            if start is not None:
                numbered = _BODY_NUMBER.search(text, max(0, start - 6), start)
                start = numbered.start() if numbered else start
            # A numbered national or provincial meeting names itself wherever it stands (宣讲十七次全国
            # 统战工作会议): its scope and a topic after the number.
            # A count of meetings (三次全省会议) has a scope and no topic.
            scope = self.event_scope.match(topic)
            subject = topic[scope.end():] if scope else topic.strip(CN_DIGIT + "第届次中")
            if start is None and (scope or self.boundary_before(text, at)) and len(subject) >= 2:
                start = at
            if start is not None:
                found.append(proposal(start, match.end(), "EVENT"))
        return found
