"""Quantities: the seed through the scorer, the hand-written case set, the project's own
reports, traps that must stay out, and the offset invariant on arbitrary text."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from pipeline import errors
from pipeline.runner import Pipeline

from conftest import assert_offsets

CASES = Path(__file__).parent / "data" / "quantity_cases.jsonl"
NUMBER_FIELDS = ("value", "low", "high")
EXACT_FIELDS = ("unit", "approx", "kind", "bound")
#: Share of case-set object/verb slots filled exactly as written; measured 544/734 = 0.74.
OBJECT_VERB_FLOOR = 0.72


@pytest.fixture(scope="module")
def extract():
    engine = Pipeline(["segment", "tokenize", "quantities"]).warm_up()
    return lambda sentence: engine(sentence).quantities


def load_cases() -> list[dict]:
    return [json.loads(line) for line in CASES.read_text("utf-8").splitlines() if line.strip()]


def same_number(got, want) -> bool:
    if got is None or want is None:
        return got is want
    return math.isclose(got, want, rel_tol=1e-3)


def mismatches(found, case) -> list[str]:
    required = [q for q in found if q.text not in case["optional"]]
    texts, wanted = [q.text for q in required], [e["text"] for e in case["expect"]]
    if texts != wanted:
        return [f"found {texts}, expected {wanted}"]
    problems = []
    for quantity, expected in zip(required, case["expect"]):
        problems += [f"{quantity.text}.{name}={getattr(quantity, name)!r}, expected {expected[name]!r}"
                     for name in NUMBER_FIELDS if not same_number(getattr(quantity, name), expected[name])]
        problems += [f"{quantity.text}.{name}={getattr(quantity, name)!r}, expected {expected[name]!r}"
                     for name in EXACT_FIELDS if getattr(quantity, name) != expected[name]]
    return problems


@pytest.mark.parametrize("case", load_cases(), ids=lambda case: case["id"])
def test_case_set(case, extract):
    assert not mismatches(extract(case["sentence"]), case), case["sentence"]


def test_case_set_objects_and_verbs(extract):
    right = total = 0
    for case in load_cases():
        found = [q for q in extract(case["sentence"]) if q.text not in case["optional"]]
        for quantity, expected in zip(found, case["expect"]):
            right += (quantity.object == expected["object"]) + (quantity.verb == expected["verb"])
            total += 2
    assert right / total >= OBJECT_VERB_FLOOR, f"{right}/{total}"


def test_seed_quantities_are_all_exact(seed_scores):
    assert seed_scores["quantity_misses"] == [] and seed_scores["quantity_spurious"] == []
    assert seed_scores["quantity_f1"] == 1.0


@pytest.mark.parametrize("sentence", [
    "2022年11月，区委召开统战工作会议。", "二〇二三年，全区统一战线展现新作为。",
    "今年1至6月和1-10月的数据已经公布。", "区政协第三次全体会议在第二批名单公布后召开。",
    "全省第三代半导体产业联盟参与ARJ21和4G、5G项目。", "推动“七个一”机制，增强“四个意识”。",
    "深化两岸交流，统一思想，一同发力，进一步推进一体化。", "千方百计惠及千家万户，万众一心。",
    "这是不平凡的一年，也是重要一年。", "20世纪80年代以来，党的二十大和十四五规划。",
])
def test_traps_are_not_quantities(sentence, extract):
    assert [q.text for q in extract(sentence)] == []


def test_a_marker_ending_another_word_is_not_a_marker(extract):
    [signed] = extract("促成侨资项目签约6个。")
    assert (signed.text, signed.approx) == ("6个", False)


@pytest.mark.parametrize("sentence, text, value, unit", [
    ("糧食產量達到三千二百億斤。", "三千二百億斤", 320000000000, "斤"),
    ("比上年增長百分之四到五。", "百分之四到五", 4, "%"),
    ("支出等於一九五〇年的六倍半。", "六倍半", 6.5, "倍"),
    ("覆盖群众近万人。", "近万人", 10000, "人"),
    ("我们过去两年多经济恢复较快。", "两年多", 2, "年"),
    ("建成5个多元化调解中心。", "5个", 5, "个"),
])
def test_traditional_characters_ranges_and_halves(sentence, text, value, unit, extract):
    [quantity] = extract(sentence)
    assert (quantity.text, quantity.value, quantity.unit) == (text, value, unit)


def test_object_and_verb_follow_chinese_word_order(extract):
    first, second = extract("全年召开周六早餐会7次，打造了11个示范点。")
    assert (first.object, first.verb) == ("周六早餐会", "召开")
    assert (second.object, second.verb) == ("示范点", "打造")


def test_stage_needs_tokens():
    with pytest.raises(errors.MissingRequirement, match="tokens"):
        Pipeline(["segment", "quantities"])


ALPHABET = "0123456789,.一二两三十百千万亿零〇余多近约超过以上左右至到-个人次元年月%成分之第“”，。的"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=40))
def test_any_text_keeps_offsets_and_values(text):
    report = Pipeline(["segment", "tokenize", "quantities"])(f"全区{text}")
    assert_offsets(report)
    for quantity in report.quantities:
        assert quantity.value is not None and quantity.value >= 0
        assert (quantity.bound is None) == (not quantity.approx)


def test_a_token_of_two_quote_marks_opens_no_quotation():
    """Only a single quote mark opens a quotation; a token `“‘` is no quote of its own."""
    from pipeline.records import Token
    from pipeline.stages.quantities import _pieces

    folded = "举办“‘早餐会7次"
    tokens = [Token("举办", 0, 2), Token("“‘", 2, 4), Token("早餐会", 4, 7)]
    assert [piece.text for piece in _pieces(tokens, 0, 7, folded)] == ["举办", "“‘", "早餐会"]
