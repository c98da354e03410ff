"""The JSON contract: outputs validate, the versioning rule holds, JSON round-trips."""
from __future__ import annotations

import json

import pipeline
from conftest import assert_valid, own_reports, processed
from pipeline.schema import schema, validation_errors


def test_seed_output_validates(seed_report):
    assert_valid(seed_report)


def test_own_reports_validate():
    for report, _ in own_reports():
        assert_valid(processed(report))


def test_schema_version_matches_the_schema_pattern():
    import re

    pattern = schema()["properties"]["schema_version"]["pattern"]
    assert re.match(pattern, pipeline.SCHEMA_VERSION)


def test_a_broken_output_is_caught(seed_report):
    data = json.loads(seed_report.to_json())
    del data["sentences"][0]["start"]
    data["entities"].append({"text": "x", "start": 0, "end": 1, "label": "THING"})
    problems = validation_errors(data)
    assert any("start" in problem for problem in problems)
    assert any("THING" in problem for problem in problems)


def test_json_round_trip_keeps_every_field(seed_report):
    data = json.loads(seed_report.to_json())
    assert data == seed_report.to_dict()
    assert data["schema_version"] == pipeline.SCHEMA_VERSION
    assert data["text"][data["sentences"][3]["start"]:data["sentences"][3]["end"]] == \
        data["sentences"][3]["text"]
