"""Named activities: scored against gold, and classified and linked on sentences written for
these tests."""
from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pipeline
from conftest import assert_linear
from pipeline.stages import activities
from pipeline.stages.activities import ActivityRules


def activities_of(text: str):
    return {a.name: a for a in pipeline.process_text(text).activities}


def test_seed_activities_meet_the_bar(seed_scores):
    assert seed_scores["activity_f1"] >= 0.9, (seed_scores["activity_misses"], seed_scores["activity_spurious"])


def test_seed_counts_follow_their_activity(seed_report):
    counted = {(a.name, a.count, a.count_unit) for a in seed_report.activities if a.count is not None}
    assert ("政企周六早餐会", 7, "次") in counted
    assert ("百企评部门", 4, "次") in counted


def test_quoted_names_are_classified_by_their_context():
    found = activities_of("县工商联推行“早茶议事”机制，打造“同舟共济”统战品牌，开展“送法进企”等活动，"
                          "探索“统战+乡村治理”工作模式，围绕“强工兴县、文旅活县”发展战略。")
    assert found["早茶议事"].kind == "mechanism"
    assert found["同舟共济"].kind == "brand"
    assert found["送法进企"].kind == "activity"
    assert found["统战+乡村治理"].kind == "model"
    assert "强工兴县、文旅活县" not in found
    assert found["早茶议事"].organiser == "县工商联"


def test_a_quoted_venue_is_an_entity_not_an_activity():
    report = pipeline.process_text("在侨资企业打造了“侨胞之家”，开展“侨爱同行”活动。")
    assert "侨胞之家" not in {a.name for a in report.activities}
    assert ("侨胞之家", "FAC") in {(e.text, e.label) for e in report.entities}


def test_a_name_with_a_space_or_comma_is_one_activity_and_text_keeps_the_quotes():
    report = pipeline.process_text("组织开展“同心向党 携手前行”和“山海同心，共筑家园”系列活动。")
    names = {a.name for a in report.activities}
    assert names == {"同心向党 携手前行", "山海同心，共筑家园"}
    for activity in report.activities:
        assert report.text[activity.start:activity.end] == activity.text
        assert activity.text.startswith("“") and activity.text.endswith("”")


def test_names_and_organisers_keep_traditional_characters_as_written():
    report = pipeline.process_text("柳岸縣委統戰部開展“同心護企”活動，舉辦“僑界聯誼會”3次。")
    found = {a.name: a.organiser for a in report.activities}
    assert found.get("同心護企") == "柳岸縣委統戰部", found


def test_short_quoted_emphasis_is_not_an_activity():
    assert activities_of("一起看看这一年的“答卷”和“亮点”吧。") == {}


def test_unquoted_trigger_names_must_be_specific():
    found = activities_of("柳岸县委统战部开展理想信念教育活动，组织开展书香柳岸行活动5场。")
    assert set(found) == {"书香柳岸行"}
    assert found["书香柳岸行"].count == 5 and found["书香柳岸行"].count_unit == "场"


def test_unquoted_campaigns_with_a_distinctive_name_are_activities():
    found = activities_of("县委统战部启动民企春风行动，开展助企行活动，实施百村大走访工程，深入开展了同心护航行动。")
    assert set(found) == {"民企春风行动", "助企行", "百村大走访工程", "同心护航行动"}
    assert found["助企行"].organiser == "县委统战部"


def test_unquoted_generic_or_bare_names_are_not_activities():
    found = activities_of("开展理想信念教育活动，举办专题学习会，开展大调研活动，开展走访慰问活动，"
                          "组织开展民族团结进步创建活动，开展进行整改活动。")
    assert found == {}


# -- categories that failed on unseen reports -------------------------------------------------------

def test_reported_speech_is_not_an_activity():
    found = activities_of("他感慨地说：“我们这里不仅是家乡，更是大家共同的精神家园。”群众说“心里踏实”，"
                          "大家表示“这样的日子越过越有奔头”。")
    assert found == {}, found


def test_a_long_quoted_sentence_without_a_cue_is_not_an_activity():
    assert activities_of("标语写着“守望相助共同建设美好家园让每一位群众都满意”。") == {}


def test_plan_periods_are_not_activities():
    found = activities_of("“十四五”规划开局良好，推进“十四五”建设，谋划“十五五”发展。")
    assert found == {}, found


def test_unquoted_campaigns_and_named_months_are_activities_when_carried_out():
    found = activities_of("县委统战部开展党史学习教育和主题教育，组织民族团结进步宣传月活动，举办同心活动月。")
    assert {"党史学习教育", "主题教育", "民族团结进步宣传月", "同心活动月"} <= set(found)
    assert found["党史学习教育"].organiser == "县委统战部"


def test_a_campaign_only_mentioned_is_not_an_activity():
    found = activities_of("党史学习教育成效明显，主题教育的成果得到巩固。")
    assert found == {}, found


def test_short_numeral_slogans_after_a_trigger_or_before_activity_are_activities():
    found = activities_of("开展“四进”活动，深入开展“五进”，推动“七进”活动落地。")
    assert {"四进", "五进", "七进"} <= set(found), found


def test_an_unquoted_name_may_hold_a_rare_character_outside_the_basic_block():
    found = activities_of("柳岸县委统战部组织开展书香\U00020BB7岸行活动5场。")
    assert set(found) == {"书香\U00020BB7岸行"}
    assert found["书香\U00020BB7岸行"].count == 5


def test_unquoted_campaigns_listed_beside_a_named_one_are_activities():
    found = activities_of("柳岸县以民族团结宣传月、法治宣传月、千名干部进万家等为载体，推进创建工作。")
    assert {"民族团结宣传月", "法治宣传月", "千名干部进万家"} <= set(found)
    assert not any(name.startswith("以") for name in found)


@pytest.mark.parametrize("text", [
    "法治宣传月、民族团结宣传月",                       # the list opens and closes the text
    "开展了，法治宣传月、、民族团结宣传月、千名干部进万家等。",  # a doubled mark splits the list
    "围绕理想信念、民族团结等，后办法治宣传月、科技进校园。",     # the ending in a later stretch
    "法治宣传月、科技进校园、 民族团结宣传月1、双拥宣传周",     # a space and a digit end stretches
])
def test_lists_are_read_only_in_stretches_holding_a_campaign_ending(text):
    """`_listed` reads only the stretches around a campaign's ending; it finds what reading every
    list of the text finds."""
    from pipeline.stages.activities import _LISTED, activity_rules

    rules = activity_rules()
    every_list = [found for match in _LISTED.finditer(text)
                  for found in rules._listed_in(text, match.start(), match.end(), [])]
    assert rules._listed(text, []) == every_list


def test_a_list_of_topics_beside_no_named_campaign_names_no_activity():
    assert activities_of("围绕理想信念、民族团结、法治教育等主题开展学习。") == {}


def test_a_recruitment_season_is_an_activity():
    found = activities_of("县工商联举办民营企业线上招聘季活动，登记岗位三百个。")
    assert any(name.endswith("民营企业线上招聘季") for name in found), found


@pytest.mark.parametrize("unit", ["“统战”", "一二三四五六七八九十", "宣传月、"])
def test_activity_rules_are_linear_on_hostile_runs(unit):
    """“统战” repeated 20,000 times once took 29 s."""
    assert_linear(ActivityRules().find, unit)


def test_campaigns_named_without_quotes_by_their_shape():
    found = activities_of("开展法治宣传月活动，组织青少年研学交流活动，推进民族政策进校园，县统战部获评先进集体。")
    assert {"法治宣传月", "民族政策进校园"} <= set(found)
    assert any(name.startswith("青少年研学交流") for name in found)
    assert not any("先进集体" in name for name in found)


def test_a_name_whose_opening_quote_was_lost_is_still_a_name():
    found = activities_of("柳岸县打造统战+文旅”品牌，群众说心里踏实”。推行“早茶议事，夜谈民情”机制。")
    assert found["统战+文旅"].kind == "brand"
    assert "心里踏实" not in found and "夜谈民情" not in found


def test_a_note_in_parentheses_between_a_quote_and_its_cue_is_skipped():
    names = list(activities_of("深化调查研究、“一十二”(县委统战部联系1个乡镇，各民主党派联系12个\n企业，下同)活动调研。"))
    assert names == ["一十二"]


def test_a_day_named_by_its_date_is_an_activity_and_a_decimal_is_not():
    names = list(activities_of("桐江县6·30扶贫济困日活动捐款400多万元，共有1.5万人次参加今日活动。"))
    assert names == ["6·30扶贫济困日"]


def test_a_method_named_by_numbered_quoted_words_is_one_name():
    found = activities_of("近年来，桃源镇以三“聚”促三“强”，团结多方力量推动发展。")
    assert [(name, a.kind) for name, a in found.items()] == [("三“聚”促三“强”", "model")]


def test_a_scoped_recurring_event_is_an_activity_and_a_training_class_is_not():
    names = list(activities_of("今夏，全县统一战线暑期读书会如期而至，全县统战干部培训班同期开班。"))
    assert names == ["全县统一战线暑期读书会"]


def test_quoted_texts_shown_as_articles_or_contents_are_not_activities():
    found = activities_of("墙上的“统一战线工作范围和对象”12条、“统一战线的相关知识”等内容让人耳目一新，"
                          "镇里开展“同心桃岭”活动。")
    assert list(found) == ["同心桃岭"]


def test_a_word_after_a_quote_listed_under_two_kinds_is_refused(monkeypatch):
    # The kind of a quoted name is looked up by the word after it: a word under two kinds would
    # make the lookup pick one silently.
    doubled = copy.deepcopy(activities.cues())
    doubled["kinds_after"]["model"].append(doubled["kinds_after"]["activity"][0])
    monkeypatch.setattr(activities, "cues", lambda: doubled)
    with pytest.raises(ValueError, match="listed under two kinds_after"):
        ActivityRules()


@given(st.text(alphabet="0123·•・.日年节会庆一二四扶贫济困慈善“”促强a \n", max_size=40))
def test_self_named_patterns_find_from_their_starts_what_they_find_anywhere(text):
    assert [match.span() for match in activities.named_days(text)] == \
        [match.span() for match in activities._NAMED_DAY.finditer(text)]
    assert [match.span() for match in activities.numbered_methods(text)] == \
        [match.span() for match in activities._NUMBERED_METHOD.finditer(text)]


def test_numbered_methods_are_found_from_their_quotes():
    text = "以四“聚”促四“强”，推行三“联”带三“助”工作法，“一”促二“强”"
    assert [match.group() for match in activities.numbered_methods(text)] == \
        [match.group() for match in activities._NUMBERED_METHOD.finditer(text)] == ["四“聚”促四“强”", "三“联”带三“助”"]


def test_named_days_are_found_after_digits_and_dots_too():
    text = "1.5·9·5日，在9·5中华慈善日和12·4宪法宣传日，3·30日"
    assert [match.group() for match in activities.named_days(text)] == \
        [match.group() for match in activities._NAMED_DAY.finditer(text)] == ["9·5中华慈善日", "12·4宪法宣传日"]
