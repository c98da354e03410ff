"""Invariants over arbitrary text: only documented errors, and offsets always hold."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipeline
from conftest import assert_offsets
from pipeline import errors

REPORTISH = st.text(alphabet=st.sampled_from(list("统战部县委召开会议次个名万元余近约%。，,；;！？“”《》（）() \n\t一二三十百千两0123456789.、是第章")),
                    max_size=300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), REPORTISH))
def test_any_text_gives_a_valid_report_or_a_documented_error(text):
    try:
        report = pipeline.process_text(text)
    except errors.InputError:
        assert not text.strip()
        return
    assert_offsets(report)
    for sentence in report.sentences:
        assert sentence.text.strip() == sentence.text and sentence.text
    starts = [s.start for s in report.sentences]
    assert starts == sorted(starts)


def test_lone_surrogates_are_an_input_error_not_a_crash():
    import pytest

    with pytest.raises(errors.UndecodableInput, match="surrogate"):
        pipeline.process_text("县委统战部\ud800召开会议。")
