"""Hostile inputs cost time in proportion to their length: ten times the text, about ten times
the CPU time, never a hundred (quadratic) or more (a regular expression backtracking).

The ratio between ten times a length and that length (20,000 characters, or 50,000 where the
work is a regular expression's alone: under that, the text fits the processor's cache and runs
out of proportion fast) is measured in CPU time of this process, the best of three rounds, and
allowed to reach 35: linear work gives about 10, a quadratic pass about 100, so load on the
machine cannot make a linear stage fail nor a quadratic one pass. An alarm turns a
regression to exponential backtracking into a failure instead of a hang."""
from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pytest

from pipeline.runner import Pipeline
from pipeline.metadata import issuing_body
from pipeline.stages.quantity_grammar import grammar
from pipeline.textnorm import fold

SMALL = 20_000
SMALL_FOR_REGEX = 50_000
MOST_RATIO = 35
ROUNDS = 3
GIVE_UP_SECONDS = 120


def _cpu_seconds(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return max(best, 1e-4)


def _growth(make_text: Callable[[int], str], run: Callable[[str], object], small: int = SMALL) -> float:
    def give_up(*_):
        raise AssertionError(f"no answer in {GIVE_UP_SECONDS} s: super-linear backtracking")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(GIVE_UP_SECONDS)
    try:
        short, long = make_text(small), make_text(10 * small)
        return _cpu_seconds(lambda: run(long)) / _cpu_seconds(lambda: run(short))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def quantities():
    return Pipeline(["segment", "tokenize", "quantities"]).warm_up()


@pytest.mark.parametrize("make_text, small", [
    (lambda n: "会议召开" + "万" * n + "次。", SMALL_FOR_REGEX),
    (lambda n: "召开会议3次" * (n // 6), SMALL),
    (lambda n: "增长1.5%" * (n // 6), SMALL),
    (lambda n: "全年召开座谈会" * (n // 7) + "3次。", SMALL),
], ids=["a run of 万", "counts side by side", "percents side by side", "one long clause"])
def test_quantities_grow_linearly(make_text, small, quantities):
    assert _growth(make_text, quantities, small) < MOST_RATIO


@pytest.mark.parametrize("make_text", [
    lambda n: "万" * n,
    lambda n: ("一二三四五六七八九十" * (n // 10 + 1))[:n],
], ids=["a run of 万", "a run of numerals"])
def test_the_number_grammar_grows_linearly(make_text):
    """The grammar alone, where the pipeline around it would hide its growth: with a greedy
    number it grew about 70x from 20,000 characters to 200,000."""
    assert _growth(make_text, lambda text: list(grammar().finditer(text))) < MOST_RATIO


@pytest.mark.parametrize("make_text", [
    lambda n: "统战" * (n // 2),
    lambda n: "统战" * (n // 2) + "供稿\n",
], ids=["no punctuation", "a trailer after a long run"])
def test_issuer_search_grows_linearly(make_text):
    assert _growth(make_text, lambda text: issuing_body(text, fold(text), None),
                   SMALL_FOR_REGEX) < MOST_RATIO


@pytest.fixture(scope="module")
def through_activities():
    return Pipeline(["segment", "tokenize", "quantities", "entities", "activities"]).warm_up()


@pytest.mark.parametrize("make_text", [
    lambda n: "3次" * (n // 2),
    lambda n: "举办“同心讲堂”3次" * (n // 10),
], ids=["counts without sentence ends", "names and counts without sentence ends"])
def test_counts_are_linked_to_activities_in_linear_time(make_text, through_activities):
    """Each count looks for the activity it counts in its sentence; a text with no sentence
    end must not make every count scan the whole text."""
    assert _growth(make_text, through_activities) < MOST_RATIO
