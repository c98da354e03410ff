"""Activities: the named campaigns, mechanisms, models and brands a report says were carried out.

Reports name them in quotes (“百企大走访大调研”等活动, “某某同心”统战品牌) and say what they are in
the words around the quote, so each quoted name is classified by its context
(`data/activity_cues.json`): activity, mechanism, model or brand are kept; slogans (“产业兴区、
文旅强区”中心任务) and short quoted emphasis are not; a quoted venue is a FAC entity, found by the
entities stage, not an activity. Unquoted names come from trigger patterns (开展…活动, 启动…行动)
only when specific: they contain a place name or a distinctive mark (百村, 助企行, 春风), so that
理想信念教育活动 is left alone. A few names say what they are by their shape: a day named by its
date (6·30…日), a method named by numbered quoted words (四“聚”促四“强”), a recurring event
named by its scope (全省…读书会). Each activity is linked to how often it was held (a
count quantity later in its clause) and to its organiser (the last body named before it in the
sentence).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..data import read_json
from ..draft import Draft, on_matching_view
from ..records import Activity, Quantity, setting_init
from ..textnorm import CJK_CLASS, offsets_of
from .entities import QUOTED
from .entities.common import LongestWords, matches_before, occurrences, skip_to

NAME = "activities"
REQUIRES = ("text", "folded", "sentences", "tokens", "entities", "quantities")
PROVIDES = ("activities",)

#: Sentence and clause ends of the folded text (see `_Starts`).
_SENTENCE_END = "。\n!?"
_CLAUSE_END = ",。;\n!?"
_ANY_CLAUSE_END = re.compile(f"[{re.escape(_CLAUSE_END)}]")
#: Names before a count that may be what it counts: the nearest in its sentence (a sentence
#: naming more before one count is a list, not a report of how often each was held).
_MAX_LINK_CANDIDATES = 32
#: What may stand between a quoted name and the word that says what it is: a few more quoted
#: names (read within `_QUOTES_WINDOW` characters, so a text of quotes costs no rescans).
_BETWEEN_QUOTES = re.compile(rf"(?:[、和及与]?[{CJK_CLASS}]{{0,6}}“[^“”\n]{{0,60}}”)*(?:等)?")
_QUOTES_WINDOW = 400
#: A count of articles right after a quote (“某某须知”12条).
_ARTICLE_COUNT = re.compile(r"(?:\d+|[一二三四五六七八九十]+)条")
#: A note in parentheses right after a quoted name, hard line breaks and all.
_NOTE = re.compile(r"\([^()“”]{1,160}\)")
#: A day named by its date (6·30扶贫济困日, 9·5中华慈善日): month and day, then the day's name.
#: Only a middle dot joins them: 1.5万人次…今日 is a decimal.
_DAY_DOTS = "·•・"
_NAMED_DAY = re.compile(skip_to("1-9") + rf"(?<![\d.{_DAY_DOTS}])(?:1[0-2]|[1-9])[{_DAY_DOTS}](?:[12]\d|3[01]|[1-9])[{CJK_CLASS}]{{2,8}}?日")
#: A work method named by two numbered words (以四“聚”促四“强”): a numeral, a quoted word, a
#: verb that links them, a numeral and a quoted word.
_NUMBERED_METHOD = re.compile(r"[一二三四五六七八九十]“[^“”\n]{1,3}”[促带强保助推][一二三四五六七八九十]“[^“”\n]{1,3}”")
#: Unquoted names listed with 、: runs of Chinese characters joined by it.
_LISTED = re.compile(rf"(?<![{CJK_CLASS}])[{CJK_CLASS}]+(?:、[{CJK_CLASS}]+)+")
#: What bounds a list: anything but a Chinese character or 、.
_OUTSIDE_LIST = re.compile(rf"[^{CJK_CLASS}、]")
#: What ends a sentence inside a quote: a quoted sentence is not a name.
_SENTENCE_STOPS = frozenset("。!?")


@setting_init
@dataclass(frozen=True, slots=True)
class FoundActivity:
    name: str
    start: int
    end: int
    kind: str
    #: Offsets of the body named as organising it (see `organiser_span`).
    organiser_at: tuple[int, int] | None = None


@lru_cache(maxsize=1)
def cues() -> dict:
    return read_json("activity_cues.json")


class _Starts:
    """Where the sentence (or clause) around any offset of one text starts: the ends are found
    once, in one pass, and each look-up is a bisection, so a text with no sentence end at all
    costs no scan per look-up. The ends are found at the first look-up: a short report often
    names no activity and asks none (a third of the stage's cost on a one-sentence report)."""

    def __init__(self, text: str, ends: str = _SENTENCE_END) -> None:
        self.text = text
        self._end_chars = ends
        self._ends: list[int] | None = None

    def __call__(self, at: int) -> int:
        ends = self._ends
        if ends is None:
            ends = self._ends = offsets_of(self.text, self._end_chars)
        index = bisect_left(ends, at) - 1
        return ends[index] + 1 if index >= 0 else 0


def named_days(text: str) -> Iterator[re.Match[str]]:
    """Days named by their date, tried only where the month may start: one or two characters
    before a middle dot. Tried at every digit of a report, they were a tenth of the stage."""
    dots = sorted(dot for kind in _DAY_DOTS for dot in occurrences(text, kind))
    return matches_before(_NAMED_DAY, text, dots, 2)


def numbered_methods(text: str) -> Iterator[re.Match[str]]:
    """Methods named by numbered quoted words: the numeral stands right before an opening quote."""
    return matches_before(_NUMBERED_METHOD, text, occurrences(text, "“"), 1)


def organiser_span(sentence_start: int, at: int,
                   organisations: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The organiser of an activity starting at `at` in a sentence starting at `sentence_start`:
    the last body (of `organisations`, sorted) named before it in its sentence."""
    index = bisect_right(organisations, (at, at))
    while index > 0:
        index -= 1
        start, end = organisations[index]
        if start < sentence_start:
            return None
        if end <= at:
            return start, end
    return None


class ActivityRules:
    """Activity rules, loaded once; `find(text, entities)` is the per-document entry point."""

    def __init__(self) -> None:
        c = cues()
        self.after = sorted(((word, kind) for kind, words in c["kinds_after"].items() for word in words),
                            key=lambda pair: -len(pair[0]))
        # Longest first: at the leftmost place where a word follows, the longest of them wins.
        self.any_after = re.compile("|".join(re.escape(word) for word, _ in self.after))
        self.kind_after = {word: kind for word, kind in self.after}
        if len(self.kind_after) < len(self.after):
            twice = sorted({word for word, _ in self.after if sum(w == word for w, _ in self.after) > 1})
            raise ValueError(f"activity_cues.json: {', '.join(twice)} listed under two kinds_after; "
                             "a word after a quoted name must say one kind")
        self.before = [(word, kind) for kind, words in c["kinds_before"].items() for word in words]
        self.before_words = tuple(word for word, _ in self.before)
        self.max_gap = c["max_cue_gap"]
        self.min_uncued = c["min_uncued_length"]
        verbs = "|".join(map(re.escape, c["trigger_verbs"]))
        ends = "|".join(map(re.escape, sorted(c["trigger_ends"], key=len, reverse=True)))
        self.trigger = re.compile(
            rf"(?:{verbs})了?(?P<name>[{CJK_CLASS}]{{2,{c['max_trigger_name']}}}?)(?P<end>{ends})")
        self.end_in_name = c["trigger_ends"]
        self.distinctive = re.compile("|".join(f"(?:{mark})" for mark in c["distinctive_marks"]))
        self.not_tour_endings = tuple(c["not_tour_endings"])
        self.count_units = frozenset(c["count_units"])
        self.not_names = re.compile("|".join(f"(?:{pattern})" for pattern in c["not_activity_names"]))
        self.speech = re.compile(rf"(?:{'|'.join(map(re.escape, c['speech_verbs']))})[:,]?\s*$")
        self.max_uncued = c["max_uncued_length"]
        self.named_ends = tuple(c["named_trigger_ends"])
        self.any_named_end = re.compile("|".join(map(re.escape, self.named_ends)))
        # An automaton, not a longest-first alternation: the same matches, without trying the
        # alternatives at every `党` and `主` of a report.
        self.campaigns = LongestWords(c["named_campaigns"])
        self.campaign_verbs = tuple(c["campaign_verbs"])
        self.max_count_gap = c["max_count_gap"]
        scopes = "|".join(map(re.escape, c["event_scopes"]))
        event_ends = "|".join(map(re.escape, c["scoped_event_ends"]))
        self.scoped_event = re.compile(rf"(?:{scopes})[{CJK_CLASS}]{{1,{c['max_scoped_topic']}}}?(?:{event_ends})")
        self.list_function_chars = frozenset(c["list_function_chars"])
        self.max_name = c["max_trigger_name"] + max(map(len, c["trigger_ends"]))
        self.max_unopened = c["max_unopened_name"]
        self.kind_words = tuple(word for word, kind in self.after if kind != "slogan")
        self._last_sentence_starts: _Starts | None = None
        self.lead_verbs = tuple(sorted({w for w, _ in self.before} | set(c["trigger_verbs"]), key=len, reverse=True))

    def kind_of(self, text: str, start: int, end: int) -> str | None:
        """The kind a quoted name at `[start, end)` (quotes included) has, from its context."""
        # “…”12条: a text of so many articles shown or studied, not something carried out.
        if _ARTICLE_COUNT.match(text, end):
            return "slogan"
        gap = _BETWEEN_QUOTES.match(text, end, end + _QUOTES_WINDOW)
        assert gap is not None  # every part of the pattern is optional
        # “某某”(an explanation of what it stands for)活动: the word after the note says what it is.
        note = _NOTE.match(text, gap.end())
        after_at = note.end() if note else gap.end()
        window_end = min(after_at + self.max_gap, len(text))
        clause_end = _ANY_CLAUSE_END.search(text, after_at, window_end)
        word = self.any_after.search(text, after_at, clause_end.start() if clause_end else window_end)
        if word is not None:
            return self.kind_after[word.group()]
        before = text[max(0, start - 6):start]
        if not (before.endswith(self.before_words) or before[:-1].endswith(self.before_words)):
            return None  # as most quotes: no word to try one by one
        for word, kind in self.before:
            if before.endswith(word) or before[:-1].endswith(word):
                return kind
        return None

    def find(self, text: str, entities: Sequence[tuple[int, int, str]] = ()) -> list[FoundActivity]:
        venues = [(s, e) for s, e, label in entities if label == "FAC"]
        found = []
        for match in QUOTED.finditer(text):
            name = match.group(1).strip()
            if not name or any(s <= match.start(1) and match.end(1) <= e for s, e in venues):
                continue
            kind = self.kind_of(text, match.start(), match.end())
            if kind == "slogan" or self.not_names.fullmatch(name) or \
                    (kind is None and not self._uncued_name(text, match.start(), name)):
                continue
            found.append(FoundActivity(name, match.start(), match.end(), kind or "activity"))
        places = [(s, e) for s, e, label in entities if label == "GPE"]
        quoted = [(f.start, f.end) for f in found]
        for match in self.trigger.finditer(text):
            s = match.start("name")
            e = match.end() if self.end_in_name[match.group("end")] else match.end("name")
            if e - s < 3 or any(qs < e and s < qe for qs, qe in quoted):
                continue
            named = text[s:e].endswith(self.named_ends) and e - s > len(match.group("end")) + 1
            if (named or any(s <= ps and pe <= e for ps, pe in places) or self.specific(text[s:e])) and \
                    not self.not_names.fullmatch(text[s:e]):
                found.append(FoundActivity(text[s:e], s, e, "activity"))
        found += self._self_named(text, found)
        found += self._unopened(text, found)
        found += self._listed(text, found)
        found += self._campaigns(text, found)
        organisations = sorted((s, e) for s, e, label in entities if label == "ORG")
        sentence_start = self._sentence_starts(text)
        organisers = [organiser_span(sentence_start(f.start), f.start, organisations) for f in found]
        # Made again only with an organiser: most activities have none, and stay as they were.
        return [f if at is None else FoundActivity(f.name, f.start, f.end, f.kind, at)
                for f, at in zip(found, organisers)]

    def _sentence_starts(self, text: str) -> _Starts:
        """The sentence starts of `text`. The stage calls `find` and then `counts` on the same
        text, so the last text's are kept (replaced whole, never changed: safe across threads)."""
        last = self._last_sentence_starts
        if last is None or last.text is not text:
            last = self._last_sentence_starts = _Starts(text)
        return last

    def _self_named(self, text: str, found: list[FoundActivity]) -> list[FoundActivity]:
        """Named days (6·30扶贫济困日), work methods named by numbered quoted words
        (四“聚”促四“强”) and events named by their scope (全省…读书会), which no cue word need
        follow."""
        taken = [(f.start, f.end) for f in found]
        named = []
        for matches, kind in ((named_days(text), "activity"), (numbered_methods(text), "model"),
                              (self.scoped_event.finditer(text), "activity")):
            for match in matches:
                if not any(s < match.end() and match.start() < e for s, e in taken):
                    named.append(FoundActivity(match.group(), match.start(), match.end(), kind))
        return named

    def _unopened(self, text: str, found: list[FoundActivity]) -> list[FoundActivity]:
        """A name whose opening quote the source lost (打造统战+文旅”品牌): from the closing quote
        back to a verb that leads a name, or to the clause's start, if no opening quote lies
        within reach; kept when the words after it say it is a name."""
        taken = {f.end for f in found}
        named = []
        for at in occurrences(text, "”"):  # a report has a few dozen: no numpy round trip
            if at + 1 in taken:
                continue
            # Opened after all if the nearest quote mark before it opens (a long quote, a comma in it);
            # and a lost quote's name is told by a word right after it (统战+文旅”品牌).
            reach = max(0, at - _QUOTES_WINDOW)
            if text.rfind("“", reach, at) > text.rfind("”", reach, at) or \
                    not text.startswith(self.kind_words, at + 1):
                continue
            window = max(0, at - self.max_unopened)
            start = max(window, *(text.rfind(ch, window, at) + 1 for ch in _CLAUSE_END + "、”"))
            lead = max((text.rfind(verb, start, at) + len(verb) for verb in self.lead_verbs
                        if text.rfind(verb, start, at) >= 0), default=start)
            name = text[lead:at].strip()
            kind = self.kind_of(text, lead, at + 1) if len(name) >= 2 else None
            if kind is not None and kind != "slogan" and not self.not_names.fullmatch(name):
                named.append(FoundActivity(name, lead, at + 1, kind))
        return named

    def _listed(self, text: str, found: list[FoundActivity]) -> list[FoundActivity]:
        """Unquoted names listed with 、 beside one that ends as a campaign does (某某宣传月):
        the items that end so too or have a distinctive mark (千名干部进万家)."""
        taken = [(f.start, f.end) for f in found]
        listed = []
        for stretch_start, stretch_end in self._stretches_with_named_ends(text):
            listed += self._listed_in(text, stretch_start, stretch_end, taken)
        return listed

    def _stretches_with_named_ends(self, text: str) -> Iterator[tuple[int, int]]:
        """The stretches of Chinese characters and 、 (a list never leaves one) that hold a
        campaign's ending, in order: most reports hold few, so the rest is never read for lists.
        The text reversed is searched for where a stretch starts, as `re` only searches forward."""
        reversed_text = ""
        stretch_end = 0
        for ending in self.any_named_end.finditer(text):
            if ending.start() < stretch_end:
                continue  # in the stretch just given
            reversed_text = reversed_text or text[::-1]
            after = _OUTSIDE_LIST.search(text, ending.end())
            before = _OUTSIDE_LIST.search(reversed_text, len(text) - ending.start())
            stretch_end = after.start() if after else len(text)
            yield (len(text) - before.start() if before else 0), stretch_end

    def _listed_in(self, text: str, stretch_start: int, stretch_end: int,
                   taken: list[tuple[int, int]]) -> list[FoundActivity]:
        """`_listed` within the stretch `[stretch_start, stretch_end)`."""
        listed = []
        for match in _LISTED.finditer(text, stretch_start, stretch_end):
            # Every item lies inside the run: one holding no campaign's ending has no named item.
            if not self.any_named_end.search(text, match.start(), match.end()):
                continue
            items = []
            at = match.start()
            pieces = match.group().split("、")
            for index, piece in enumerate(pieces):
                # The last item ends at a function character (宣传月|等为载体), the first starts after one.
                end = at + len(piece)
                if index == len(pieces) - 1:
                    end = next((i for i in range(at + 1, end) if text[i] in self.list_function_chars), end)
                start = at
                if index == 0:
                    start = max((i + 1 for i in range(at, end) if text[i] in self.list_function_chars), default=at)
                items.append((start, end))
                at += len(piece) + 1
            named = [(s, e) for s, e in items if text[s:e].endswith(self.named_ends) and
                     e - s > len(next(w for w in self.named_ends if text[s:e].endswith(w))) + 1]
            if not named:
                continue
            for s, e in items:
                name = text[s:e]
                if 3 <= e - s <= self.max_name and ((s, e) in named or self.specific(name)) and \
                        not any(ts < e and s < te for ts, te in taken):
                    listed.append(FoundActivity(name, s, e, "activity"))
        return listed

    def _uncued_name(self, text: str, start: int, name: str) -> bool:
        """Whether a quote with no word around it saying what it is still names something: not
        reported speech (他说“…”, 群众说“心里踏实”), not a sentence, not a short word of emphasis."""
        if not self.min_uncued <= len(name) <= self.max_uncued or not _SENTENCE_STOPS.isdisjoint(name):
            return False
        return not self.speech.search(text, max(0, start - 8), start)

    def _campaigns(self, text: str, found: list[FoundActivity]) -> list[FoundActivity]:
        """Nationwide campaigns named without quotes (党史学习教育, 主题教育) where the clause says
        they were carried out (开展…), unless a quoted name right before them names them."""
        matches = list(self.campaigns.leftmost_longest(text))
        if not matches:  # most reports name none; their clause ends need not be found
            return []
        taken = [(f.start, f.end) for f in found]
        campaigns = []
        clause_start_of = _Starts(text, _CLAUSE_END)
        for start, name in matches:
            end = start + len(name)
            if text[start - 1:start] == "”" or any(s < end and start < e for s, e in taken) or \
                    not any(verb in text[clause_start_of(start):start] for verb in self.campaign_verbs):
                continue
            campaigns.append(FoundActivity(name, start, end, "activity"))
        return campaigns

    def specific(self, name: str) -> bool:
        """Whether an unquoted name has a distinctive mark with a modifier (百村大走访, 助企行,
        春风行动), not just a topic (理想信念教育) or a bare mark (大调研)."""
        mark = self.distinctive.search(name)
        return mark is not None and len(mark.group()) < len(name) and not name.endswith(self.not_tour_endings)

    def counts(self, text: str, activities: Sequence[tuple[str, int, int]],
               quantities: Sequence[Quantity]) -> dict[int, Quantity]:
        """Activity index -> the count quantity that follows a mention of it closely in its
        sentence: the quoted name itself (召开“某某”会议4次) or a later unquoted mention of the
        name's tail (“政企周六早餐会” … 举办周六早餐会7次). `activities`: each one's name as
        written, start and end."""
        linked: dict[int, Quantity] = {}
        sentence_start = self._sentence_starts(text)
        order = sorted(range(len(activities)), key=lambda index: activities[index][1])
        starts = [activities[index][1] for index in order]
        for quantity in quantities:
            if quantity.unit not in self.count_units or quantity.value is None:
                continue
            start = sentence_start(quantity.start)
            # Only a mention ending within the gap before the count can be linked, so a name's
            # later mention is looked for in that window alone, and only among the nearest
            # names before the count in its sentence.
            window = quantity.start - self.max_count_gap
            best: tuple[int, int] | None = None
            first = bisect_left(starts, start)
            last = bisect_left(starts, quantity.start)
            for position in range(last - 1, max(first, last - _MAX_LINK_CANDIDATES) - 1, -1):
                index = order[position]
                if index in linked:
                    continue
                name, _, mention_end = activities[index]
                tail = name[-5:]
                if len(tail) >= 4:
                    later = text.rfind(tail, max(mention_end, window - len(tail)), quantity.start)
                    mention_end = later + len(tail) if later >= 0 else mention_end
                if best is None or mention_end > best[1] or (mention_end == best[1] and index < best[0]):
                    best = (index, mention_end)
            if best and quantity.start - best[1] <= self.max_count_gap and \
                    not any(ch in text[best[1]:quantity.start] for ch in ";。"):
                linked[best[0]] = quantity
        return linked


@lru_cache(maxsize=1)
def activity_rules() -> ActivityRules:
    """The process's rules, loaded once, for the stage and the spaCy component alike."""
    return ActivityRules()


def as_written(activity: FoundActivity, text: str, folded: str) -> tuple[str, str | None]:
    """The activity's name and its organiser as `text` writes them; the rules read `folded`."""
    name_at = folded.find(activity.name, activity.start, activity.end)
    organiser = activity.organiser_at
    return text[name_at:name_at + len(activity.name)], text[organiser[0]:organiser[1]] if organiser else None


def make_stage() -> Callable[[Draft], None]:
    rules = activity_rules()

    def run(draft: Draft) -> None:
        text, folded = draft.text, draft.folded
        entities = [(entity.start, entity.end, entity.label) for entity in draft.entities]
        found = rules.find(folded, entities)
        written = [as_written(activity, text, folded) for activity in found]
        # Each record made once, its count known: a record made and then replaced with its count
        # cost a `dataclasses.replace` per counted activity.
        counts = rules.counts(folded, [(name, activity.start, activity.end)
                                       for activity, (name, _) in zip(found, written)], draft.quantities)
        activities = []
        for index, (activity, (name, organiser)) in enumerate(zip(found, written)):
            sentence = draft.sentence_at(activity.start)
            count = counts.get(index)
            activities.append(Activity(name, text[activity.start:activity.end], activity.start, activity.end,
                                       activity.kind, count.value if count else None,
                                       count.unit if count else None, organiser,
                                       sentence.id if sentence else None))
        draft.activities = activities

    return on_matching_view(run, "activities")
