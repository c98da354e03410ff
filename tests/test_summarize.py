"""The summary: per-area figures, activities and names, the representative sentence, year/issuer."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from conftest import CORPORA, assert_valid
from pipeline.draft import Draft
from pipeline.records import Activity, DocumentMeta, Entity, Quantity, Report
from pipeline.stages import segment, summarize
from pipeline.metadata import infer_years, issuing_body
from pipeline.stages.summarize import area_catalogue
from pipeline.textnorm import fold

AREA_IDS = [area.id for area in area_catalogue()]


def _draft(text: str, title: str | None = None) -> Draft:
    meta = DocumentMeta(doc_id="t", source="t.txt", sha256="0" * 64, encoding="utf-8",
                        format="text", chars=len(text), title=title)
    draft = Draft(text=text, folded=fold(text), meta=meta)
    segment.make_stage()(draft)
    return draft


def _record(record_type, text: str, surface: str, **fields):
    start = text.index(surface)
    if record_type is Activity:
        fields["name"] = surface.strip("“”")
    return record_type(text=surface, start=start, end=start + len(surface), **fields)


def _report(draft: Draft) -> Report:
    from pipeline.provenance import provenance

    return Report(document=draft.meta, text=draft.text, sections=tuple(draft.sections),
                  paragraphs=tuple(draft.paragraphs), sentences=tuple(draft.sentences),
                  quantities=tuple(draft.quantities), entities=tuple(draft.entities),
                  activities=tuple(draft.activities), summary=draft.summary,
                  provenance=provenance())


# An invented report: a lead, then one paragraph on the private economy, one on rural elites.
TEXT = ("2023年，桃源县统一战线工作取得新进展。\n"
        "全年举办政企恳谈会6次，召开“企业评窗口”座谈会3次，协调解决企业诉求40余件。"
        "全县商会捐资助学500余万元。民营企业参与“万企兴万村”行动。\n"
        "成立新乡贤理事会12个，新乡贤回乡投资项目8个。新乡贤参与乡村治理。\n")


@pytest.fixture()
def economy_draft() -> Draft:
    draft = _draft(TEXT)
    areas = {1: "non_public_economy", 2: "non_public_economy", 3: "non_public_economy",
             4: "new_rural_elites", 5: "new_rural_elites"}
    draft.sentences = [replace(s, area=areas.get(s.id, "general")) for s in draft.sentences]
    draft.quantities = [
        _record(Quantity, TEXT, "6次", value=6, unit="次", approx=False, kind="count",
                object="政企恳谈会", verb="举办"),
        _record(Quantity, TEXT, "3次", value=3, unit="次", approx=False, kind="count",
                object="“企业评窗口”座谈会", verb="召开"),
        _record(Quantity, TEXT, "40余件", value=40, unit="件", approx=True, kind="count",
                object="企业诉求", verb="协调解决"),
        _record(Quantity, TEXT, "500余万元", value=5_000_000, unit="元", approx=True,
                kind="money", object=None, verb="捐资助学"),
        _record(Quantity, TEXT, "12个", value=12, unit="个", approx=False, kind="count",
                object="新乡贤理事会", verb="成立"),
    ]
    draft.activities = [
        _record(Activity, TEXT, "“企业评窗口”", count=3, count_unit="次"),
        _record(Activity, TEXT, "“万企兴万村”"),
    ]
    draft.entities = [
        _record(Entity, TEXT, "桃源县", label="GPE"),
        _record(Entity, TEXT, "新乡贤理事会", label="ORG", canonical="桃源县新乡贤理事会"),
        _record(Entity, TEXT, "全县商会", label="ORG"),
    ]
    summarize.make_stage()(draft)
    return draft


def test_key_figures_say_what_was_counted_and_done(economy_draft):
    economy = economy_draft.summary["areas"]["non_public_economy"]
    labels = [figure["label"] for figure in economy["key_figures"]]
    assert labels == ["举办 政企恳谈会 6次", "召开 “企业评窗口”座谈会 3次",
                      "协调解决 企业诉求 40余件", "捐资助学 500余万元"]
    money = economy["key_figures"][-1]
    assert (money["value"], money["unit"], money["approx"]) == (5_000_000, "元", True)
    rural = economy_draft.summary["areas"]["new_rural_elites"]
    assert [figure["label"] for figure in rural["key_figures"]] == ["成立 新乡贤理事会 12个"]


def test_activities_names_and_counts_land_in_their_area(economy_draft):
    areas = economy_draft.summary["areas"]
    activities = {row["name"]: row for row in areas["non_public_economy"]["activities"]}
    assert activities["企业评窗口"]["count"] == 3 and activities["企业评窗口"]["count_unit"] == "次"
    assert activities["万企兴万村"]["count"] is None
    assert areas["non_public_economy"]["organisations"] == ["全县商会"]
    assert areas["new_rural_elites"]["organisations"] == ["桃源县新乡贤理事会"]  # canonical
    assert areas["general"]["places"] == ["桃源县"]


def test_every_area_is_present_and_the_counts_add_up(economy_draft):
    summary = economy_draft.summary
    assert list(summary["areas"]) == AREA_IDS
    assert sum(entry["sentences"] for entry in summary["areas"].values()) \
        == summary["totals"]["sentences"] == len(economy_draft.sentences)
    assert summary["totals"]["areas_covered"] == 2
    assert summary["areas"]["party_leadership"]["representative_sentence"] is None
    assert abs(sum(entry["share"] for entry in summary["areas"].values()) - 1) < 0.001


def test_summary_validates_and_sets_the_year(economy_draft):
    assert economy_draft.summary["year"] == economy_draft.meta.year == 2023
    assert_valid(_report(economy_draft))


def test_empty_records_still_give_a_valid_summary():
    draft = _draft("全区统战工作稳步推进。各项任务圆满完成。")
    summarize.make_stage()(draft)
    assert all(entry["key_figures"] == [] for entry in draft.summary["areas"].values())
    assert draft.summary["areas"]["general"]["sentences"] == 2
    assert_valid(_report(draft))


def test_the_representative_sentence_is_the_most_central_one():
    # The third sentence joins what the first two say; the fourth shares nothing.
    text = "县工商联走访民营企业。民营企业开展公益服务。县工商联走访民营企业开展公益服务。今天天气晴朗。"
    draft = _draft(text)
    draft.sentences = [replace(s, area="non_public_economy") for s in draft.sentences]
    summarize.make_stage()(draft)
    chosen = draft.summary["areas"]["non_public_economy"]["representative_sentence"]
    assert chosen["text"] == "县工商联走访民营企业开展公益服务。"
    assert text[chosen["start"]:chosen["end"]] == chosen["text"]


@pytest.mark.parametrize(("text", "title", "year"), [
    ("回顾一年来的工作。2021年全县如何如何。", "某县统战部2022年工作总结", 2022),
    ("会议总结2023年全县统战工作，部署2024年重点任务。2023年成效明显。2024年工作打算如下。",
     None, 2023),
    ("二〇二一年，全区统战工作稳步推进。", None, 2021),
    ("全区统战工作稳步推进。", None, None),
])
def test_reviewed_year(text, title, year):
    assert infer_years(fold(text), title)[0] == year


@pytest.mark.parametrize(("text", "title", "issuer"), [
    ("正文。", "中共桃源县委统战部2023年工作总结", "中共桃源县委统战部"),
    ("正文。", "桃源县人民政府关于2023年工作情况的报告", "桃源县人民政府"),
    ("正文内容。来源：桃源县委统战部 编辑：张三", None, "桃源县委统战部"),
    ("正文内容。（桃源县委统战部供稿）", None, "桃源县委统战部"),
    ("正文内容如下。\n中共桃源县委统一战线工作部\n2024年1月5日\n", None, "中共桃源县委统一战线工作部"),
    ("在全县统战工作会议上的讲话\n县委常委、统战部部长 李某\n同志们：今天召开全体会。", None, None),
    ("工作取得成效。\n我们召开了全体会。", None, None),
])
def test_issuing_body(text, title, issuer):
    assert issuing_body(text, fold(text), title) == issuer


def test_seed_summary_lists_the_private_economy_figures(seed_report):
    """The done-when of issue 6: breakfast meetings 7 times, the 百企评部门 meetings 4 times, and
    13 million yuan with what it was, under non_public_economy; and the summary validates."""
    assert_valid(seed_report)
    economy = seed_report.summary["areas"]["non_public_economy"]
    figures = {(figure["value"], figure["unit"]): figure["label"]
               for figure in economy["key_figures"]}
    assert "周六早餐会" in figures[(7, "次")]
    assert "百企评部门" in figures[(4, "次")] and "会议" in figures[(4, "次")]
    assert "捐款捐物" in figures[(13_000_000, "元")] and "1300余万元" in figures[(13_000_000, "元")]
    assert all(seed_report.text[figure["start"]:figure["end"]] == figure["text"]
               for figure in economy["key_figures"])
    assert seed_report.summary["year"] == 2022
    assert seed_report.document.year == 2022


def test_own_reports_summaries_validate_and_account_for_every_record():
    import pipeline

    for path in sorted((CORPORA / "reports").glob("*.txt")):
        if "heldout" in path.name:
            continue
        report = pipeline.process_file(path)
        assert_valid(report)
        areas = report.summary["areas"].values()
        assert sum(entry["sentences"] for entry in areas) == len(report.sentences), path
        figures = [quantity for quantity in report.quantities if summarize.is_key_figure(quantity)]
        assert sum(len(entry["key_figures"]) for entry in areas) == len(figures), path
        assert all(quantity.role == "figure" for quantity in figures), path
        assert json.loads(report.to_json())["summary"]["totals"]["chars"] == len(report.text)
