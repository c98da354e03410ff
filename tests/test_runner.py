"""The runner: what warming up a pipeline does beyond loading its stages."""
from __future__ import annotations

import gc

from pipeline.runner import Pipeline


def test_warm_up_takes_what_it_loaded_out_of_the_collectors_sight():
    gc.unfreeze()  # an earlier test's warm-up would otherwise satisfy the assertion by itself
    assert gc.get_freeze_count() == 0
    Pipeline(["segment", "tokenize"]).warm_up()
    assert gc.get_freeze_count() > 0
