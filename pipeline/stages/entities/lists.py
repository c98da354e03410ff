"""Names listed with 、 (建有甲商会、乙协会、丙同业会等, 陵江、东溪、白山等乡镇): items of one kind
named side by side, where one item's kind vouches for the others'. An item is an organisation
or a venue by its ending when another item of the list ends so too, and a place when the list
closes on a word for places (等乡镇) or when another item is a place already found; the items
are people when each reads as a name and the list closes on a word for people (等同志)."""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ...textnorm import CJK_CLASS
from .common import SPAN, START, Found, Positions, by_opening, matches_by_opening, proposal

# What EntityRules mixes this with, shown to the type checker only (see rules.py).
if TYPE_CHECKING:
    from .organisations import OrganisationRules
    from .people import PersonRules

    class _Mixed(OrganisationRules, PersonRules): ...
else:
    _Mixed = object

#: A name in parentheses: (某某商会), （某某协会）.
#: One pattern for each opening bracket (no match holds another's).
_BRACKETED = by_opening(("(", "（"), rf"{{opening}}([{CJK_CLASS}]{{3,20}})[)）]")
#: A run of list items: words of Chinese characters joined by 、 (no nested quantifiers).
#: It starts only where a run of characters starts, so a long run is read once, not once per character.
#: Possessive (`++`): a run not followed by 、 fails at once, without giving back its characters one by one.
_LIST = re.compile(rf"(?<![{CJK_CLASS}])[{CJK_CLASS}]++(?:、[{CJK_CLASS}]++)+")
#: A run of Chinese characters, matched in the reversed text: where the run before a 、 starts.
_RUN = re.compile(f"[{CJK_CLASS}]*")


def _lists(text: str) -> Iterator[re.Match[str]]:
    """What `_LIST.finditer(text)` finds, tried only where the run of characters before a 、
    starts: a list starts there, at its first 、, or nowhere (`re` would try it at every run,
    and a report has a 、 in a hundred characters). The run is matched backwards, in the
    reversed text; the runs before two 、 never overlap, so no character is read twice."""
    mark = text.find("、")
    if mark < 0:
        return
    backwards = text[::-1]
    size = len(text)
    free_from = 0
    while mark >= 0:
        run = _RUN.match(backwards, size - mark)
        assert run is not None  # `*`: it matches anywhere
        start = mark - (run.end() - run.start())
        match = _LIST.match(text, start) if free_from <= start < mark else None
        if match:
            yield match
            free_from = match.end()
        mark = text.find("、", max(mark + 1, free_from))


def _one_word(start: int, end: int, bounds: Positions | None) -> bool:
    """Whether text[start:end] is one word of the dictionary (电视大学、函授大学): a kind of body, not a body."""
    return bounds is not None and not bounds.any_within(start + 1, end)


def place_name_starts(places: list[Found], short_names: Sequence[tuple[int, int]]) -> list[int]:
    """Where a list's piece equal to a place or a short name could start, sorted (what
    `ListRules._may_name_at_all` reads)."""
    return sorted(set(map(START, places)).union(map(START, short_names)))


class ListRules(_Mixed):
    """Mixin of `EntityRules`: names in 、 lists."""

    def listed(self, text: str, places: list[Found], short_names: Sequence[tuple[int, int]],
               bounds: Positions | None = None) -> list[Found]:
        """`short_names`, where the gazetteer's short names occur (each occurrence); `bounds`,
        where the words of a segmented text start or end, tell where the first item starts
        (建有|成衣同业会) better than the boundary words alone."""
        p = self.p
        place_spans = set(map(SPAN, places))
        name_starts = place_name_starts(places, short_names)
        found: list[Found] = []
        for match in _lists(text):
            if not self._may_name_at_all(text, match.start(), match.end(), name_starts):
                continue
            pieces = self._list_pieces(text, match.start(), match.end())
            if not self._may_name(text, pieces, place_spans):
                continue
            items = self._list_items(text, pieces, bounds)
            if not items:
                continue
            if text.startswith(self.person_list_closers, items[-1][1]):
                found += self._listed_people(text, items)
                continue
            closer = next((c for c in self.list_place_closers if text.startswith(c, items[-1][1])), None)
            # 等乡村 closes no list of places: the closer's last character must end a word.
            closes_on_places = closer is not None and self.is_suffix(text, items[-1][1] + len(closer) - 1)
            by_kind: dict[str, list[tuple[int, int]]] = {"ORG": [], "FAC": [], "GPE": []}
            for start, end in items:
                item = text[start:end]
                # 县县有图书馆: a doubled level word says "every county", a goal, not a body;
                # 一网通办, 掌上办: 办 after a way of doing it is the verb of a service slogan.
                if item in p["generic_units"] or self._filler_blocked(item) or item[0] == item[1] or \
                        (item.endswith("办") and item[:-1].endswith(tuple(p["ways_of_service"]))):
                    continue
                if (start, end) in place_spans or (item in self.gazetteer.shorts and item not in self.gazetteer.short_words):
                    by_kind["GPE"].append((start, end))
                elif item.endswith(self.venue_endings) and len(item) >= 4 and not _one_word(start, end, bounds):
                    by_kind["FAC"].append((start, end))
                elif item.endswith(self.list_org_endings) and len(item) >= 3 and not _one_word(start, end, bounds):
                    by_kind["ORG"].append((start, end))
                elif closes_on_places and 2 <= len(item) <= 3 and self.clean_stem(item):
                    by_kind["GPE"].append((start, end))
            if len(by_kind["ORG"]) >= p["roster_min_bodies"]:
                by_kind["ORG"] += self._roster_bodies(text, pieces[1:], by_kind["ORG"], bounds)
            for label, spans in by_kind.items():
                known = sum(span in place_spans for span in spans) if label == "GPE" else 0
                if len(spans) >= 2 and (label != "GPE" or known or closes_on_places):
                    found += [proposal(start, end, label) for start, end in spans]
        return found

    def _roster_bodies(self, text: str, pieces: list[list[int]], bodies: list[tuple[int, int]],
                       bounds: Positions | None) -> list[tuple[int, int]]:
        """In a roster, a list where several items already read as bodies (a yearbook's 内设机构:
        办公室、民族工作处、…), the other items after the first that end as a body does are
        bodies by their whole item, though a function character or a verb inside would stop a
        name elsewhere: divisions are named for what they do (台湾工作与事务处, 离退休人员工作处)."""
        taken = set(bodies)
        generic = self.p["generic_units"]
        return [(start, end) for start, end in pieces
                if (start, end) not in taken and end - start >= 3 and text.endswith(self.list_org_endings, start, end)
                and text[start:end] not in generic and not _one_word(start, end, bounds)]

    def bracketed(self, text: str) -> list[Found]:
        """A body or venue named alone in parentheses (组建行业协会2个(某某协会)), by its ending."""
        found = []
        for match in matches_by_opening(_BRACKETED, text):
            name = match.group(1)
            # (委员会), (协会): an ending alone names a kind of body, not one body.
            if self._filler_blocked(name) or self._has_clause_verb(name) or name in self.p["generic_units"] or \
                    name in self.p["list_org_endings"] or name in self.p["department_suffixes"]:
                continue
            label = "FAC" if name.endswith(self.venue_endings) else "ORG" if name.endswith(self.list_org_endings) else None
            if label:
                found.append(proposal(match.start(1), match.end(1), label))
        return found

    def _first_item_start(self, text: str, start: int, end: int, bounds: Positions | None) -> int:
        """Where the first item of a list starts: after the last verb, lead-in or function
        character before it (组织会员到|甲遗址, 建有|甲商会, 吸引|泰国), on a word boundary when
        the text is segmented. Words that names hold (工作, 烹饪) are no such verb."""
        masked = self.department_filler_words.sub(lambda m: "|" * len(m.group()), text[start:end])
        # Every position read lies in the text: the bounds' bytes are read directly, and the
        # character before each once, against the lead-ins and function characters together.
        word_bounds = bounds.marks if bounds is not None else None
        for at in range(end - 2, start, -1):
            if (word_bounds is None or word_bounds[at]) and (
                    text[at - 1] in self.list_item_openers or self.boundary_word_ends_at(masked, at - start)):
                return at
        return start

    def _listed_people(self, text: str, items: list[tuple[int, int]]) -> list[Found]:
        """A list closed as one of people (…等同志): every item, if each reads as a name."""
        named = [(start, end) for start, end in items if len(self._name_at(text, start) or "") == end - start]
        return [proposal(start, end, "PERSON") for start, end in named] if len(named) == len(items) else []

    def _may_name_at_all(self, text: str, start: int, end: int, name_starts: list[int]) -> bool:
        """What `_may_name` needs of the list run text[start:end], tested on the run before it is cut
        into pieces (most lists name nothing): a closer's first character after its last 、, or
        after its first 、 a character that ends a name's ending, or the start of a place or a
        short name."""
        first_mark = text.find("、", start, end)
        last_mark = text.rfind("、", start, end)
        if self.list_closer_head.search(text, last_mark + 1, end + 1) or \
                self.listed_name_ending_tail.search(text, first_mark + 1, end):
            return True
        at = bisect_left(name_starts, first_mark + 1)
        return at < len(name_starts) and name_starts[at] < end

    def _may_name(self, text: str, pieces: list[list[int]], place_spans: set[tuple[int, int]]) -> bool:
        """Whether the list can name anything, before its first item's start is worked out (the
        costly part): a kind needs two items and the first is one, so another must end as a name
        does, unless a closer for people or places follows one of them."""
        # Plain loops: most lists are turned down here, and a generator costs more than the tests.
        closers, closer_heads = self.list_closers, self.list_closer_heads
        # The pieces before the last (and its tail, if one was split off) end at a 、, which starts no closer.
        for _, end in pieces[-2:]:
            if text[end:end + 1] in closer_heads and text.startswith(closers, end):
                return True
        endings, ending_tails, shorts = self.listed_name_endings, self.listed_name_ending_tails, self.gazetteer.shorts
        for start, end in pieces[1:]:
            if text[end - 1] in ending_tails and text.endswith(endings, start, end) or (start, end) in place_spans or \
                    text[start:end] in shorts:
                return True
        return False

    def _list_pieces(self, text: str, start: int, end: int) -> list[list[int]]:
        """The pieces of the list run text[start:end] between its 、, the last one ending before a
        function character (乙协会|等), and 和 or 及 there splitting off one more (甲科和乙科)."""
        pieces = []
        at = start
        while (mark := text.find("、", at, end)) >= 0:
            pieces.append([at, mark])
            at = mark + 1
        last = [at, end]
        pieces.append(last)
        function_char = self.function_char.search(text, last[0] + 1, last[1])
        cut = function_char.start() if function_char else last[1]
        tail = (cut + 1, last[1]) if text[cut:cut + 1] in self.list_joiners else None
        last[1] = cut
        if tail is not None:
            outside = self.not_in_name.search(text, tail[0], tail[1])
            pieces.append([tail[0], outside.start() if outside else tail[1]])
        return pieces

    def _list_items(self, text: str, pieces: list[list[int]], bounds: Positions | None) -> list[tuple[int, int]]:
        """The items of a list from its pieces: the first begins after the last lead-in word or
        function character before it (建有|甲商会)."""
        first = pieces[0]
        first[0] = self._first_item_start(text, first[0], first[1], bounds)
        # The items at either end border the sentence: a verb in one means it runs on into a clause.
        return [(a, b) for i, (a, b) in enumerate(pieces) if b - a >= 2 and
                not (i in (0, len(pieces) - 1) and self._has_clause_verb(text[a:b]))]
