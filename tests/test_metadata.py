"""Metadata: the year reviewed and the year delivered, the region as a division or null, given
metadata over inferred with both kept. Places are invented unless the division table holds them."""
from __future__ import annotations

import json
import re
from itertools import product
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import pipeline
from conftest import assert_valid
from pipeline import errors
from pipeline.metadata import _AT_YEAR, _YEAR, _year_patterns, infer_years, lookup_division, year_matches, year_starts
from pipeline.numerals import YEAR_PATTERN
from pipeline.textnorm import fold

GOVERNMENT = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "government_work_reports.jsonl"


@pytest.mark.parametrize(("text", "title", "reviewed", "delivered"), [
    # a work report is named for the year it is delivered in and reviews the year before
    ("正文。", "2025年岚溪县人民政府工作报告", 2024, 2025),
    # a review is named for the year it reviews
    ("正文。", "中共岚溪县委统战部2023年工作总结", 2023, None),
    ("各位代表：\n一、2024年工作回顾\n过去一年，全县经济稳中有进。\n二、2025年工作安排\n", None, 2024, 2025),
    # only the year planned for is written: the report reviews the one before
    ("会议同意报告提出的2021年主要任务。", None, 2020, 2021),
    # a resolution opens with the session it was adopted at; a comparison's base year is not
    # the year reviewed, nor is a year printed with its digits spaced apart missed
    ("第十二届全国人民代表大会第二次会议听取了政府工作报告。会议充分肯定过去一年的工作。", None, 2013, 2014),
    ("国内生产总值由2017年的82万亿元增加到2022年的121万亿元。2022年粮食丰收。", None, 2022, None),
    ("1 9 9 7 年国内生产总值增长8%。1 9 9 7 年粮食丰收。", None, 1997, None),
    ("2022年，全区统战工作稳步推进。2022年召开会议3次。", None, 2022, None),
    ("全区统战工作稳步推进。", None, None, None),
    # a year's zero typed as a circle
    ("二○二四年，全区统战工作稳步推进。二○二四年召开会议3次。", None, 2024, None),
    ("全区统战工作稳步推进。", "青岚区委统战部二◯二三年工作总结", 2023, None),
    # an opening that names the congress the report is delivered to dates it, and a congress
    # addressed by its term alone is at its first session; either outweighs a year named in
    # passing, a past plan the report looks back on, or an event's date
    ("各位代表：\n现在，我代表国务院，向第九届全国人民代表大会作政府工作报告。\n"
     "1995年10月，全国农村工作会议召开。1995年，晴川镇遭受洪灾。去年全国粮食丰收。", None, 1997, 1998),
    ("各位代表：\n国务院向第十届全国人民代表大会第三次会议提出报告。\n"
     "我们认真执行了2002年和2003年的年度计划。", None, 2004, 2005),
    # a year's development plan or annual plan is the year planned for, unless it is being
    # executed or completed
    ("岚溪县2025年，地区生产总值增长5%。县政府同时提出了2026年的年度计划草案。", None, 2025, 2026),
    ("提请审议岚溪县2026年国民经济和社会发展计划草案。", None, 2025, 2026),
    ("岚溪县2024年国民经济和社会发展计划执行情况良好。2024年粮食丰收。", None, 2024, None),
])
def test_year_reviewed_and_year_delivered(text, title, reviewed, delivered):
    year, year_delivered, _ = infer_years(fold(text), title)
    assert (year, year_delivered) == (reviewed, delivered)


def test_divisions_come_from_the_table_with_code_and_level():
    assert lookup_division("萍乡市").code == "360300" and lookup_division("萍乡市").level == "prefecture"
    assert lookup_division("萍乡").name == "萍乡市"
    assert lookup_division("湘东区").level == "county"
    assert lookup_division("棚户区") is None and lookup_division("主销区") is None


@pytest.mark.parametrize(("text", "region", "level"), [
    # a place with its own party committee is a division even when the table lacks it
    ("中共岚溪县委统战部2023年工作总结\n岚溪县统一战线成员积极建言，岚溪县委召开会议。", "岚溪县", "county"),
    # common nouns ending in 区 are never a region; a place named once in passing is not either
    ("全县推进棚户区改造，棚户区居民喜迁新居，主销区对接顺利。" + "工作稳步推进。" * 40
     + "学习浦东新区经验。", None, None),
    # a short name before another level word is another place: 桃源区 is not the table's 桃源县
    ("桃源区委统战部2024年工作综述\n桃源区统一战线坚持团结奋斗。", "桃源区", "county"),
    # a national report
    ("各位代表：\n现在，我代表国务院，向大会报告政府工作。全国经济稳定增长。", "中国", "country"),
    # the table's place named in the opening, and the county inside the prefecture also named
    ("萍乡市湘东区统一战线工作综述\n湘东区委统战部围绕中心工作，湘东区各界积极参与。", "湘东区", "county"),
])
def test_region_is_a_division_or_null(text, region, level):
    document = pipeline.process_text(text).document
    assert (document.region, document.region_level) == (region, level)


def test_given_metadata_wins_and_both_are_kept():
    report = pipeline.process_text("一、2024年工作回顾\n全县生产总值增长5%。\n二、2025年工作安排\n",
                                   metadata={"year": "2025", "title": "2025年岚溪县人民政府工作报告",
                                             "region": "中国", "url": "https://example.org/a"})
    assert_valid(report)
    document = report.document
    assert (document.year, document.year_source) == (2025, "given")
    assert document.inferred["year"] == 2024 and document.year_delivered == 2025
    assert (document.title, document.title_source) == ("2025年岚溪县人民政府工作报告", "given")
    assert (document.region, document.region_level, document.region_source) == ("中国", "country", "given")
    assert document.metadata["url"] == "https://example.org/a"


@pytest.mark.parametrize("metadata", [{"year": "去年"}, {"year": 12}, {"title": 5}, ["a list"]])
def test_metadata_of_the_wrong_kind_is_a_coded_error(metadata):
    with pytest.raises(errors.BadMetadata):
        pipeline.process_text("全区统战工作稳步推进。", metadata=metadata)


@pytest.mark.skipif(not GOVERNMENT.exists(), reason="needs ../shared/corpora")
def test_national_reports_texts_alone_give_china_and_the_year_before_delivery():
    """Read without their metadata, the 72 government work reports and NPC resolutions are
    national, and the year reviewed is the year before delivery for 49 of the 52 reports whose
    record gives the year. Each other one is a report delivered late in its year (August to
    December) that plans for the next: by the definition it reviews its own year."""
    records = [json.loads(line) for line in GOVERNMENT.read_text("utf-8").splitlines()]
    regions = set()
    right = 0
    for record in records:
        document = pipeline.process_text(record["content"]).document
        regions.add(document.region)
        if record["year"]:
            delivered = int(record["year"])
            right += document.year == delivered - 1
            assert document.year == delivered - 1 or document.year_delivered == delivered + 1 == document.year + 1
    assert regions <= {"中国", None}
    assert right >= 49


@pytest.mark.skipif(not GOVERNMENT.exists(), reason="needs ../shared/corpora")
def test_national_reports_read_as_a_corpus_keep_their_year_and_title(tmp_path):
    """The done-when of issue 14 for the corpus: every report with a year keeps it, titles come
    from the records, and every region is 中国."""
    from pipeline.cli import main

    records = [json.loads(line) for line in GOVERNMENT.read_text("utf-8").splitlines()]
    assert main(["run", str(GOVERNMENT), "-o", str(tmp_path), "--compact", "--workers", "2"]) == 0
    for number, record in enumerate(records, start=1):
        document = json.loads((tmp_path / f"{GOVERNMENT.stem}__{number}.json").read_text("utf-8"))["document"]
        if record["year"]:
            assert (document["year"], document["year_source"]) == (int(record["year"]), "given")
        assert document["title"] == record["title"] and document["title_source"] == "given"
        assert document["region"] == "中国" and document["metadata"]["url"] == record["url"]


def test_the_places_of_taiwan_work_are_not_the_reports_place():
    """A county's review that speaks of Taiwan more often than of itself is still its own."""
    text = ("2023年，建始县统战系统扎实做好对台工作。全年走访台湾同胞12户，接待台湾青年交流团3批，"
            "组织台湾台商座谈会2次，帮助台湾企业解决问题8个。")
    report = pipeline.process_text(text)
    assert report.document.region == "建始县"
    assert report.document.region_level == "county"


def test_every_year_begins_where_the_year_patterns_look_ahead_for_one():
    """The year patterns open with `_AT_YEAR`, a shortcut for `re`: no form of year may begin
    elsewhere (every four characters of digits or Chinese numerals that `YEAR_PATTERN` reads)."""
    numerals = "0123456789〇零一二三四五六七八九"
    years = ["".join(letters) for letters in product(numerals, repeat=4)
             if re.fullmatch(YEAR_PATTERN, "".join(letters))]
    assert "1997" in years and "二〇二三" in years
    assert all(re.match(_AT_YEAR, year) for year in [*years, "1 9 9 7", "2 0 2 3"])


@example("1999年和2000年工作回顾，至2020年主要任务执行，比2019年，2021 \n年度总结，1 9 9 7 年")
@example("二〇二〇年计划2020年代2020年主要任务20 20年")
@given(st.text(alphabet="0129一二〇零 \n年度代和到至比，。工作回顾总结年度计划主要任务执行", max_size=60))
def test_year_patterns_tried_at_year_starts_find_what_finditer_finds(text):
    starts = year_starts(text)
    for pattern in (_YEAR, *_year_patterns()):
        assert [match.span() for match in year_matches(pattern, text, starts)] == \
            [match.span() for match in pattern.finditer(text)]
