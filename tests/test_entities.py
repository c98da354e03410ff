"""Entities: scored against gold on the seed and the project's own reports, and checked on
sentences written for these tests about invented places."""
from __future__ import annotations

import json

import pytest

import pipeline
from conftest import assert_offsets, assert_valid, development_reports

def entities_of(text: str) -> dict[str, str]:
    return {e.text: e.label for e in pipeline.process_text(text).entities}


def test_seed_entities_meet_the_bar(seed_scores):
    assert seed_scores["entity_f1"] >= 0.9, (seed_scores["entity_misses"], seed_scores["entity_spurious"])


@pytest.mark.parametrize("report,gold", development_reports(),
                         ids=lambda value: getattr(value, "stem", str(value)))
def test_own_reports_entities_generalise(report, gold, scorer):
    result = pipeline.process_file(report)
    assert_offsets(result)
    assert_valid(result)
    scores = scorer.score(json.loads(result.to_json()), json.loads(gold.read_text("utf-8")))
    assert scores["entity_f1"] >= 0.85, (scores["entity_misses"], scores["entity_spurious"])


def test_a_body_never_swallows_the_word_before_it():
    found = entities_of("由民盟柳岸县委员会提出的建议被采纳，柳岸县委常委会专题研究了统战工作。")
    assert found.get("民盟柳岸县委员会") == "ORG"
    assert found.get("柳岸县委常委会") == "ORG"
    assert not any(name.startswith("由") for name in found)


def test_relative_names_resolve_against_the_report_region():
    report = pipeline.process_text(
        "柳岸县委统战部总结全年工作。柳岸县统一战线成员积极建言。县委统战部会同县委组织部开展培训，县知联会换届。")
    assert report.document.region == "柳岸县"
    canonical = {e.text: e.canonical for e in report.entities if e.label == "ORG"}
    assert canonical["县委统战部"] == "柳岸县委统战部"
    assert canonical["县知联会"] == "柳岸县知联会"


def test_gazetteer_short_names_need_their_place_in_the_report():
    without = entities_of("推进乡村振兴，深化合作交流，广大新乡贤积极参与。")
    assert not any(label == "GPE" for label in without.values())
    with_place = entities_of("新乡市委统战部推动全市新乡贤回乡创业，新乡的做法得到推广。")
    assert with_place.get("新乡市") == "GPE" and with_place.get("新乡") == "GPE"


def test_towns_are_found_by_anchored_suffixes_only():
    found = entities_of("在枫桥街道、石门镇建成服务站，石门镇乡贤馆开馆。送科技下乡，建设美丽家乡，各乡镇全覆盖。")
    assert found.get("枫桥街道") == "GPE" and found.get("石门镇") == "GPE"
    assert found.get("石门镇乡贤馆") == "FAC"
    assert not {"科技下乡", "技下乡", "美丽家乡", "丽家乡", "各乡镇"} & set(found)


def test_companies_start_after_the_noun_that_introduces_them():
    found = entities_of("支持侨资企业远舟光电科技有限公司扩大生产，乡贤李文博回乡创办青禾农业发展有限公司。")
    assert found.get("远舟光电科技有限公司") == "ORG"
    assert found.get("青禾农业发展有限公司") == "ORG"
    assert found.get("李文博") == "PERSON"


@pytest.mark.parametrize("surface,normalized", [
    ("2024年3月5日", "2024-03-05"), ("2022年11月", "2022-11"), ("二〇二二年", "2022"), ("6月18日", "--06-18")])
def test_dates_are_normalised_to_iso(surface, normalized):
    report = pipeline.process_text(f"柳岸县于{surface}召开会议。")
    dates = {e.text: e.normalized for e in report.entities if e.label == "DATE"}
    assert dates == {surface: normalized}


def test_titles_meetings_and_congresses():
    found = entities_of("学习党的二十大和二十届三中全会精神，全县统战工作会议印发了《柳岸县统战工作要点》。")
    assert found["党的二十大"] == "EVENT"
    assert found["二十届三中全会"] == "EVENT"
    assert found["全县统战工作会议"] == "EVENT"
    assert found["《柳岸县统战工作要点》"] == "DOC"


def test_entities_point_into_the_original_text_with_full_width_punctuation():
    report = pipeline.process_text("柳岸县委统战部（县民宗局）召开会议，县工商联参加。")
    assert_offsets(report)
    assert {"柳岸县委统战部", "县工商联"} <= {e.text for e in report.entities}
    assert all(e.sentence is not None for e in report.entities)
