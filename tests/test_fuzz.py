"""Fuzzing: random Unicode through `process_text`, random bytes through `process_file`.

Whatever comes in, the pipeline either returns a report whose offsets hold and whose JSON
validates against the schema, or raises an `InputError`; and a report from a text file holds
exactly the strictly decoded bytes. `make test` runs a few hundred cases per property (profile
`fuzz-quick`); `make fuzz` sets `REPORT_MINER_FUZZ=full` for 10,000 each.
"""
from __future__ import annotations

import codecs
import itertools
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipeline
from conftest import assert_offsets, assert_valid
from pipeline import errors
from pipeline.stages.ingest import SUPPORTED_SUFFIXES

_PROFILE_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.data_too_large])
settings.register_profile("fuzz-quick", max_examples=300, **_PROFILE_SETTINGS)
settings.register_profile("fuzz-full", max_examples=10_000, **_PROFILE_SETTINGS)
PROFILE = settings.get_profile(f"fuzz-{os.environ.get('REPORT_MINER_FUZZ', 'quick')}")

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
