"""Shared fixtures: the seed report and its gold from ../shared, the scorer, schema checks."""
from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED_ID = "000_40c126a544924fd0"
CORPORA = ROOT / "corpora"


def load_scorer():
    path = SHARED / "tools" / "score.py"
    if not path.exists():
        pytest.skip("../shared (seed, gold and scorer) is not beside this checkout")
    spec = importlib.util.spec_from_file_location("shared_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def scorer():
    return load_scorer()


@pytest.fixture(scope="session")
def seed_path() -> Path:
    path = SHARED / "seeds" / f"{SEED_ID}.txt"
    if not path.exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    return path


@pytest.fixture(scope="session")
def seed_gold() -> dict:
    return json.loads((SHARED / "gold" / f"{SEED_ID}.gold.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def seed_report(seed_path):
    import pipeline

    return pipeline.process_file(seed_path)


@pytest.fixture(scope="session")
def seed_scores(seed_report, seed_gold, scorer):
    return scorer.score(json.loads(seed_report.to_json()), seed_gold)


def own_reports() -> list[tuple[Path, Path]]:
    """(report, gold) pairs of the project's own sample reports."""
    pairs = []
    for gold in sorted((CORPORA / "gold").glob("*.gold.json")):
        stem = gold.name.removesuffix(".gold.json")
        pairs.append((CORPORA / "reports" / f"{stem}.txt", gold))
    return pairs


def development_reports() -> list[tuple[Path, Path]]:
    """`own_reports()` without the held-out one, which is scored only at the end of a change."""
    return [pair for pair in own_reports() if "heldout" not in pair[0].name]


@lru_cache(maxsize=None)
def processed(report: Path):
    """Each sample report goes through the pipeline once per test session."""
    import pipeline

    return pipeline.process_file(report)


def score_sample(report: Path, gold: Path, scorer) -> dict:
    """The scorer's figures for one sample report, after checking its offsets and schema."""
    result = processed(report)
    assert_offsets(result)
    assert_valid(result)
    return scorer.score(json.loads(result.to_json()), json.loads(gold.read_text("utf-8")))


def assert_offsets(report) -> None:
    """The invariant of every record: text[start:end] is its surface."""
    text = report.text
    for sentence in report.sentences:
        assert text[sentence.start:sentence.end] == sentence.text
    for section in report.sections:
        if section.heading is not None:
            heading = section.heading
            assert text[heading.start:heading.end] == heading.text
        assert 0 <= section.start <= section.end <= len(text)
    for group in (report.tokens or (), report.quantities, report.entities, report.activities,
                  report.furniture):
        for record in group:
            assert text[record.start:record.end] == record.text, record


def assert_valid(report) -> None:
    from pipeline.schema import validation_errors

    problems = validation_errors(json.loads(report.to_json()))
    assert not problems, problems[:5]


def _best_seconds(run, text: str) -> float:
    """CPU seconds of this process `run(text)` takes, best of three (a quiet run): CPU time, not
    the wall clock, which other processes on a loaded machine stretch (a linear rule once read
    30.6 times longer on ten times the text, with other work on both cores)."""
    import time

    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        run(text)
        best = min(best, time.process_time() - started)
    return best


def assert_linear(run, unit: str) -> None:
    """Ten times the text (`unit` repeated to 10,000 and to 100,000 characters) takes about ten
    times the work, not a hundred. The ratio allows for a noisy machine: linear is ~10."""
    small = _best_seconds(run, (unit * 10_000)[:10_000])
    large = _best_seconds(run, (unit * 100_000)[:100_000])
    assert large < 30 * max(small, 0.002), (small, large)
