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


REPORT = ("松溪县2023年统战工作总结\n一、加强党的领导\n县委常委会研究统战工作6次，近三分之一的乡镇建成同心驿站。\n"
          "二、服务民营经济\n走访企业120家，“周六早餐会”举办7次。\n")


def _report() -> dict:
    return json.loads(pipeline.process_text(REPORT).to_json())


def test_every_object_is_closed_and_every_field_is_required():
    data = _report()
    data["colour"] = "red"
    data["sentences"][0]["colour"] = "red"
    data["provenance"]["model"]["colour"] = "red"
    problems = validation_errors(data)
    assert len([problem for problem in problems if "colour" in problem]) == 3, problems
    for field in ("summary", "provenance", "furniture"):
        data = _report()
        del data[field]
        assert any(field in problem for problem in validation_errors(data)), field
    data = _report()
    del data["quantities"][0]["bound"]
    assert validation_errors(data)


def test_given_metadata_alone_stays_open():
    report = pipeline.process_text(REPORT, metadata={"url": "https://example.invalid/a", "编号": 7})
    assert not validation_errors(json.loads(report.to_json()))


def test_summary_is_null_only_without_the_summarize_stage():
    from pipeline.runner import DEFAULT_STAGES, Pipeline

    report = Pipeline(DEFAULT_STAGES[:-1])(REPORT)
    data = json.loads(report.to_json())
    assert data["summary"] is None and not validation_errors(data)
    assert _report()["summary"]["areas"]


def test_enumerations_describe_every_value_and_follow_the_data_files():
    from pipeline.data import data_lines, read_json
    from pipeline.schema import enum_values
    from pipeline.stages.segment.scan import NUMBERING
    from pipeline.stages.summarize import area_catalogue

    for definition in ("area", "entity_label", "quantity_kind", "activity_kind", "numbering",
                       "division_level", "meta_source"):
        for choice in schema()["$defs"][definition]["oneOf"]:
            assert choice.get("type") == "null" or choice["description"], (definition, choice)
    assert enum_values("area") == [area.id for area in area_catalogue()]
    kinds = {line.split("\t")[3] for line in data_lines("units.tsv")}
    assert set(enum_values("quantity_kind")) == kinds | {"count"}
    cues = read_json("activity_cues.json")
    kept = (set(cues["kinds_after"]) | set(cues["kinds_before"])) - {"slogan"}  # slogans are dropped
    assert set(enum_values("activity_kind")) == kept | {"activity"}
    assert {style for style, _ in NUMBERING} | {"一是", "【】"} == set(enum_values("numbering"))


def test_start_after_end_and_a_wrong_surface_are_caught_beyond_the_schema():
    from pipeline.schema import offset_problems, report_problems

    data = _report()
    assert report_problems(data) == []
    data["entities"][0]["start"], data["entities"][0]["end"] = 5, 2
    data["quantities"][0]["text"] = "9999"
    assert not validation_errors(data), "JSON Schema cannot compare two fields"
    problems = offset_problems(data)
    assert any(problem.startswith("entities/0: start 5 is after end 2") for problem in problems)
    assert any(problem.startswith("quantities/0: text[") for problem in problems)
    assert report_problems(data) == problems


def test_validate_command_checks_schema_and_offsets(tmp_path):
    from pipeline.cli import main

    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(_report(), ensure_ascii=False), "utf-8")
    data = _report()
    data["sentences"][1]["end"] = data["sentences"][1]["start"] - 1
    bad.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(good), str(bad)]) == 1


def test_area_scores_are_written_only_when_asked_for():
    report = pipeline.process_text(REPORT)
    plain, scored = json.loads(report.to_json()), json.loads(report.to_json(include_area_scores=True))
    assert not any("area_scores" in record for record in plain["sections"] + plain["sentences"])
    assert all(set(record["area_scores"]) == set(plain["summary"]["areas"])
               for record in scored["sections"] + scored["sentences"])
    assert scored == report.to_dict(include_area_scores=True) and plain == report.to_dict()
    assert not validation_errors(scored)
    for sentence in scored["sentences"]:
        assert sentence["area_scores"][sentence["area"]] == sentence["area_confidence"]


def test_a_share_written_as_a_fraction_is_a_percent_with_two_decimals():
    report = pipeline.process_text("近三分之一的村、三分之二的社区和八分之一的乡镇建成站点。")
    assert [(q.text, q.value, q.unit) for q in report.quantities] == [
        ("近三分之一", 33.33, "%"), ("三分之二", 66.67, "%"), ("八分之一", 12.5, "%")]
    assert '"value":33.33,' in report.to_json()


def test_headings_name_their_numbering_style_by_its_first_number():
    report = pipeline.process_text(REPORT)
    assert [section.heading.numbering for section in report.sections if section.heading] == ["一、", "一、"]


def test_an_output_of_another_major_schema_version_is_told_to_be_processed_again(tmp_path, capsys):
    from pipeline.cli import main
    from pipeline.schema import report_problems

    data = _report()
    data["schema_version"] = "1.1"
    del data["furniture"]  # what a major bump may change: the old file lacks a field
    assert report_problems(data) == [
        "schema_version: written under schema 1.1, and this report-miner reads schema 2.x; "
        "process its source again with this version (`report-miner run`)"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert main(["validate", str(old)]) == 1
    assert "written under schema 1.1" in capsys.readouterr().out
    data["schema_version"] = "2.7"
    assert report_problems(data) != [] and "written under" not in report_problems(data)[0]
