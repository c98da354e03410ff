"""Batches: 1,000 reports with bad ones and a killed worker, resumable reruns, atomic writes,
output names that stay inside the output folder, inputs never modified."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from pipeline import batch
from pipeline.batch import MANIFEST, DocumentTask, atomic_write, process_one, write_corpus
from pipeline.inputs import InputItem, discover, safe_name
from pipeline.engines import WORKER_BATCH_SIZE, InProcessEngine, ProcessPoolEngine
from pipeline.runner import Pipeline

MANIFEST_FIELDS = {"path", "output", "ok", "doc_id", "sha256", "error_code", "error_class",
                   "message"}
#: Inputs that can never become reports, each with the error class it must be recorded under.
BAD_INPUTS = {
    "empty": (b"", "EmptyInput"),
    "blank": (b" \n\t\r\n", "EmptyInput"),
    "image": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "BinaryInput"),
    "truncated": ("统战部".encode("utf-8")[:-1], "UndecodableInput"),
}


def generated_report(number: int) -> str:
    return (f"第{number}号工作报告\n一、主要工作\n全年召开座谈会{number % 9 + 1}次，"
            f"走访企业{number}家，同比增长{number % 50}%。\n二、下一步打算\n继续做好各项工作。\n")


def make_corpus(folder: Path, good: int, bad_per_kind: int) -> dict[str, str | None]:
    """Write the reports; return {file name: expected error class or None}."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str | None] = {}
    for number in range(good):
        name = f"report_{number:04}.txt"
        (folder / name).write_text(generated_report(number), encoding="utf-8")
        expected[name] = None
    for kind, (data, error_class) in BAD_INPUTS.items():
        for copy in range(bad_per_kind):
            name = f"bad_{kind}_{copy}.txt"
            (folder / name).write_bytes(data)
            expected[name] = error_class
    return expected


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    return {path.name: (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
            for path in folder.iterdir()}


def manifest(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / MANIFEST).read_text("utf-8").splitlines()]


@dataclass(frozen=True)
class PausingTask(DocumentTask):
    """On its first attempt at `victim`, tells the test its process id and waits to be killed."""

    victim: str = ""
    pid_file: str = ""

    def __call__(self, items):
        if any(Path(item.path).name == self.victim for item in items) and not Path(self.pid_file).exists():
            atomic_write(Path(self.pid_file), str(os.getpid()), durable=False)
            time.sleep(600)
        return super().__call__(items)


def retried_batch(items: list[InputItem], name: str) -> slice:
    """The batch a pool of workers gave the input `name` in (in order, `WORKER_BATCH_SIZE` each)."""
    index = next(index for index, item in enumerate(items) if Path(item.path).name == name)
    first = index - index % WORKER_BATCH_SIZE
    return slice(first, first + WORKER_BATCH_SIZE)


def kill_when_told(pid_file: Path, killed: list[int]) -> None:
    deadline = time.monotonic() + 120
    while not pid_file.exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.02)
    pid = int(pid_file.read_text())
    os.kill(pid, signal.SIGKILL)
    killed.append(pid)


def test_a_thousand_reports_with_bad_ones_and_a_killed_worker(tmp_path):
    inputs, output = tmp_path / "in", tmp_path / "out"
    expected = make_corpus(inputs, good=980, bad_per_kind=5)
    assert len(expected) == 1000
    before = fingerprint(inputs)
    pid_file = tmp_path / "victim.pid"
    killed: list[int] = []
    killer = threading.Thread(target=kill_when_told, args=(pid_file, killed), daemon=True)
    killer.start()
    task = PausingTask(victim="report_0500.txt", pid_file=str(pid_file))
    items = discover([str(inputs)])
    with ProcessPoolEngine(task, 2) as engine:
        counts = write_corpus(items, engine, output)
    killer.join(timeout=5)

    assert len(killed) == 1, "the victim's worker was never killed"
    assert (counts.processed, counts.failed, counts.skipped) == (980, 20, 0)
    good = {name for name, error in expected.items() if error is None}
    written = {path.name for path in output.glob("*.json")}
    assert written == {Path(name).stem + ".json" for name in good}
    rows = manifest(output)
    assert len(rows) == 1000 and MANIFEST_FIELDS <= set(rows[0])
    by_name = {Path(row["path"]).name: row for row in rows}
    assert by_name.keys() == expected.keys()
    for name, error_class in expected.items():
        row = by_name[name]
        assert row["ok"] is (error_class is None), row
        if error_class:
            assert row["error_class"] == error_class and row["output"] is None
            assert row["error_code"].startswith("E1") and name in row["message"]
    victim = by_name["report_0500.txt"]
    assert victim["ok"] and victim["attempts"] == 2
    assert json.loads((output / "report_0500.json").read_text("utf-8"))["document"]["sha256"] \
        == victim["sha256"]
    # The victim's batch was started again, each of its inputs alone; every other input once.
    retried = [index for index, row in enumerate(rows) if row["attempts"] == 2]
    assert sorted(Path(row["path"]).name for row in rows if row["attempts"] == 2) == \
        sorted(Path(item.path).name for item in items[retried_batch(items, "report_0500.txt")])
    assert all(row["attempts"] in (1, 2) for row in rows) and len(retried) <= WORKER_BATCH_SIZE
    assert fingerprint(inputs) == before, "an input was modified"
    assert not [path for path in output.iterdir() if path.name.startswith(".")], "temp files left"


def test_rerun_skips_current_outputs_and_redoes_changed_inputs(tmp_path, monkeypatch):
    inputs, output = tmp_path / "in", tmp_path / "out"
    make_corpus(inputs, good=6, bad_per_kind=1)
    first = write_corpus(discover([str(inputs)]), InProcessEngine(DocumentTask()), output)
    assert (first.processed, first.failed) == (6, 4)
    written = fingerprint(output)

    second = write_corpus(discover([str(inputs)]), InProcessEngine(DocumentTask()), output)
    assert (second.processed, second.skipped, second.failed) == (0, 6, 4)
    assert {k: v for k, v in fingerprint(output).items() if k != MANIFEST} == \
        {k: v for k, v in written.items() if k != MANIFEST}
    skipped = [row for row in manifest(output) if row["skipped"]]
    assert len(skipped) == 6 and all(row["ok"] and row["doc_id"] for row in skipped)

    (inputs / "report_0002.txt").write_text(generated_report(77), encoding="utf-8")
    third = write_corpus(discover([str(inputs)]), InProcessEngine(DocumentTask()), output)
    assert (third.processed, third.skipped) == (1, 5)

    monkeypatch.setattr("pipeline.runner.pipeline_version", lambda: "999.0")
    fourth = write_corpus(discover([str(inputs)]), InProcessEngine(DocumentTask()), output,
                          resume=True)
    assert (fourth.processed, fourth.skipped) == (6, 0)


class Interrupted(InProcessEngine):
    """Stops the batch as Ctrl-C would, after `after` documents."""

    def __init__(self, after: int) -> None:
        super().__init__(DocumentTask())
        self.after = after

    def map(self, items):
        for done, outcome in enumerate(super().map(items)):
            if done == self.after:
                raise KeyboardInterrupt
            yield outcome


def test_an_interrupted_run_keeps_what_it_finished_and_the_rerun_completes(tmp_path):
    inputs, output = tmp_path / "in", tmp_path / "out"
    make_corpus(inputs, good=10, bad_per_kind=0)
    with pytest.raises(KeyboardInterrupt):
        write_corpus(discover([str(inputs)]), Interrupted(after=4), output)
    assert not (output / MANIFEST).exists()
    finished = [json.loads(line) for line in
                (output / (MANIFEST + ".partial")).read_text("utf-8").splitlines()]
    assert len(finished) == 4
    for row in finished:
        assert json.loads((output / row["output"]).read_text("utf-8"))["document"]["sha256"] \
            == row["sha256"]
    counts = write_corpus(discover([str(inputs)]), InProcessEngine(DocumentTask()), output)
    assert (counts.processed, counts.skipped) == (6, 4)
    assert len(manifest(output)) == 10


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "a.json"
    atomic_write(target, "old\n")
    with pytest.raises(UnicodeEncodeError):
        atomic_write(target, "new \ud800 half")  # a lone surrogate cannot be written
    assert target.read_text("utf-8") == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["a.json"]


@given(st.lists(st.one_of(st.sampled_from(["..", ".", "", "~", "/", "\\", "C:", "..."]),
                          st.text(max_size=80)), max_size=6))
def test_output_names_never_leave_the_output_folder(parts):
    name = safe_name("/".join(parts))
    assert name and "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and len(name.encode("utf-8")) <= 200
    folder = Path("/srv/out")
    assert (folder / (name + ".json")).resolve().parent == folder


def test_discover_gives_unique_names_even_when_only_case_differs(tmp_path):
    for relative in ("a/Report.txt", "b/report.txt", "a__report.txt", "../x/evil.txt"):
        path = (tmp_path / "in" / relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generated_report(1), encoding="utf-8")
    items = discover([str(tmp_path / "in")])
    names = [item.output_name.casefold() for item in items]
    assert len(items) == 3 and len(set(names)) == 3
    assert all("/" not in item.output_name for item in items)


def pipeline_with_stage(stage) -> Pipeline:
    """A real pipeline whose only stage is `stage` (loaded, so `warm_up` is not needed)."""
    pipe = Pipeline(stages=())
    pipe._callables = [stage]
    return pipe


def test_a_failing_stage_costs_one_document_not_the_batch(tmp_path, monkeypatch):
    def trips_on_the_second(draft):
        if "第2号" in draft.text:
            raise ValueError("a stage tripped")

    monkeypatch.setattr(batch, "_pipeline", lambda keep_tokens, model_dir: pipeline_with_stage(trips_on_the_second))
    items = []
    for number in range(1, 4):
        source = tmp_path / f"r{number}.txt"
        source.write_text(generated_report(number), encoding="utf-8")
        items.append(InputItem(str(source), f"r{number}.json"))
    first, second, third = batch.process_batch(items)
    assert (second.ok, second.error_code, second.error_class) == (False, "E403", "InternalError")
    assert "ValueError: a stage tripped" in second.message and items[1].path in second.message
    assert first.ok and third.ok and (first.path, third.path) == (items[0].path, items[2].path)
    alone = process_one(items[1])
    assert (alone.ok, alone.error_class) == (False, "InternalError")


def test_a_document_that_runs_too_long_is_stopped_and_its_batch_finishes(tmp_path, monkeypatch):
    def endless_on_the_first(draft):
        while "第1号" in draft.text:
            time.sleep(0.01)

    monkeypatch.setattr(batch, "_pipeline", lambda keep_tokens, model_dir: pipeline_with_stage(endless_on_the_first))
    items = []
    for number in (1, 2):
        source = tmp_path / f"r{number}.txt"
        source.write_text(generated_report(number), encoding="utf-8")
        items.append(InputItem(str(source), f"r{number}.json"))
    stuck, fine = batch.process_batch(items, timeout=0.2)
    assert (stuck.ok, stuck.error_class) == (False, "DocumentTimedOut")
    assert stuck.seconds is not None and stuck.seconds >= 0.2
    assert fine.ok and fine.seconds is not None and fine.seconds < 0.2


class SlowOnTheFirst:
    """A stage whose batch step (`prepare`) and whose work on the first report both take long:
    the batch step slows down every document of the batch."""

    def __init__(self, batch_seconds: float = 0.0) -> None:
        self.batch_seconds = batch_seconds

    def prepare(self, drafts):
        time.sleep(self.batch_seconds)
        given_up = time.monotonic() + 3  # so that a batch step left unbounded fails the test, not hangs it
        while any("第1号" in draft.text for draft in drafts) and time.monotonic() < given_up:
            time.sleep(0.01)

    def __call__(self, draft):
        while "第1号" in draft.text:
            time.sleep(0.01)


def two_reports(tmp_path, first: int = 1) -> list[InputItem]:
    items = []
    for number in (first, first + 1):
        source = tmp_path / f"r{number}.txt"
        source.write_text(generated_report(number), encoding="utf-8")
        items.append(InputItem(str(source), f"r{number}.json"))
    return items


def test_a_batch_step_that_runs_too_long_leaves_each_document_to_its_own_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "_pipeline", lambda keep_tokens, model_dir: pipeline_with_stage(SlowOnTheFirst()))
    stuck, fine = batch.process_batch(two_reports(tmp_path), timeout=0.3)
    assert (stuck.ok, stuck.error_class) == (False, "DocumentTimedOut")
    assert stuck.seconds is not None and stuck.seconds >= 0.3
    # Its half of the batch step, stopped at the bound of the document with the least time left.
    assert fine.ok and fine.seconds is not None and 0.1 <= fine.seconds < 0.3


def test_the_time_of_a_batch_step_is_shared_among_its_documents(tmp_path, monkeypatch):
    stage = SlowOnTheFirst(batch_seconds=0.2)
    monkeypatch.setattr(batch, "_pipeline", lambda keep_tokens, model_dir: pipeline_with_stage(stage))
    outcomes = batch.process_batch(two_reports(tmp_path, first=2), timeout=None)
    assert all(outcome.ok for outcome in outcomes)
    seconds = [outcome.seconds for outcome in outcomes]
    assert all(value is not None and value >= 0.05 for value in seconds), seconds
    assert sum(seconds) >= 0.2, seconds


def test_a_batch_gives_each_input_the_outcome_it_would_have_alone(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(generated_report(5), encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    undecodable = tmp_path / "bad.txt"
    undecodable.write_bytes(b"\xff\xfe\x00\xd8" * 3)
    items = [InputItem(str(path), f"{path.stem}.json") for path in (good, empty, undecodable, good)]
    together = batch.process_batch(items)
    alone = [process_one(item) for item in items]
    assert [outcome.ok for outcome in together] == [True, False, False, True]
    assert [(o.ok, o.json, o.error_class, o.message) for o in together] == \
        [(o.ok, o.json, o.error_class, o.message) for o in alone]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT,
                          capture_output=True, timeout=300)


@pytest.mark.parametrize("engine_args", [["--workers", "2"], ["--engine", "dask", "--workers", "1"]])
def test_cli_runs_a_folder_with_workers_or_dask(tmp_path, engine_args):
    inputs, output = tmp_path / "in", tmp_path / "out"
    make_corpus(inputs, good=5, bad_per_kind=1)
    result = cli("run", str(inputs), "-o", str(output), *engine_args)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    rows = manifest(output)
    assert sum(row["ok"] for row in rows) == 5 and len(rows) == 9
    again = cli("run", str(inputs), "-o", str(output), "--force", *engine_args)
    assert again.returncode == 1 and not any(row["skipped"] for row in manifest(output))


def test_fast_json_output_is_exactly_the_json_of_to_dict(seed_report):
    import orjson

    import pipeline

    reports = [seed_report] + [pipeline.process_text(generated_report(n)) for n in (1, 42)]
    for report in reports:
        assert report.to_json(indent=True) == \
            orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode()
        assert report.to_json(include_text=False) == \
            orjson.dumps(report.to_dict(include_text=False)).decode()


ROW_PATHS = st.sampled_from(["a.txt", "b/c.txt", "./a.txt", "-", "d.html"])


@given(st.lists(st.lists(st.tuples(ROW_PATHS, st.booleans()), max_size=6), max_size=4))
def test_a_merged_manifest_has_each_input_once_with_its_latest_row(runs):
    rows = [[{"path": path, "ok": ok, "run": number} for path, ok in run]
            for number, run in enumerate(runs)]
    merged = batch.merge_manifest(*rows)
    keys = [os.path.abspath(row["path"]) if row["path"] != "-" else "-" for row in merged]
    assert len(keys) == len(set(keys))
    latest = {}
    for run in rows:
        for row in run:
            latest[os.path.abspath(row["path"]) if row["path"] != "-" else "-"] = row
    assert sorted(map(id, merged)) == sorted(map(id, latest.values()))
