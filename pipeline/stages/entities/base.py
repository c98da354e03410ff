"""The data every entity rule reads, loaded once, and the boundaries every rule respects: where
a name may start, where a suffix ends one, where a level word begins one."""
from __future__ import annotations

import re

from ...data import data_lines
from ...textnorm import CJK_CLASS
from .common import CN_DIGIT, NUM, WordFamilies, alternation, patterns, skip_to
from .gazetteer import Gazetteer


#: The lists of `entity_patterns.json` that are searched for in a whole text.
_SEARCHED_FAMILIES = ("national_orgs", "parties", "bodies", "standalone_bodies", "place_bodies", "company_suffixes",
                      "university_suffixes", "venue_suffixes", "department_suffixes", "leading_groups", "honorifics",
                      "person_before", "person_after", "person_titles_after", "person_kin_after", "byline_cues",
                      "event_scopes", "county_suffixes", "town_suffixes")


def _require(holds: bool, problem: str) -> None:
    """A check of `entity_patterns.json` that the fast paths rely on; unlike `assert`, kept under
    `python -O`."""
    if not holds:
        raise ValueError(f"pipeline/data/entity_patterns.json: {problem}")


class RuleBase:
    """Loads the patterns and word lists; the kind-specific rules are mixins over this."""

    def __init__(self) -> None:
        p = patterns()
        self.p = p
        self.gazetteer = Gazetteer()
        self.not_places = frozenset(data_lines("gazetteer/not_places.txt"))
        self.verbs = frozenset(data_lines("gazetteer/boundary_words.txt"))
        self.boundary_words = self.verbs | frozenset(p["lead_words"])
        #: The first two characters of the verbs longer than two (`has_verb`).
        self.long_verb_heads = frozenset(verb[:2] for verb in self.verbs if len(verb) > 2)
        #: A suffix character and the character after it where the suffix starts another word (乡贤, 市场).
        self.not_suffix_pairs = frozenset(ch + after for ch, afters in p["not_suffix_before"].items() for after in afters)
        self.suffix_despite = frozenset(p["suffix_despite"])
        _require(all(len(word) == 3 and word[:2] in self.not_suffix_pairs for word in self.suffix_despite),
                 "a word of suffix_despite is not a pair of not_suffix_before and one character: `is_suffix` reads three")
        self.function_chars = frozenset(p["function_chars"])
        #: What no stretch of a name holds: a character other than a Chinese one, or a function character.
        self.function_char = re.compile(f"[{re.escape(''.join(sorted(self.function_chars)))}]")
        self.not_in_name = re.compile(f"[^{CJK_CLASS}]|{self.function_char.pattern}")
        # `CJK_CLASS` is ranges (first-last): every character below the lowest first is no Chinese
        # one, and every one of the first range (the main block) is.
        _require(CJK_CLASS[1::3] == "-" * (len(CJK_CLASS) // 3), "textnorm.CJK_CLASS is no run of ranges")
        self.below_cjk = min(CJK_CLASS[0::3])
        self.main_cjk_first, self.main_cjk_last = CJK_CLASS[0], CJK_CLASS[2]
        self.function_char_words = re.compile(alternation(p["function_char_words"]))
        self.generic_chars = frozenset(p["generic_chars"])
        #: The characters besides those other than Chinese ones that no stem of a place holds.
        self.stem_blockers = self.function_chars | self.generic_chars | frozenset("区县市乡镇村街省州")
        #: What no stem of a place holds: a character other than a Chinese one, or a blocker.
        self.not_in_stem = re.compile(f"[^{CJK_CLASS}]|[{re.escape(''.join(sorted(self.stem_blockers)))}]")
        self.numerals = frozenset(p["numeral_chars"])
        #: Blockers that end no town's stem, as numerals may (八一村, `town_stem`).
        self.town_stem_end_blockers = self.stem_blockers - self.numerals
        _require(min(self.numerals) >= self.below_cjk,
                 "a numeral is no Chinese character: `_towns` would turn down a stem ending with it")
        self.numeral_string = "".join(sorted(self.numerals))
        # Numerals may stand inside a body's name (五金机电商会, 第一人民医院); 全 各 本 may not.
        self.filler_blockers = self.generic_chars - self.numerals - {"第"}
        self.not_given_chars = frozenset(p["person_not_given"])
        self.numeral_stem_blockers = frozenset(p["numeral_stem_blockers"])
        self.not_place_stems = frozenset(p["not_place_stems"]) | frozenset(data_lines("gazetteer/verbal_nouns.txt"))
        self.lone_verb_chars = frozenset(p["lone_verb_chars"])
        self.not_place_stem_endings = tuple(p["not_place_stem_endings"])
        self.country_names = frozenset(data_lines("gazetteer/countries.txt"))
        self.place_word_heads = frozenset(p["place_word_heads"])
        self.level_words = tuple(sorted(p["level_words"], key=len, reverse=True))
        #: The level words by their last character, longest first: those that can end at a position.
        self.level_words_ending: dict[str, tuple[str, ...]] = {}
        for word in self.level_words:
            self.level_words_ending[word[-1]] = (*self.level_words_ending.get(word[-1], ()), word)
        self.committee_words = tuple(p["committee_words"])
        self.national_prefixes = tuple(p["national_prefixes"])
        self.relative_levels = p["relative_levels"]
        #: Level suffix -> each relative level word it stands for, with its rank among that word's suffixes.
        self.relative_levels_by_suffix: dict[str, tuple[tuple[str, int], ...]] = {}
        for level, suffixes in self.relative_levels.items():
            for rank, suffix in enumerate(suffixes):
                self.relative_levels_by_suffix[suffix] = (*self.relative_levels_by_suffix.get(suffix, ()), (level, rank))
        self.relative_level_sizes = sorted({len(word) for word in self.relative_levels}, reverse=True)
        _require(not any(a != b and b.startswith(a) for a in self.relative_levels for b in self.relative_levels),
                 "a relative level word starts another: `_canonical` would read the longest")
        self.county_levels = frozenset(p["county_levels"])
        self.place_level_suffix_set = frozenset(p["place_level_suffixes"])
        self.place_level_sizes = sorted({len(suffix) for suffix in p["place_level_suffixes"]}, reverse=True)
        # Read with `each_start`; the first group is written out so that `re` can skip to its first characters.
        ethnic_group = alternation(p["ethnic_groups"])
        self.ethnic_area = re.compile(f"((?:{ethnic_group})(?:{ethnic_group})*)({alternation(p['ethnic_area_suffixes'])})")
        #: A match's last group ends with 族 and its suffix follows: each holds one of these pairs.
        _require(all(group.endswith("族") for group in p["ethnic_groups"]),
                 "an ethnic group does not end with 族: `ethnic_area_joints` would skip its areas")
        self.ethnic_area_joints = tuple(sorted({"族" + suffix[0] for suffix in p["ethnic_area_suffixes"]}))
        self.body = re.compile(alternation(p["bodies"]))
        self.department_filler_words = re.compile(alternation(p["department_filler_words"]))
        # 发展和改革, 人力资源和社会保障: two fields of one department, joined by 和. A leading 和
        # lets the scan go on leftwards to the first field; a name never starts with it.
        name_ends = "".join(sorted({word[-1] for word in (*p["department_suffixes"], *p["bodies"])}))
        self.joined_fields = re.compile(rf"(?:^|(?<=[{CJK_CLASS}])(?<![{name_ends}]))和(?=[{CJK_CLASS}]{{2}})")
        self.not_department_tails = tuple(p["not_department_tails"])
        self.party = re.compile(alternation(p["parties"]))
        self.party_last_chars = frozenset(name[-1] for name in p["parties"])
        self.party_words_in_words = frozenset(p["party_words_in_words"])
        self.party_word_tails = frozenset(p["party_word_tails"])
        #: What a list's first item starts after (`_first_item_start`): a lead-in or a function character.
        self.list_item_openers = frozenset(p["list_lead_ins"]) | self.function_chars
        self.list_joiners = frozenset(p["list_joiners"])
        self.own_committees = frozenset(p["own_committees"])
        self.name_tags = frozenset(p["name_tags"])
        self.not_after_short_place = tuple(p["not_after_short_place"])
        self.person_list_closers = tuple(p["person_list_closers"])
        self.list_place_closers = tuple(p["list_place_closers"])
        self.list_closers = self.person_list_closers + self.list_place_closers
        #: The first characters of the closers: one probe before a test of each (`_may_name`).
        self.list_closer_heads = frozenset(closer[0] for closer in self.list_closers)
        _require("、" not in self.list_closer_heads, "a list's closer starts with 、: `_may_name` would miss it")
        self.leading_group_owners = tuple(sorted(p["leading_group_owners"], key=len, reverse=True))
        #: Each democratic party's names, short and full, -> its full name (民盟 -> 中国民主同盟).
        self.party_names = {name: full for full, names in p["party_names"].items() for name in (full, *names)}
        # The first unit after a party name, not inside a longer word (委员会, not 委员 of 委员会议).
        self.party_unit_after = re.compile(f"(?=({alternation(p['party_units'])})(?!会议|长|员))")
        self.level_chars = frozenset(ch for word in p["level_words"] for ch in word)
        self.place_named_suffixes = frozenset(p["place_named_suffixes"])
        self.university_fields = tuple(sorted(p["university_fields"], key=len, reverse=True))
        self.venue = re.compile(alternation(p["venue_suffixes"]))
        # Read with `str.endswith`, on names that never end in a line break.
        self.venue_endings = tuple(p["venue_suffixes"])
        #: The last characters of those: one probe before a search of a quoted name (`venues`).
        self.venue_ending_tails = frozenset(ending[-1] for ending in self.venue_endings)
        self.list_org_endings = tuple(p["list_org_endings"])
        self.listed_name_endings = self.venue_endings + self.list_org_endings
        #: The last characters of those endings: one probe before a test of each (`_may_name`).
        self.listed_name_ending_tails = frozenset(ending[-1] for ending in self.listed_name_endings)
        #: Those last characters, and the closers' first ones, as classes: looked for in a whole
        #: list run in compiled code (`_may_name_at_all`).
        self.listed_name_ending_tail = re.compile(f"[{re.escape(''.join(sorted(self.listed_name_ending_tails)))}]")
        self.list_closer_head = re.compile(f"[{re.escape(''.join(sorted(self.list_closer_heads)))}]")
        self.event_suffix = re.compile(
            rf"(?P<topic>[{CJK_CLASS}]{{2,{p['event_max_topic']}}}?)(?:{alternation(p['event_suffixes'])})")
        self.event_scope = re.compile(alternation(p["event_scopes"]))
        self.anniversary = re.compile(
            rf"(?:{alternation(p['anniversary_leads'])})[{CJK_CLASS}]{{2,{p['anniversary_max_topic']}}}?"
            rf"[{CN_DIGIT}\d]{{1,4}}周年(?:{alternation(p['event_suffixes'])})")
        #: How far before its 周年 an anniversary meeting starts at most: its lead word, topic and years.
        self.anniversary_lead = max(map(len, p["anniversary_leads"])) + p["anniversary_max_topic"] + 4
        self.session = re.compile(
            skip_to(rf"第\d{CN_DIGIT}") + rf"第?(?:{NUM})[届次](?P<topic>[{CJK_CLASS}]{{0,{p['event_max_topic']}}}?)"
            rf"(?:{alternation(p['session_endings'])})")
        self.two_sessions = re.compile(f"(?:{alternation(p['two_sessions_scopes'])})两会")
        self.generic_institutions = frozenset(p["generic_institutions"])
        # A byline's cues are read from the word families, as a longest-first alternation finds
        # them: what `finditer` of a cue and its spaces finds, so long as no cue overlaps another.
        _require(not any(a[i:] == b[:len(a) - i] or a != b and b in a
                         for a in p["byline_cues"] for b in p["byline_cues"] for i in range(1, len(a))),
                 "a byline cue overlaps another: the word families would hide one behind the other")
        self.surnames = frozenset(p["surnames"])
        #: Read two characters at a time (`_name_at`): a set lookup where a `startswith` tried each.
        self.compound_surnames = frozenset(p["compound_surnames"])
        _require(all(len(name) == 2 for name in self.compound_surnames),
                 "a compound surname is not of two characters: `_name_at` reads two")
        #: The words that stop a name, by their length (`_stops_name`).
        self.name_stop_chars = frozenset(word for word in p["person_name_stops"] if len(word) == 1)
        self.name_stop_pairs = frozenset(word for word in p["person_name_stops"] if len(word) == 2)
        _require(len(self.name_stop_chars) + len(self.name_stop_pairs) == len(set(p["person_name_stops"])),
                 "a person_name_stops word is longer than two characters: `_stops_name` reads two")
        self.max_boundary = max(map(len, self.boundary_words))
        #: The first characters of the words after a place that confirm it (one probe before many).
        self.place_confirmers = tuple(p["place_confirmers"])
        self.place_confirmer_heads = frozenset(word[0] for word in self.place_confirmers)
        self.town_confirmers = tuple(p["town_confirmers"])
        self.place_lead_ins = tuple(p["place_lead_ins"])
        #: The word lists every text is searched for, in one pass (`words` of the rules is what it finds).
        self.word_families = WordFamilies(
            {family: p[family] for family in _SEARCHED_FAMILIES} |
            {"leaders": p["national_leaders"] + p["historical_figures"],
             "divisions": list(self.gazetteer.code_of), "division_short_names": list(self.gazetteer.shorts),
             # A country's name is two characters or more (中 alone names none).
             "countries": [name for name in self.country_names if len(name) >= 2],
             # Where a level word may end (`OrganisationRules.anchor_marks`).
             "level_word_tails": list(self.level_words_ending)},
            # Town and county suffixes are read overlapping (北街|街道): a name ends at each.
            at_each_start=("county_suffixes", "town_suffixes"),
            # Short names overlap (湘东|东区), and a country may give way to a shorter one (朝鲜|族).
            every=("division_short_names", "countries"))
        # A word running across a position holds the two characters around it, and a word ending
        # at one ends with the two before it. Most boundary words are such a pair; those inside
        # and at the end of the longer ones are a few hundred: most positions fail two probes.
        longer = [word for word in self.boundary_words if len(word) > 2]
        self.long_boundary_inner_pairs = frozenset(word[i:i + 2] for word in longer for i in range(len(word) - 1))
        self.long_boundary_end_pairs = frozenset(word[-2:] for word in longer)
        #: Boundary words that are no verbs (`lead_words`): `verbs` is read as `boundary_words` less these.
        self.non_verb_boundary_words = self.boundary_words - self.verbs

    # -- boundaries ---------------------------------------------------------------------------
    def boundary_before(self, text: str, at: int, ends: frozenset[int] = frozenset()) -> bool:
        """Whether a name may start at `at`: after punctuation, a function word, a verb or a name,
        and not inside a word (其中|溪口镇 does not start at 中)."""
        if at == 0 or at in ends:
            return True
        pair = text[at - 1:at + 1]
        # At the text's end the pair is one character, and a word ending there is tested as one across it.
        if pair in self.boundary_words or (pair in self.long_boundary_inner_pairs or at == len(text)) and \
                any(text[at - i:at - i + k] in self.boundary_words
                    for k in range(2, self.max_boundary + 1) for i in range(1, k) if at - i >= 0):
            return False
        # After a character other than a Chinese one, or a function character. Nearly every character
        # there is punctuation, a digit or Latin (below every Chinese one, once folded) or of the main
        # block of Chinese characters: compared, where a `re` call cost several times more.
        before = text[at - 1]
        if before < self.below_cjk or before in self.function_chars:
            return True
        if not self.main_cjk_first <= before <= self.main_cjk_last and self.not_in_name.match(text, at - 1) is not None:
            return True
        return self.boundary_word_ends_at(text, at)

    def boundary_word_ends_at(self, text: str, at: int) -> bool:
        if at < 2:
            return False
        pair = text[at - 2:at]
        return pair in self.boundary_words or pair in self.long_boundary_end_pairs and \
            any(text[at - k:at] in self.boundary_words for k in range(3, self.max_boundary + 1) if at - k >= 0)

    def has_verb(self, words: str) -> bool:
        """Whether a verb occurs in `words`, a few characters (a filler, a topic, a list's item).
        The verbs are words of two to four characters: each position is probed for a pair in
        `boundary_words`, the table `boundary_before` keeps in the processor's caches, and for a
        longer verb only where one starts. (An automaton of the thirteen thousand verbs, out of
        the caches between two such calls, cost several times more per call in the pipeline.)"""
        boundary_words, non_verbs, long_heads = self.boundary_words, self.non_verb_boundary_words, self.long_verb_heads
        for at in range(len(words) - 1):
            pair = words[at:at + 2]
            if pair in boundary_words and pair not in non_verbs or \
                    pair in long_heads and (words[at:at + 3] in self.verbs or words[at:at + 4] in self.verbs):
                return True
        return False

    def is_suffix(self, text: str, at: int) -> bool:
        """Whether the character at `at` ends a name rather than starting a word (新乡贤): two set
        lookups, where a pattern per suffix character cost a `re` call each (a bundled pass asks
        some 500 times)."""
        return text[at:at + 2] not in self.not_suffix_pairs or text[at:at + 3] in self.suffix_despite

    def level_before(self, text: str, at: int, ends: frozenset[int] = frozenset()) -> int | None:
        """Start of the level word (县, 乡镇, 自治区) that ends at `at` and begins a name. The longest
        level word there decides, so the 区 of 自治区 is never a district of its own. Words are
        compared as slices: `startswith` from an offset parses its arguments, several times the cost."""
        for word in self.level_words_ending.get(text[at - 1:at], ()):
            size = len(word)
            start = at - size
            # A word of one character is the one looked up by: it is not cut out again.
            if start >= 0 and (size == 1 or text[start:at] == word):
                # 县县有图书馆, 村村通: a doubled level word means "every county", no particular one.
                # Tested last: its two slices cost more than the tests before, which fail more often.
                ok = self.is_suffix(text, at - 1) and self.boundary_before(text, start, ends) and not (
                    text[at:at + size] == word or (start >= size and text[start - size:start] == word))
                return start if ok else None
        return None

    def clean_stem(self, stem: str) -> bool:
        return self.not_in_stem.search(stem) is None and \
            stem not in self.boundary_words and not stem.endswith(self.not_place_stem_endings) and \
            stem not in self.not_place_stems
