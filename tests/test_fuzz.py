"""Fuzzing: random Unicode through `process_text`, random bytes through `process_file`.

Whatever comes in, the pipeline either returns a report whose offsets hold and whose JSON
validates against the schema, or raises an `InputError`; and a report from a text file holds
exactly the strictly decoded bytes. `make test` runs a few hundred cases per property (profile
`fuzz-quick`); `make fuzz` sets `REPORT_MINER_FUZZ=full` for 10,000 each.

Pathological texts, the kinds that make a regex backtrack or a pass rescan (long runs of one
character, one short unit repeated, quotes and brackets nested deep), must also finish within a
time budget linear in their length (`time_budget`), asserted on every example. `make test` keeps
them short (runs of 16, texts of 400 characters); `make fuzz` goes to 100,000 characters, where a
stage worse than linear runs out of budget.
"""
from __future__ import annotations

import codecs
import itertools
import json
import os
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipeline
from conftest import assert_offsets, assert_valid
from pipeline import errors
from pipeline.clocks import time_limit
from pipeline.stages.ingest import SUPPORTED_SUFFIXES

_PROFILE_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.data_too_large])
settings.register_profile("fuzz-quick", max_examples=300, **_PROFILE_SETTINGS)
settings.register_profile("fuzz-full", max_examples=10_000, **_PROFILE_SETTINGS)
FULL = os.environ.get("REPORT_MINER_FUZZ", "quick") == "full"
PROFILE = settings.get_profile(f"fuzz-{'full' if FULL else 'quick'}")
#: Fewer of the long pathological texts: each costs up to its time budget.
PATHOLOGICAL = settings(PROFILE, max_examples=200 if FULL else 40)
#: Longest run of one character and longest text the pathological generators make.
MAX_RUN, MAX_TEXT = (100_000, 100_000) if FULL else (16, 400)

#: Pieces of real reports and of the things that break parsers, to build texts from.
PIECES = list("统战部县委召开会议次个名万元余近约%。，,；;！？“”《》（）() \n\t\r一二三十百千两0123456789.、是第章"
              "們發經關區黨") + ["\u200b", "\u200d", "\ufeff", "\x00", "\x07", "\u3000", "🇨🇳", "👨‍👩‍👧",
                                "一、", "（二）", "2023年", "1.2亿元", "ͳս", "β", "\u0301", "\ud7ff",
                                "\U0002a6d6"]
REPORTISH = st.lists(st.sampled_from(PIECES), max_size=200).map("".join)
TEXTS = st.one_of(st.text(max_size=400), REPORTISH)
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gbk", "gb18030")
ENCODED = st.builds(lambda text, encoding: text.encode(encoding, "replace"), REPORTISH,
                    st.sampled_from(ENCODINGS))
PREFIXES = st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"%PDF-1.4\n", codecs.BOM_UTF8,
                            codecs.BOM_UTF16_LE, b"<html><body><p>", b"\xd0\xcf\x11\xe0"])
BYTES = st.builds(lambda prefix, parts: prefix + b"".join(parts), PREFIXES,
                  st.lists(st.one_of(st.binary(max_size=300), ENCODED), max_size=4))
#: How each `document.encoding` reads the bytes it was found in.
CODECS = {"utf-8": "utf-8-sig", "utf-16": "utf-16", "utf-16-le": "utf-16-le",
          "utf-16-be": "utf-16-be", "gb18030": "gb18030"}


def check(report) -> None:
    assert_offsets(report)
    assert_valid(report)
    json.loads(report.to_json())


@settings(PROFILE)
@given(TEXTS)
def test_any_text_gives_a_valid_report_or_an_input_error(text):
    try:
        report = pipeline.process_text(text)
    except errors.InputError:
        return
    assert report.text == text
    check(report)


_names = itertools.count()


@settings(PROFILE)
@given(BYTES, st.sampled_from(SUPPORTED_SUFFIXES))
def test_any_bytes_give_a_valid_report_or_an_input_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.getbasetemp() / f"fuzz{next(_names)}{suffix}"
    path.write_bytes(data)
    try:
        report = pipeline.process_file(path)
    except errors.InputError as exc:
        assert str(path) in str(exc)
        return
    finally:
        assert path.read_bytes() == data
        path.unlink()
    check(report)
    if report.document.format == "text":  # nothing dropped, nothing replaced
        assert data.decode(CODECS[report.document.encoding]) == report.text


def time_budget(chars: int) -> float:
    """Seconds one report may take: a second, plus a tenth of the pipeline's measured speed
    (about 150,000 characters/s on one core) per character, so only a pass worse than linear
    runs out of it on a long text, not a busy machine."""
    return 1.0 + chars / 15_000


#: The budget is CPU time; the wall-clock guard that stops a runaway stage allows this many times
#: more, for a machine busy with other work.
WALL_CLOCK_SLACK = 5

SINGLE_CHARACTERS = [piece for piece in PIECES if len(piece) == 1]
RUNS = st.builds(lambda char, count, around: around.replace("#", char * count),
                 st.sampled_from(SINGLE_CHARACTERS), st.integers(1, MAX_RUN),
                 st.sampled_from(["#", "会议召开#次。", "#。#", "共#个", "“#”"]))
UNITS = st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join)
REPEATED = st.builds(lambda unit, count: (unit * count)[:MAX_TEXT], UNITS,
                     st.integers(1, MAX_TEXT))
QUOTE_PAIRS = ["“”", "‘’", "《》", "（）", "()", "「」", "【】", "〈〉", "\"\""]
NESTED = st.builds(lambda pairs, core: "".join(pair[0] for pair in pairs) + core
                   + "".join(pair[1] for pair in reversed(pairs)),
                   st.lists(st.sampled_from(QUOTE_PAIRS), min_size=1, max_size=MAX_TEXT // 4),
                   REPORTISH)


@PATHOLOGICAL
@given(st.one_of(RUNS, REPEATED, NESTED))
def test_pathological_texts_finish_within_a_linear_time_budget(text):
    pipeline.default_pipeline().warm_up()  # loading once is not the text's cost
    budget = time_budget(len(text))
    started = time.process_time()  # CPU time: other processes on the machine do not count
    try:
        with time_limit(WALL_CLOCK_SLACK * budget, "fuzz"):  # stops a runaway stage
            report = pipeline.process_text(text)
    except errors.InputError:
        return
    except errors.DocumentTimedOut:
        raise AssertionError(f"{len(text)} characters ran past {WALL_CLOCK_SLACK * budget:.1f} s "
                             f"of wall-clock time: {text[:60]!r}...") from None
    seconds = time.process_time() - started
    assert seconds <= budget, f"{len(text)} characters took {seconds:.1f} s: {text[:60]!r}..."
    check(report)
