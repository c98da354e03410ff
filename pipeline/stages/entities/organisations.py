"""Organisations (ORG): national bodies, bodies after a place or level word, Party units of the
democratic parties, universities after a place (and their own bodies), departments and
associations after an anchor, companies."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...textnorm import is_cjk
from .common import END_START, SPAN, Found, Positions, WordSpans, proposal
from .places import cut_across_word

# What EntityRules mixes this with, shown to the type checker only (see rules.py).
if TYPE_CHECKING:
    from .base import RuleBase as _Mixed
else:
    _Mixed = object


class OrganisationRules(_Mixed):
    """Mixin of `EntityRules`: the organisation rules, and the anchoring they share with venues."""

    @staticmethod
    def anchor_marks(text: str, words: WordSpans, anchors: dict[int, int]) -> bytearray:
        """A byte for each position of `text` and its end, 1 where an anchor of `_nearest_anchor`
        may end: one of `anchors` (end -> start), or after a level word's last character."""
        marks = bytearray(len(text) + 1)
        for _, end in words["level_word_tails"]:
            marks[end] = 1
        for end in anchors:
            marks[end] = 1
        return marks

    def _nearest_anchor(self, text: str, at: int, anchors: dict[int, int], marks: bytearray,
                        max_filler: int) -> tuple[int, int] | None:
        """Start of the nearest anchor (place, body or clean level word) left of `at`, and how
        many characters lie between it and `at`. It is looked for before what lies between is
        tested: where there is none, nothing need be. `marks` are `anchor_marks` of `anchors`:
        the positions that may end one are found in compiled code, not tried one by one."""
        low = max(at - max_filler, 1)
        anchor_end = marks.rfind(1, low, at + 1)
        while anchor_end >= 0:
            if anchor_end in anchors:
                return anchors[anchor_end], at - anchor_end
            # A level character right after a place (白鹭湾村|乡贤…) is part of a word, not a level.
            start = self.level_before(text, anchor_end)
            if start is not None:
                return start, at - anchor_end
            anchor_end = marks.rfind(1, low, anchor_end)
        return None

    def _name_filler_allowed(self, text: str, at: int, filler: int) -> bool:
        """Whether the `filler` characters between a name's anchor and `at`, its suffix, run over
        no clause: no stretch of them that ends at `at` holds a function or generic character, a
        standard body, or a verb other than those names contain; a 和 that joins two fields
        (发展和改革) is dropped. The longest stretch decides most of it: a shorter one, its 和
        dropped, is a tail of the longest with that 和 dropped or kept, so its characters, bodies
        and verbs are the longest's too. Only a function character or a verb in the longest
        makes each stretch count, since a word that names hold (经济, 投资) may cover it in one
        stretch and not in another."""
        longest = self.joined_fields.sub("", text[at - filler:at])
        if not self.filler_blockers.isdisjoint(longest) or self.body.search(longest) is not None:
            return False
        function_chars = self.not_in_name.search(longest) is not None
        verbs = self.has_verb(longest)
        # The longest stretch first, which holds what the others hold and mostly decides: a filler
        # turned down is then turned down at once. A verb is two characters or more, so a stretch
        # of one is read only for a function character.
        for size in range(filler, 0 if function_chars else 1, -1) if function_chars or verbs else ():
            stretch = self.joined_fields.sub("", text[at - size:at])
            if function_chars and self._filler_blocked(stretch) or verbs and self._has_clause_verb(stretch):
                return False
        return True

    def _filler_blocked(self, filler: str) -> bool:
        return self.not_in_name.search(self.function_char_words.sub("", filler)) is not None

    def organisations(self, text: str, words: WordSpans, places: list[Found],
                      bounds: Positions | None = None) -> list[Found]:
        """`words`, where the word families occur in `text`; `bounds`, where the words of a
        segmented text start or end, tells a party's short name (民建) from the same characters
        across words (居民|建房)."""
        found = self._parties(text, words["parties"], bounds) + self._leading_groups(text, words["leading_groups"])
        place_at = self._place_anchors(text, places)
        universities = self._universities(text, words["university_suffixes"], places)
        found += universities
        place_at.update(map(END_START, universities))
        ends = frozenset(place_at)
        found += [proposal(start, end, "ORG") for start, end in words["national_orgs"]]
        for at, end in words["bodies"]:
            start = self._body_start(text, at, place_at, ends)
            # 直辖|市政府: a level word that ends the word before it (not a function word jieba
            # glues on, 由县|妇联) is no level word of a body; 政府|性债务: the body's last character
            # starts another word.
            if start is None or not self.is_suffix(text, end - 1) or (
                    cut_across_word(start, end, bounds) and text[start - 1] not in self.function_chars):
                continue
            if text[max(0, start - 2):start] == "中共":
                start -= 2
            found.append(proposal(start, end, "ORG"))
        found += [proposal(place_at.get(start, start), end, "ORG") for start, end in words["standalone_bodies"]]
        found += [proposal(place_at[start], end, "ORG") for start, end in words["place_bodies"]
                  if start in place_at and self.is_suffix(text, end - 1)]
        found += self._party_units(text, words["parties"], places)
        anchors = dict(place_at)
        anchors.update(map(END_START, found))
        foreign_ends = frozenset(end for end, start in place_at.items() if text[start:end] in self.country_names)
        found += self._departments(text, words, anchors, foreign_ends,
                                   dict(map(END_START, places)) | place_at)
        for at, end in words["company_suffixes"]:
            start = self._company_start(text, at, place_at)
            if start is not None:
                found.append(proposal(start, end, "ORG"))
        return found

    def _universities(self, text: str, suffixes: Sequence[tuple[int, int]], places: list[Found]) -> list[Found]:
        """A university right after a place of any length, its field between (某省工业大学);
        the word before 大学 must be that place or field, so 新时代大学习 names none."""
        if not suffixes:
            return []  # most reports: no table of the places' ends to make
        place_at = dict(map(END_START, places))
        found = []
        for at, end in suffixes:
            field = next((w for w in self.university_fields if text.startswith(w, at - len(w))), "")
            stem_end = at - len(field)
            # jieba keeps 某省大学 as one word, so a short name there was never proposed as a place.
            start = place_at.get(stem_end, next((stem_end - k for k in (3, 2) if self._division_name(text[stem_end - k:stem_end])), None))
            if start is not None and not text.startswith("习", end):
                found.append(proposal(start, end, "ORG"))
        return found

    def _division_name(self, name: str) -> bool:
        return name in self.gazetteer.shorts or name in self.gazetteer.code_of

    def _parties(self, text: str, parties: Sequence[tuple[int, int]], bounds: Positions | None) -> list[Found]:
        """The democratic parties by any of their names, alone (民革、民盟, 九三学社)."""
        found = []
        for start, end in parties:
            if text[start:end] in self.party_words_in_words:
                alone = (start in bounds and end in bounds) if bounds is not None else \
                    self.boundary_before(text, start) and not text[end:end + 1] in self.party_word_tails
                if not alone:
                    continue
            found.append(proposal(start, end, "ORG"))
        return found

    def _leading_groups(self, text: str, groups: Sequence[tuple[int, int]]) -> list[Found]:
        """Leading groups after their owner alone (党委统战工作领导小组) or named bare; a place
        before the owner makes a longer name, found as a body's."""
        found = []
        for start, end in groups:
            owner = next((o for o in self.leading_group_owners if text.startswith(o, start - len(o))), "")
            found.append(proposal(start - len(owner), end, "ORG"))
        return found

    def _place_anchors(self, text: str, places: list[Found]) -> dict[int, int]:
        """End -> start of the places a body's name may begin with: any but the short names a
        report shortens its own places to (萍乡), whose end may fall inside a word; foreign
        places and Hong Kong, Macao and Taiwan are whole words (香港|某某同乡会)."""
        # A short name of a place the report names in full too (某县 … 某工商联) is that place.
        named_in_full = {f.code for f in places if f.end - f.start >= 3 and f.code is not None}
        return {f.end: f.start for f in places
                if f.end - f.start >= 3 or text[f.start:f.end] in self.country_names or f.code in named_in_full}

    def _party_units(self, text: str, parties: Sequence[tuple[int, int]], places: list[Found]) -> list[Found]:
        """A democratic party's local organisation: the party, its place or level, the unit
        (民盟某某州委, 九三学社某某市委, 民建某某支部, 致公党某某基层委员会). The place may be one the
        report names nowhere else, so any short clean stem will do."""
        if not parties:
            return []  # most reports: no set of the places' spans to make
        place_spans = set(map(SPAN, places))
        found = []
        for party_start, party_end in parties:
            for unit in self.party_unit_after.finditer(text, party_end, party_end + self.p["party_max_place"] + 6):
                place = text[party_end:unit.start(1)]
                known = (party_end, unit.start(1)) in place_spans or place in self.level_words or \
                    place in self.national_prefixes
                stem = place.rstrip("".join(self.level_chars))
                if known or (2 <= len(stem) and len(place) <= self.p["party_max_place"] and
                             self.clean_stem(stem) and not self._has_clause_verb(place)):
                    found.append(proposal(party_start, unit.end(1), "ORG"))
                break
        return found

    def _body_start(self, text: str, at: int, place_at: dict[int, int], ends: frozenset[int]) -> int | None:
        """Start of a standard body's name at `at`: its place or level word, with a Party
        committee's 委 or 党委 between (县委统战部, 自治区党委统战部), or a national prefix."""
        for committee in self.committee_words:
            end = at - len(committee)
            if end >= 0 and text.startswith(committee, end):
                start = place_at[end] if end in place_at else self.level_before(text, end, ends)
                if start is not None:
                    return start
                # 党委统战部 of a university or a company: the Party committee of the report's own body.
                if committee in self.own_committees and self.boundary_before(text, end, ends):
                    return end
        # All the prefixes tested at once in compiled code first: most bodies have none.
        if text.endswith(self.national_prefixes, 0, at):
            return at - len(next(n for n in self.national_prefixes if text.endswith(n, 0, at)))
        return place_at[at] if at in place_at else self.level_before(text, at, ends)

    def _departments(self, text: str, words: WordSpans, anchors: dict[int, int],
                     foreign_ends: frozenset[int], places_at: dict[int, int]) -> list[Found]:
        """Departments, courts and associations: an anchor, a filler naming the field, a suffix
        (县农业农村局, 县人民法院, 清溪县青年企业家商会). A foreign place, Hong Kong, Macao or
        Taiwan anchors only an association (香港某某同乡会), not an office (香港|国际金融中心).
        A place names a chamber with nothing between (某镇商会), and the place it is of may lead
        it (某市|某县|商会: the chamber in 某市 of those from 某县)."""
        found = []
        least_filler = self.p["department_suffixes"]
        suffixes = words["department_suffixes"]
        marks = self.anchor_marks(text, words, anchors) if suffixes else bytearray()
        for at, end in suffixes:
            suffix = text[at:end]
            # 举办, 开办: the suffix ends a verb here, not a department's name.
            if not self.is_suffix(text, end - 1) or self._ends_verb(text, end):
                continue
            anchored = self._nearest_anchor(text, at, anchors, marks, self.p["department_max_filler"])
            if anchored is None:
                continue
            filler = anchored[1]
            placed = filler == 0 and at in places_at and suffix in self.place_named_suffixes
            # Too short a filler rules the name out whatever it holds, so it is tested only after.
            if filler < (0 if placed else least_filler[suffix]) or not self._name_filler_allowed(text, at, filler):
                continue
            # 县医院, 县中医院, 县级医院: a level word alone, or its rank (级), before a generic
            # institution names none in particular.
            if at - filler not in anchors and text[at - filler:end].removeprefix("级") in self.generic_institutions:
                continue
            if placed:
                while anchored[0] in places_at and places_at[anchored[0]] < anchored[0]:
                    anchored = (places_at[anchored[0]], 0)
            if text[at - filler] in self.function_chars or (at - filler in foreign_ends and not suffix.endswith("会")):
                continue
            name = text[anchored[0]:end]
            if not name.endswith(self.not_department_tails) and not name.endswith(self.venue_endings):
                found.append(proposal(anchored[0], end, "ORG"))
        return found

    def _ends_verb(self, text: str, end: int) -> bool:
        boundary_words, non_verbs = self.boundary_words, self.non_verb_boundary_words
        pair = text[end - 2:end]
        if pair in boundary_words and pair not in non_verbs:
            return True
        # A verb of three characters ends with a pair that ends a longer boundary word: the three
        # are cut out (a slice costs some thousand instructions) only after that pair.
        return pair in self.long_boundary_end_pairs and (triple := text[end - 3:end]) in boundary_words and \
            triple not in non_verbs

    def _has_clause_verb(self, words: str) -> bool:
        return self.has_verb(self.department_filler_words.sub("|", words))

    def _venue_filler_allowed(self, text: str, at: int, filler: int) -> bool:
        """Whether the `filler` characters between a venue's anchor and `at`, its suffix, hold no
        venue's suffix (某镇乡贤馆|开馆 is not one name), no 内 or 外 (县内外…基地: a level word
        before them names an area, not a venue's owner), and no stretch of them that ends at
        `at` a function character: decided by the longest stretch but for function characters
        (see `_name_filler_allowed`)."""
        longest = text[at - filler:at]
        if self.venue.search(longest) is not None or any(ending in longest for ending in self.not_place_stem_endings):
            return False
        return self.not_in_name.search(longest) is None or \
            not any(self._filler_blocked(text[at - size:at]) for size in range(1, filler + 1))

    def _company_start(self, text: str, at: int, place_at: dict[int, int], longest: int = 20) -> int | None:
        """Start of a company's name ending at `at`: leftwards to a boundary, or past a function
        character to the place that opens the name (某县|顺和茶业有限公司: 和 is in the brand)."""
        start = at
        while start > max(0, at - longest):
            before = text[start - 1]
            if not is_cjk(before) or before in self.function_chars:
                break
            if at - start >= 2 and self.boundary_word_ends_at(text, start):
                break
            start -= 1
        if start > 0 and text[start - 1] in self.function_chars:
            brand_head = next((end for end in range(start - 2, start - 2 - self.p["brand_head_max"], -1)
                               if end in place_at), None)
            if brand_head is not None and self.clean_stem(text[brand_head:start - 1].replace(text[start - 1], "")) and \
                    not self._has_clause_verb(text[brand_head:start - 1]):
                return place_at[brand_head]
        return start if at - start >= 2 else None
