"""The runner: what warming up a pipeline does beyond loading its stages."""
from __future__ import annotations

import gc

from pipeline.runner import Pipeline


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
