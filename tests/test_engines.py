"""Engines: the same outputs from every engine, lazy bounded intake, and worker faults contained.

Worker deaths are real SIGKILLs. Nothing here depends on timing: a "stuck" document blocks until
the engine kills it, and the bounds asserted are counts, not durations.
"""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import CORPORA
from pipeline import errors
from pipeline.batch import DocumentTask
from pipeline.inputs import InputItem, discover
from pipeline.engines import (BATCH_SIZE, WORKER_BATCH_SIZE, DaskEngine, InProcessEngine, ProcessPoolEngine,
                              make_engine)

SHORT = "县委统战部召开专题会议{n}次，走访民营企业{n}家。\n二、存在的不足\n调研深度还不够。\n"


def short_reports(folder: Path, count: int) -> list[InputItem]:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (folder / f"r{number:03}.txt").write_text(f"第{number}份报告\n" + SHORT.format(n=number + 1),
                                                   encoding="utf-8")
    return discover([str(folder)])


@dataclass(frozen=True)
class PoisonTask(DocumentTask):
    """Kills its own worker process on every attempt at the document named `poison`."""

    poison: str = ""

    def __call__(self, items):
        if any(Path(item.path).name == self.poison for item in items):
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__call__(items)


@dataclass(frozen=True)
class StuckTask(DocumentTask):
    """Hangs on `stuck` where a signal cannot reach it, as a long call in compiled code would."""

    stuck: str = ""

    def __call__(self, items):
        if any(Path(item.path).name == self.stuck for item in items):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(600)
        return super().__call__(items)


def outputs_of(engine, items) -> dict[str, str]:
    with engine:
        outcomes = list(engine.map(items))
    assert all(outcome.ok for outcome in outcomes), [o.message for o in outcomes if not o.ok]
    return {outcome.output_name: outcome.json for outcome in outcomes}


@pytest.fixture(scope="module")
def mixed_items(tmp_path_factory) -> list[InputItem]:
    folder = tmp_path_factory.mktemp("mixed")
    own = [str(path) for path in sorted((CORPORA / "reports").glob("*.txt"))
           if "heldout" not in path.name]
    return discover(own) + short_reports(folder, 12)


def test_every_engine_writes_the_same_outputs(mixed_items):
    expected = outputs_of(InProcessEngine(DocumentTask()), mixed_items)
    assert len(expected) == len(mixed_items)
    assert outputs_of(ProcessPoolEngine(DocumentTask(), 2), mixed_items) == expected
    assert outputs_of(DaskEngine(DocumentTask(), 2, processes=False), mixed_items) == expected


@pytest.mark.parametrize("build, window", [
    (lambda: InProcessEngine(DocumentTask()), BATCH_SIZE),
    # a batch in each of the two workers, and both workers' last results held while they are
    # handed over (when both finish within one wait, each is given its next batch first)
    (lambda: ProcessPoolEngine(DocumentTask(), 2), 4 * WORKER_BATCH_SIZE),
    (lambda: DaskEngine(DocumentTask(), 1, processes=False, in_flight=2), 3 * WORKER_BATCH_SIZE),
])
def test_inputs_are_pulled_lazily_with_bounded_work_in_flight(tmp_path, build, window):
    items = short_reports(tmp_path, 30)
    pulled = 0

    def feed():
        nonlocal pulled
        for item in items:
            pulled += 1
            yield item

    with build() as engine:
        for finished, outcome in enumerate(engine.map(feed()), start=1):
            # The message says whose failure it was (the document's, or the cluster's under load).
            assert outcome.ok, (outcome.error_class, outcome.message)
            assert pulled - finished <= window, "more documents in flight than the window"
    assert finished == len(items)


def test_a_worker_killed_on_every_attempt_costs_only_that_document(tmp_path):
    items = short_reports(tmp_path, 8)
    with ProcessPoolEngine(PoisonTask(poison="r003.txt"), 2, batch_size=3) as engine:
        outcomes = {Path(outcome.path).name: outcome for outcome in engine.map(items)}
    assert len(outcomes) == 8
    dead = outcomes.pop("r003.txt")
    assert (dead.ok, dead.error_class, dead.error_code, dead.attempts) == \
        (False, "WorkerDied", "E401", 2)
    assert "signal 9" in dead.message and "r003.txt" in dead.message
    assert all(outcome.ok for outcome in outcomes.values())
    # Its batch (r003 to r005) started again, each alone; the other batches once.
    assert {name: outcome.attempts for name, outcome in outcomes.items() if outcome.attempts != 1} == \
        {"r004.txt": 2, "r005.txt": 2}


def test_a_stuck_worker_is_killed_at_the_time_bound(tmp_path):
    items = short_reports(tmp_path, 5)
    task = StuckTask(stuck="r001.txt", timeout=0.5)
    with ProcessPoolEngine(task, 2, timeout=0.5, grace=0.5) as engine:
        outcomes = {Path(outcome.path).name: outcome for outcome in engine.map(items)}
    stuck = outcomes.pop("r001.txt")
    assert (stuck.ok, stuck.error_class, stuck.error_code) == (False, "DocumentTimedOut", "E402")
    assert all(outcome.ok for outcome in outcomes.values())


def test_make_engine_chooses_by_name_and_rejects_unknown_ones():
    assert isinstance(make_engine("local", workers=1), InProcessEngine)
    assert isinstance(make_engine("local", workers=3), ProcessPoolEngine)
    with pytest.raises(ValueError, match="unknown engine"):
        make_engine("spark")


@dataclass(frozen=True)
class UnloadableTask(DocumentTask):
    def warm_up(self) -> None:
        raise OSError("model file missing")


def test_a_worker_that_cannot_load_stops_the_batch_with_the_reason(tmp_path):
    items = short_reports(tmp_path, 3)
    with pytest.raises(errors.PipelineError, match="OSError: model file missing"):
        with ProcessPoolEngine(UnloadableTask(), 2) as engine:
            list(engine.map(items))


def test_a_scheduler_without_workers_is_refused_not_waited_on(monkeypatch):
    """`--scheduler` pointing at a scheduler nobody works for would hang; it is an error."""
    from distributed import LocalCluster

    from pipeline import engines

    monkeypatch.setattr(engines, "WORKER_WAIT", 2.0)
    with LocalCluster(n_workers=0, processes=False, dashboard_address="127.0.0.1:0") as cluster:
        with pytest.raises(errors.EngineUnavailable, match="no Dask worker joined"):
            DaskEngine(DocumentTask(), scheduler=cluster.scheduler_address)
