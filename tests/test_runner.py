"""The runner: what warming up a pipeline does beyond loading its stages."""
from __future__ import annotations

import gc
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.runner import Pipeline, batched

ROOT = Path(__file__).resolve().parents[1]


def test_warm_up_takes_what_it_loaded_out_of_the_collectors_sight():
    gc.unfreeze()  # an earlier test's warm-up would otherwise satisfy the assertion by itself
    assert gc.get_freeze_count() == 0
    Pipeline(["segment", "tokenize"]).warm_up()
    assert gc.get_freeze_count() > 0


def test_the_warm_up_report_reaches_every_stage():
    """warm_up runs it so that what the stages build on first use is built before the first real
    report: a report that left a stage idle (no heading, figure, name, date or campaign, one area)
    would leave that stage's first-use work to the first real report."""
    from pipeline import default_pipeline
    from pipeline.runner import _warm_up_text

    report = default_pipeline()(_warm_up_text())
    assert len(report.sections) >= 2 and report.quantities and report.activities
    assert {"ORG", "GPE", "DATE", "FAC"} <= {entity.label for entity in report.entities}
    assert len({sentence.area for sentence in report.sentences}) >= 3


def test_reports_run_in_batches_give_what_they_give_one_by_one():
    """`Pipeline.pipe` runs the stages stage by stage over a batch; on every report we can read
    (the texts tests/test_output_digests.py holds to their stored digests) it must give the same
    JSON as one report at a time, whatever the batch size."""
    from pipeline import default_pipeline, process_texts
    from pipeline.stages.ingest import read_document

    digests = load_tool("output_digests")
    texts = [read_document(path).text for _, path in digests.report_files()]
    texts += [text for _, text in digests.government_records()]
    pipe = default_pipeline()
    one_by_one = [pipe(text).to_json() for text in texts]
    assert [report.to_json() for report in pipe.pipe(texts)] == one_by_one
    short = texts[:7]
    assert [report.to_json() for report in pipe.pipe(short, batch_size=3)] == one_by_one[:7]
    assert [report.to_json() for report in process_texts(short)] == one_by_one[:7]


def test_a_report_that_fails_in_a_batch_costs_only_itself():
    def trips_on_figures(draft):
        if "3次" in draft.text:
            raise ValueError("tripped")

    pipe = Pipeline(stages=())
    pipe._callables = [trips_on_figures]
    drafts = [pipe.new_draft(text) for text in ("召开会议3次。", "走访企业5家。", "座谈3次。")]
    failures = pipe.run_batch(drafts)
    assert sorted(failures) == [0, 2] and all(isinstance(exc, ValueError) for exc in failures.values())
    reports = pipe.pipe(["走访企业5家。", "召开会议3次。", "又走访2家。"], batch_size=8)
    assert next(reports).text == "走访企业5家。"
    with pytest.raises(ValueError, match="tripped"):
        next(reports)


def load_tool(name: str):
    """A script of `tools/` as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CountingStage:
    """A stage with a batch step: `prepare` notes each batch; the stage marks each draft."""

    def __init__(self, fail_prepare: bool = False) -> None:
        self.fail_prepare = fail_prepare
        self.batches: list[int] = []

    def prepare(self, drafts):
        self.batches.append(len(drafts))
        if self.fail_prepare and drafts:
            raise RuntimeError("the batch step broke")

    def __call__(self, draft):
        draft.summary = {"seen": True}


@pytest.mark.parametrize("fail_prepare", [False, True])
def test_a_stage_prepares_each_batch_and_is_cleared_after_it(fail_prepare):
    stage = CountingStage(fail_prepare)
    pipe = Pipeline(stages=())
    pipe._callables = [stage]
    drafts = [pipe.new_draft(text) for text in ("一", "二", "三")]
    assert pipe.run_batch(drafts) == {}
    assert all(draft.summary == {"seen": True} for draft in drafts)
    # The batch, then (after a failure) none, then none again once the stage is done with it.
    assert stage.batches == ([3, 0, 0] if fail_prepare else [3, 0])


def test_the_area_model_scores_a_batch_as_it_scores_each_report():
    from pipeline import default_pipeline
    from pipeline.stages.classify import AreaAssigner

    pipe = default_pipeline()
    texts = [path.read_text("utf-8") for path in sorted((ROOT / "corpora" / "reports").glob("*.txt"))]
    assigner = next(stage for stage in pipe._stages() if isinstance(stage, AreaAssigner))
    drafts = [pipe.new_draft(text) for text in texts]
    for stage in pipe._stages()[:pipe.stage_names.index("classify")]:
        for draft in drafts:
            stage(draft)
    alone = [assigner.scores([draft]) for draft in drafts]
    for batched, each_alone in zip(assigner.scores(drafts), zip(*alone)):  # sentences, then sections
        assert np.array_equal(batched.view(np.int64), np.concatenate(each_alone).view(np.int64)), "to the last bit"
    assigner.prepare(drafts)
    assert len(assigner._prepared) == len(drafts)
    for draft in drafts:
        assigner(draft)
    assert len(assigner._prepared) == 0, "each prepared row is taken once"


@given(st.lists(st.integers(min_value=0, max_value=50)), st.integers(min_value=1, max_value=6),
       st.integers(min_value=1, max_value=60))
def test_batches_keep_order_and_bounds(weights, size, limit):
    batches = list(batched(weights, size, weight=lambda value: value, limit=limit))
    assert [value for batch in batches for value in batch] == weights
    assert all(0 < len(batch) <= size for batch in batches)
    assert all(sum(batch) <= limit or len(batch) == 1 for batch in batches)
    # A batch is closed only when the next item would not fit or it is full.
    for batch, following in zip(batches, batches[1:]):
        assert len(batch) == size or sum(batch) + following[0] > limit


def test_a_text_that_is_no_string_fails_in_its_turn():
    from pipeline import process_texts

    reports = process_texts(["县委统战部召开座谈会3次。", 42])
    assert next(reports).quantities[0].text == "3次"
    with pytest.raises(TypeError, match="expects str"):
        next(reports)
