"""Venues (FAC): quoted names ending in a venue word, and venues anchored by a place or body."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .common import END_START, QUOTED, Found, WordSpans, proposal

# What EntityRules mixes this with, shown to the type checker only (see rules.py).
if TYPE_CHECKING:
    from .organisations import OrganisationRules as _Mixed
else:
    _Mixed = object


class VenueRules(_Mixed):
    """Mixin of `EntityRules`: the venue rules."""

    def venues(self, text: str, words: WordSpans, places: list[Found], orgs: list[Found]) -> list[Found]:
        found = []
        for match in QUOTED.finditer(text):
            inner = match.group(1)
            # A venue's suffix ends the name, so its last character tells most quotes (slogans) apart.
            if inner[-1] in self.venue_ending_tails and (venue := self.venue.search(inner)) and \
                    venue.end() == len(inner) and len(inner) >= 3:
                found.append(proposal(match.start(1), match.end(1), "FAC"))
        suffixes = words["venue_suffixes"]
        if not suffixes:
            return found  # no table of anchors to make
        anchors = {f.end: f.start for f in places if f.end - f.start >= 3}
        anchors.update(map(END_START, orgs))
        marks = self.anchor_marks(text, words, anchors)
        for at, end in suffixes:
            # 开馆, 建站: the suffix ends a verb here, not a venue's name.
            if self._ends_verb(text, end):
                continue
            anchored = self._nearest_anchor(text, at, anchors, marks, self.p["venue_max_filler"])
            if anchored is not None and self._venue_filler_allowed(text, at, anchored[1]):
                found.append(proposal(anchored[0], end, "FAC"))
        return found
