"""Entities: scored against gold on the seed and the project's own reports, and checked on
sentences written for these tests about invented places."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import pipeline
from conftest import assert_linear, assert_offsets


def entities_of(text: str) -> dict[str, str]:
    return {e.text: e.label for e in pipeline.process_text(text).entities}


def assert_none_labelled(text: str, label: str) -> dict[str, str]:
    """Asserts that `text` has no entity of `label`; returns its entities for further checks."""
    found = entities_of(text)
    assert not any(found_label == label for found_label in found.values()), found
    return found


def test_seed_entities_meet_the_bar(seed_scores):
    assert seed_scores["entity_f1"] >= 0.9, (seed_scores["entity_misses"], seed_scores["entity_spurious"])


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
    ("2024年3月5日", "2024-03-05"), ("2022年11月", "2022-11"), ("二〇二二年", "2022"), ("6月18日", "--06-18"),
    # a part of the year or month belongs to the one date
    ("2025年底", "2025-12"), ("2020年末", "2020-12"), ("2023年初", "2023-01"), ("2021年12月底", "2021-12"),
    ("2022年6月中旬", "2022-06"), ("2022年3月上旬", "2022-03")])
def test_dates_are_one_entity_normalised_to_iso(surface, normalized):
    report = pipeline.process_text(f"柳岸县计划于{surface}前召开会议。")
    dates = {e.text: e.normalized for e in report.entities if e.label == "DATE"}
    assert dates == {surface: normalized}


def test_impossible_dates_get_no_normal_form():
    """A day the month lacks stays a date, without a normal form; a month past 12 is no date."""
    report = pipeline.process_text("柳岸县于5月32日、2023年2月29日和2024年2月29日召开会议，2023年13月45日无此日。")
    dates = {e.text: e.normalized for e in report.entities if e.label == "DATE"}
    assert dates == {"5月32日": None, "2023年2月29日": None, "2024年2月29日": "2024-02-29"}


_REGION_PROBE = """
import json, sys
import pipeline
report = pipeline.process_text(sys.argv[1])
print(json.dumps([report.document.region,
                  sorted((e.text, e.canonical) for e in report.entities if e.canonical)], ensure_ascii=False))
"""


def test_region_and_canonical_names_do_not_depend_on_hash_order():
    """Two invented counties named equally often: the one named first is the report's region,
    whatever order Python's string hashing gives a set."""
    import os
    import subprocess
    import sys

    text = "中共青岚县委和中共松禾县委联合调研。青岚县、松禾县各有代表发言。县委统战部作总结。"
    answers = set()
    for seed in ("1", "2", "3", "4", "5", "6"):
        answers.add(subprocess.run([sys.executable, "-c", _REGION_PROBE, text], check=True, text=True,
                                   capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout)
    assert len(answers) == 1, answers
    region, canonical = json.loads(answers.pop())
    assert region == "青岚县"
    assert ["县委统战部", "青岚县委统战部"] in canonical


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


# -- categories found wanting on a held-out report; each with the ordinary words it must leave --

def test_foreign_countries_and_hong_kong_macao_taiwan_places_are_gpe():
    found = entities_of("县侨联组织侨胞赴泰国、越南和马来西亚考察，接待美国、新加坡、香港、澳门、台湾客商，台北乡亲来访。")
    for place in ("泰国", "越南", "马来西亚", "美国", "新加坡", "香港", "澳门", "台湾", "台北"):
        assert found.get(place) == "GPE", place


def test_country_names_inside_ordinary_words_are_not_places():
    assert_none_labelled("朝鲜族群众欢度节日，坚持中国特色社会主义，在平台中发布信息，深化中非合作。", "GPE")


def test_autonomous_area_bodies_keep_their_whole_level_word():
    found = entities_of("自治区党委统战部、自治区政协调研组来县调研，州委统战部、州政协和自治县人民政府陪同。")
    for body in ("自治区党委统战部", "自治区政协", "州委统战部", "州政协", "自治县人民政府"):
        assert found.get(body) == "ORG", body
    assert "区政协" not in found and "县人民政府" not in found


def test_a_level_word_resolves_only_to_a_place_of_that_level():
    report = pipeline.process_text(
        "柳岸县委统战部总结工作。柳岸县政协、柳岸县工商联参加。邻近的桃溪区来人交流。"
        "区政协、自治区政协、县人民法院、州委统战部出席。柳岸县隶属云岭苗族侗族自治州。")
    assert report.document.region == "柳岸县"
    canonical = {e.text: e.canonical for e in report.entities if e.label == "ORG"}
    assert canonical["县人民法院"] == "柳岸县人民法院"
    assert canonical["州委统战部"] == "云岭苗族侗族自治州委统战部"
    # A county report's 区政协 is no body of the district it mentions in passing, nor of an 自治区.
    assert canonical["区政协"] is None and canonical["自治区政协"] is None


@pytest.mark.parametrize("body", [
    "县人民法院", "县人民检察院", "县农业农村局", "市民族宗教事务局", "县委宣传部", "县委政法委", "县人社局",
    "乡镇人民政府", "街道办事处", "村委会", "居委会", "县妇联", "团县委", "县残联", "县红十字会",
    "县退役军人事务局", "县新时代文明实践中心", "县政府办公室", "县第一人民医院", "县市场监管局"])
def test_departments_courts_and_mass_organisations_are_bodies(body):
    assert entities_of(f"会议由{body}牵头，各方配合。").get(body) == "ORG"


def test_department_suffixes_in_ordinary_words_make_no_body():
    found = entities_of("服务全市发展大局，构建大统战工作格局，县委常委出席，县城中心和全县各医院都参与，"
                        "要学会运用政策，县里举办培训，县教育局局长讲话。")
    assert set(found) == {"县教育局"}, found


@pytest.mark.parametrize("meeting", [
    "县政协十届三次会议", "第三届柳岸县新乡贤代表大会", "第五次全国民族团结进步表彰大会", "全国两会",
    "二十届三中全会", "十四届全国人大二次会议"])
def test_numbered_meetings_and_sessions_are_events(meeting):
    assert entities_of(f"认真学习{meeting}精神。").get(meeting) == "EVENT"


def test_an_unnamed_numbered_meeting_is_no_event():
    assert_none_labelled("召开第三次会议和第一次全体会议，开展第二批主题教育。", "EVENT")


def test_towns_led_by_numerals_and_ethnic_townships_are_whole_places():
    found = entities_of("在六合瑶族乡、三江镇、八一村和九龙街道建成服务站，石岭回族镇、云岭苗族侗族自治县也参加。")
    for place in ("六合瑶族乡", "三江镇", "八一村", "九龙街道", "石岭回族镇", "云岭苗族侗族自治县"):
        assert found.get(place) == "GPE", place
    assert not {"瑶族乡", "侗族自治县", "苗族侗族自治县"} & set(found)


def test_numerals_before_a_town_suffix_that_count_or_rate_are_no_places():
    assert_none_labelled("评选十佳村、百强镇，推进一村一品，两个街道和十二个乡镇全覆盖。", "GPE")


def test_persons_are_found_by_role_cues_titles_and_lists():
    found = entities_of("县工商联主席张建国、副主席李红出席，会长王海涛，总经理刘洋参加。"
                        "会上，周文斌书记讲话。李明、王小红、赵强同志发言，委员孙立、钱芳等列席。")
    for person in ("张建国", "李红", "王海涛", "刘洋", "周文斌", "李明", "王小红", "赵强", "孙立", "钱芳"):
        assert found.get(person) == "PERSON", person


def test_words_that_start_with_a_surname_are_not_persons():
    assert_none_labelled("常务副主任主持会议，区委书记讲话，荣获慈善奖的青少年发言，华侨华人踊跃参与，"
                         "组长单位牵头，开展乡亲桑梓行活动。", "PERSON")


# -- categories that failed on unseen reports; each with the ordinary words it must leave --------

def test_towns_villages_and_communities_are_found_from_their_shape_alone():
    found = entities_of("县委统战部到桃源镇调研，走访了石桥村小学和翠湖社区同心驿站，湖滨街道、青山乡也参加。")
    for place in ("桃源镇", "石桥村", "翠湖社区", "湖滨街道", "青山乡"):
        assert found.get(place) == "GPE", place
    assert not {"到桃源镇", "了石桥村", "和翠湖社区"} & set(found)


def test_words_ending_in_a_town_suffix_that_rate_or_act_on_places_are_no_towns():
    assert_none_labelled("推进乡村振兴和城乡融合，送科技下乡，建设美丽家乡，评选十佳村和百强镇，发展社区服务，"
                         "建设重点村、中心村和示范村，移民建镇，合作社区域发展，该村村民和本镇干部都参加。", "GPE")


def test_a_place_stem_never_starts_outside_the_place():
    found = assert_none_labelled("党外县政协委员积极履职，境外县籍乡亲返乡，全县各乡镇参与。", "GPE")
    assert found.get("县政协") == "ORG"


@pytest.mark.parametrize("committee", [
    "民盟云岭州委", "九三学社柳岸市委", "民革柳岸县委员会", "民建柳岸支部", "农工党柳岸总支", "致公党柳岸基层委员会",
    "民进省委"])
def test_democratic_party_committees_at_any_level_are_whole_bodies(committee):
    assert entities_of(f"会议由{committee}承办。").get(committee) == "ORG"


def test_a_party_name_before_ordinary_words_makes_no_committee():
    # Each party is named alone; no committee runs on into 委员会议 or 委员发言.
    assert entities_of("民建会员参加支部活动，民盟盟员积极参加委员会议，民进委员发言。") == \
        {"民建": "ORG", "民盟": "ORG", "民进": "ORG"}


@pytest.mark.parametrize("body", [
    "桃源镇党委", "石桥村小学", "白沙镇中心小学", "桃源镇卫生院", "香港柳岸同乡会", "柳岸县台湾同胞投资企业协会",
    "柳岸县顺和茶业有限公司", "县发展和改革局", "县人力资源和社会保障局", "县住房和城乡建设局"])
def test_bodies_with_a_place_and_a_generic_suffix_are_whole(body):
    assert entities_of(f"走访了{body}，了解情况。").get(body) == "ORG"


def test_two_bodies_joined_by_and_stay_two():
    found = entities_of("县公安局和交通局联合执法，县委统战部和公安局参加，香港国际金融中心地位巩固。")
    assert found.get("县公安局") == "ORG"
    assert not {"县公安局和交通局", "县委统战部和公安局", "香港国际金融中心"} & set(found), found


@pytest.mark.parametrize("venue", [
    "石桥村幸福食堂", "桃源镇民族团结进步事迹陈列馆", "翠湖社区同心驿站", "石桥村农家书屋", "湖滨街道新时代文明实践服务站"])
def test_venues_named_after_their_place_are_whole(venue):
    assert entities_of(f"参观了{venue}，座谈交流。").get(venue) == "FAC"


@pytest.mark.parametrize("meeting", ["全州民营经济发展大会", "全县新乡贤工作推进会", "2024年度新乡贤工作推进会"])
def test_meetings_named_by_scope_or_year_and_topic_are_events(meeting):
    assert entities_of(f"召开{meeting}，部署工作。").get(meeting) == "EVENT"


def test_a_year_before_a_verb_or_a_numbered_session_is_only_a_date():
    found = entities_of("2024年召开座谈会，1990年七届全国人大三次会议通过。")
    assert found.get("2024年") == "DATE" and found.get("1990年") == "DATE"
    assert not any(name[:4] in ("2024", "1990") and label == "EVENT" for name, label in found.items()), found


def test_a_year_before_a_word_starting_with_chu_is_only_the_year():
    report = pipeline.process_text("2023年初步建成服务体系。")
    assert {e.text: e.normalized for e in report.entities if e.label == "DATE"} == {"2023年": "2023"}


def test_a_surname_with_an_honorific_is_a_person():
    found = entities_of("赵先生、王女士出席座谈，他原先生活在石桥村。")
    assert found.get("赵先生") == "PERSON" and found.get("王女士") == "PERSON"
    assert not any(name.endswith("先生活") or name == "原先生" for name in found), found


def test_a_country_inside_a_body_is_still_a_place():
    found = entities_of("美国政府发布报告，泰国柳岸同乡会来访。")
    assert found.get("美国政府") == "ORG" and found.get("美国") == "GPE"
    assert found.get("泰国柳岸同乡会") == "ORG" and found.get("泰国") == "GPE"


def test_a_level_word_of_rank_is_not_the_reports_own_place():
    report = pipeline.process_text("湖南省长沙市推进省级区域医疗中心建设，省政协调研。")
    canonical = {e.text: e.canonical for e in report.entities}
    assert canonical["省政协"] == "湖南省政协"
    assert canonical["省级区域医疗中心"] is None


def entity_records(text: str) -> dict[str, object]:
    return {e.text: e for e in pipeline.process_text(text).entities}


def test_democratic_parties_are_named_alone_with_their_full_name():
    found = entity_records("柳岸县现有民革、民盟、民建、民进、农工党、致公党、九三学社和台盟的基层组织，"
                           "无党派人士积极参与。")
    assert {name: e.label for name, e in found.items() if e.label == "ORG"} == {
        name: "ORG" for name in ("民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟")}
    assert found["民盟"].canonical == "中国民主同盟" and found["农工党"].canonical == "中国农工民主党"
    assert "无党派人士" not in found


def test_party_short_names_across_words_are_no_parties():
    assert_none_labelled("人民进行了投票，居民建房有序推进，群众学习人民革命历史，移民建镇工作完成。", "ORG")


@pytest.mark.parametrize("text,not_a_name", [
    ("全县上下隆重庆祝建县七十周年。", "重庆"),
    ("沿海地区的侨胞纷纷回乡投资。", "海地"),
    ("全国解放后，柳岸县成立了统战部。", "解放"),
    ("印度支那难民安置工作有序推进。", "印度"),
    ("完成棚户区改造三百户。", "棚户区"),
    ("桃源镇是闽东商贸重镇，也是侨乡。", "商贸重镇"),
    ("县医院开展义诊活动。", "县医院"),
    ("柳岸县中医院和县妇幼保健院完成改扩建，县级医院服务能力提升。", "县中医院"),
    ("柳岸县中医院和县妇幼保健院完成改扩建，县级医院服务能力提升。", "县妇幼保健院"),
    ("柳岸县中医院和县妇幼保健院完成改扩建，县级医院服务能力提升。", "县级医院"),
    ("加强与沿海城市的产业合作。", "海城市"),
    ("稳定主销区粮食供应，支持产棉区发展，扩大城市公立医院改革试点，摘帽县巩固成果。", "主销区"),
    ("稳定主销区粮食供应，支持产棉区发展，扩大城市公立医院改革试点，摘帽县巩固成果。", "大城市"),
    ("稳定主销区粮食供应，支持产棉区发展，扩大城市公立医院改革试点，摘帽县巩固成果。", "摘帽县"),
    ("改造薄弱的铁路区段，发挥中部区位优势。", "铁路区"),
    ("改造薄弱的铁路区段，发挥中部区位优势。", "中部区"),
    ("柳岸县政务服务实现一网通办、掌上办、异地可办。", "一网通办"),
    ("柳岸县政务服务实现一网通办、掌上办、异地可办。", "掌上办"),
    ("到年底基本实现县县有图书馆、文化馆。", "县县有图书馆"),
    ("桃源市做到市市有博物馆，乡乡有文化站。", "市市有博物馆"),
    ("新建同心驿站三个，新建服务站两个。", "新建"),
])
def test_precision_traps_are_never_names(text, not_a_name):
    assert not_a_name not in entities_of(text)


def test_a_surname_at_a_sentence_start_is_no_person():
    assert_none_labelled("严格落实统战工作责任制。陈列馆开放。万众一心谋发展。", "PERSON")


def test_a_party_unit_never_runs_on_over_its_officers():
    found = entities_of("民盟江城大学总支主委张明华携副主委李红走访企业。")
    assert found.get("民盟江城大学总支") == "ORG"
    assert found.get("张明华") == "PERSON" and found.get("李红") == "PERSON"
    assert not any("携" in name for name in found)


def test_places_carry_their_code_level_and_full_name():
    found = entity_records("杭州市萧山区统战部召开会议。萧山统一战线成员积极建言。")
    assert (found["萧山"].code, found["萧山"].level, found["萧山"].canonical) == ("330109", "county", "杭州市萧山区")
    assert (found["杭州市"].code, found["杭州市"].level) == ("330100", "prefecture")


def test_a_short_name_the_report_repeats_as_a_word_is_its_place():
    found = pipeline.process_text("围绕建设美丽江阴，打造江阴特色品牌。").entities
    assert [(e.text, e.label, e.code) for e in found] == [("江阴", "GPE", "320281")] * 2
    assert entities_of("围绕建设美丽江阴，推进城乡融合。") == {}


def test_short_names_that_are_ordinary_words_are_no_places_however_often_repeated():
    found = entities_of("推动文化惠民，办好惠民实事；深化友谊，增进友谊；全国解放以来，解放思想。")
    assert not any(label == "GPE" for label in found.values()), found


def test_a_prefecture_short_name_counts_once_and_a_rank_is_no_part_of_a_place():
    assert entity_records("组织会员赴成都考察。")["成都"].code == "510100"
    found = entity_records("建成绵阳市级侨胞之家。")
    assert found["绵阳"].label == "GPE" and "绵阳市" not in found


def test_townships_of_the_reports_county_are_found_by_their_short_names():
    found = entity_records("安吉县建有天荒坪、孝丰、梅溪等乡镇商会，递铺街道成立新联会。")
    for township in ("天荒坪", "孝丰", "梅溪"):
        assert (found[township].label, found[township].code, found[township].level) == ("GPE", "330523", "township")
    assert found["孝丰"].canonical == "湖州市安吉县孝丰镇"
    assert found["递铺街道"].canonical == "湖州市安吉县递铺街道"


def test_a_township_short_name_heading_a_longer_word_is_no_township():
    found = entities_of("安吉县孝丰镇党委组织学习，孝丰路改造完成。")
    assert "孝丰" not in found


@pytest.mark.parametrize("text,names,label", [
    ("民宗委内设办公室、民族工作处、宗教事务处和政策法规处。", ["民族工作处", "宗教事务处", "政策法规处"], "ORG"),
    ("县工商联建有青禾茶业同业会、汽车维修协会、餐饮烹饪行业协会等行业组织。",
     ["青禾茶业同业会", "汽车维修协会", "餐饮烹饪行业协会"], "ORG"),
    ("同时，柳岸日报、柳岸电视台、柳岸广播电视台等媒体开设专栏。", ["柳岸日报", "柳岸电视台", "柳岸广播电视台"], "ORG"),
    ("组织会员到青石岭战斗遗址、松禾木门会议遗址、柳岸廉政教育基地、青岚烈士故里等地参观。",
     ["青石岭战斗遗址", "松禾木门会议遗址", "柳岸廉政教育基地", "青岚烈士故里"], "FAC"),
    ("王晓燕、刘明、陈建国等同志出席会议。", ["王晓燕", "刘明", "陈建国"], "PERSON"),
    ("海外侨胞遍布澳洲、东南亚和欧洲。", ["澳洲", "东南亚", "欧洲"], "GPE"),
])
def test_names_listed_side_by_side_share_their_kind(text, names, label):
    found = entities_of(text)
    assert {name: found.get(name) for name in names} == {name: label for name in names}
    assert "办公室" not in found


def test_a_roster_of_divisions_takes_each_division_whole():
    """A yearbook's roster of internal divisions: with three items that read as bodies, the
    others ending as one are bodies too, though 与, 和, 的 or a verb inside would stop a name
    found elsewhere."""
    found = entities_of("柳岸市委统战部内设9个处室，分别为：办公室、民族工作处、宗教事务处、经济联络处、"
                        "侨务与港澳工作处、党外干部和知识分子工作处、新的社会阶层人士工作处、离退休干部服务处。")
    for division in ("民族工作处", "宗教事务处", "经济联络处", "侨务与港澳工作处", "党外干部和知识分子工作处",
                     "新的社会阶层人士工作处", "离退休干部服务处"):
        assert found.get(division) == "ORG", division


def test_two_bodies_make_no_roster():
    """Below a roster's three bodies, an item holding a function character is no name."""
    found = entities_of("全年走访青禾商会、汽车维修协会、有关的行业协会。")
    assert found.get("汽车维修协会") == "ORG" and "有关的行业协会" not in found


def test_a_list_of_ordinary_words_names_nothing():
    assert entities_of("坚持团结、民主、和谐、发展，做到思想上、政治上、行动上同心同德。") == {}


def test_a_body_named_in_parentheses_is_a_body():
    assert entities_of("新组建行业协会2个（青禾茶叶协会）。").get("青禾茶叶协会") == "ORG"


@pytest.mark.parametrize("text,group", [
    ("调整充实党委统战工作领导小组，选齐配强工作人员。", "党委统战工作领导小组"),
    ("召开统一战线工作领导小组会议，部署全年工作。", "统一战线工作领导小组"),
    ("巩固大统战工作格局市委统一战线工作领导小组严格落实主体责任。", "市委统一战线工作领导小组"),
    ("县委统战部党史学习教育领导小组召开会议。", "县委统战部党史学习教育领导小组"),
])
def test_leading_groups_in_all_spellings_are_bodies(text, group):
    assert entities_of(text).get(group) == "ORG"


def test_numbered_congresses_and_national_meetings_are_events():
    found = entities_of("组织学习中共十七大精神，宣讲十八次全国统战工作会议精神，召开了三次全省会议。")
    assert found.get("中共十七大") == "EVENT" and found.get("十八次全国统战工作会议") == "EVENT"
    assert "三次全省会议" not in found


def test_historical_figures_are_persons():
    assert entities_of("观看陈嘉庚图片展，学习赵朴初事迹。") == {"陈嘉庚": "PERSON", "赵朴初": "PERSON"}


@pytest.mark.parametrize("unit", ["一二三四五六七八九十", "十届三次", "桃源、"])
def test_entity_rules_are_linear_on_hostile_runs(unit):
    """A run of numerals once took 8.5 s on 80,000 characters."""
    from pipeline.stages.entities import EntityRules

    assert_linear(EntityRules().find, unit)


def test_word_families_find_every_word_where_it_starts_longest_first():
    from pipeline.stages.entities.common import (LongestWords, WordFamilies, alternation, grouped_by_start,
                                                 longest_not_before)

    words = ["柳岸", "柳岸县", "岸县", "县城", "桃源镇", "源镇", "镇"]
    text = "柳岸县城到桃源镇，柳岸县柳岸𠀋桃源镇"
    every = [(at, sorted((at + len(w) for w in words if text.startswith(w, at)), reverse=True))
             for at in range(len(text))]
    found = WordFamilies({"all": words, "longest": words, "each": words}, at_each_start=["each"], every=["all"]).find(text)
    assert list(grouped_by_start(found["all"])) == [(at, ends) for at, ends in every if ends]
    assert found["each"] == [(at, ends[0]) for at, ends in every if ends]
    # As a longest-first alternation's `finditer` finds them.
    assert found["longest"] == [m.span() for m in re.finditer(alternation(words), text)]
    assert list(LongestWords(words).leftmost_longest(text)) == \
        [(0, "柳岸县"), (5, "桃源镇"), (9, "柳岸县"), (12, "柳岸"), (15, "桃源镇")]
    # As the alternation followed by a negative lookahead finds them: 柳岸县 before 城 gives way to 柳岸.
    two_or_more = [w for w in words if len(w) >= 2]
    spans = WordFamilies({"words": two_or_more}, every=["words"]).find(text)["words"]
    assert [(at, text[at:end]) for at, end in longest_not_before(text, spans, "城")] == \
        [(m.start(), m.group()) for m in re.finditer(f"(?:{alternation(two_or_more)})(?!城)", text)] == \
        [(0, "柳岸"), (2, "县城"), (5, "桃源镇"), (9, "柳岸县"), (12, "柳岸"), (15, "桃源镇")]
    # A family with no span reads as an empty sequence, shared: no list is made for it.
    assert WordFamilies({"none": []}).find(text) == {"none": ()}


def test_positions_read_as_a_set_of_the_positions_within_the_text():
    from array import array

    import numpy

    from pipeline.stages.entities.common import Positions, _mark, word_positions

    for given in (array("i", [0, 3, 7]), frozenset({0, 3, 7, -2, 12})):
        marks = numpy.zeros(11, dtype=numpy.uint8)
        _mark(marks, given)
        positions = Positions(marks)
        assert [at for at in range(-3, 14) if at in positions] == [0, 3, 7]
        assert positions.any_within(1, 4) and not positions.any_within(4, 7) and not positions.any_within(8, 8)
    starts, bounds = word_positions("柳岸 县\n桃源镇", array("i", [0, 3, 5]))
    assert starts is not None and bounds is not None
    assert [at for at in range(-3, 14) if at in starts] == [0, 3, 5]
    # A word also ends before white space and at the text's end.
    assert [at for at in range(-3, 14) if at in bounds] == [0, 2, 3, 4, 5, 8]
    assert word_positions("柳岸", None) == (None, None)


def test_white_space_is_what_str_isspace_says():
    from pipeline.stages.entities.common import white_space_marks

    spaces = "".join(chr(code) for code in range(0x110000) if chr(code).isspace())
    text = "柳岸" + spaces + "县\ud800𠀋 \u3000\ufeff镇"
    assert white_space_marks(text).tolist() == [int(ch.isspace()) for ch in text]


LIST_ITEM = st.text(alphabet=st.sampled_from(list("柳岸青禾民族工作处协会商会日报遗址镇乡等和以到建有同业")), min_size=1, max_size=8)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LIST_ITEM, min_size=2, max_size=6), st.sampled_from(["等乡镇", "等同志", "等", "。", "和青禾处"]))
def test_listed_names_are_whole_items_with_offsets_into_the_text(items, closer):
    """Whatever a 、 list holds, every name found in it points into the text and none spans a 、."""
    report = pipeline.process_text("县里建有" + "、".join(items) + closer + "。")
    assert_offsets(report)
    assert not any("、" in e.text for e in report.entities)


def test_kinds_of_bodies_listed_are_no_bodies_and_a_river_is_no_city():
    found = entities_of("发展各种类型的成人高等学校，包括电视大学、函授大学、夜大学等；启动黑河流域综合治理。")
    assert found == {}, found


def test_a_meeting_of_a_numbered_body_starts_at_its_number():
    found = entities_of("当一九五四年第一届全国人民代表大会第一次会议召开的时候，建立起既区别于过去的体制。")
    assert found.get("第一届全国人民代表大会第一次会议") == "EVENT"
    assert not any(label == "GPE" for label in found.values())


def test_a_name_after_a_cue_ends_on_a_word_boundary():
    assert_none_labelled("推行厂长负责制和厂长任期目标责任制。", "PERSON")


@pytest.mark.parametrize("surface,normalized", [
    ("一九九○年", "1990"), ("九十年代", None), ("20世纪90年代", "1990/1999"), ("上世纪八十年代", "1980/1989"),
    ("6月", "--06"), ("6月份", "--06")])
def test_decades_circle_zeros_and_months_alone_are_dates(surface, normalized):
    report = pipeline.process_text(f"柳岸县在{surface}成立了侨联。")
    assert {e.text: e.normalized for e in report.entities if e.label == "DATE"} == {surface: normalized}


def test_a_count_of_months_is_no_date():
    assert_none_labelled("柳岸县用3个月完成普查，连续12个月增长。", "DATE")


def test_anniversary_meetings_and_summits_led_by_a_year_are_events():
    found = entities_of("柳岸县召开纪念柳岸县侨联成立七十周年座谈会。2023青禾数字经济峰会在柳岸县举行。")
    assert found.get("纪念柳岸县侨联成立七十周年座谈会") == "EVENT"
    assert found.get("2023青禾数字经济峰会") == "EVENT"


def test_a_bare_number_before_words_leads_no_event():
    found = entities_of("全县2023户家庭参加交流会，2024名干部参加大会。")
    assert not any(label == "EVENT" for label in found.values()), found


def test_a_bylines_spaced_out_name_is_one_person():
    found = entities_of("记者 陈 明 报道。记者 李 建 国 摄影 王 红。")
    assert found == {"陈 明": "PERSON", "李 建 国": "PERSON", "王 红": "PERSON"}


def test_a_university_named_by_a_short_place_and_its_bodies_are_organisations():
    found = entities_of("陇南大学在原陇南大学和原陇南工业大学的基础上合并组建。陇南大学党委统战部联系党外人士，"
                        "2006年成立了陇南大学归侨侨眷联合会和陇南大学留学人员联谊会。全县掀起大学习热潮。")
    for name in ("陇南大学", "陇南工业大学", "陇南大学党委统战部", "陇南大学归侨侨眷联合会", "陇南大学留学人员联谊会"):
        assert found.get(name) == "ORG", (name, found)
    assert not any(name.endswith("大学习") for name in found)


def test_a_verb_or_lead_word_before_a_person_cue_is_no_person():
    found = entities_of("桐江镇统战委员包建10个非公有制企业，镇党委召开党外同志座谈会。")
    assert "包建" not in found and "党外" not in found, found


def test_a_bare_ending_in_parentheses_names_no_body():
    found = entities_of("全县民主党派共有4个总支(委员会)、24个支部(社)，新成立商会2个(桐江县青年商会)。")
    assert "委员会" not in found and found.get("桐江县青年商会") == "ORG", found


def test_a_span_of_years_or_months_is_one_date():
    report = pipeline.process_text("1922—2022。一个世纪的时间刻度。桐江镇1至11月实现财政收入6亿元，第10-12名。")
    dates = {e.text: e.normalized for e in report.entities if e.label == "DATE"}
    assert dates.get("1922—2022") == "1922/2022", dates
    assert dates.get("1至11月") == "--01/--11", dates
    assert "11月" not in dates and not any("10-12" in d for d in dates), dates


def test_a_town_named_in_full_is_named_by_its_stem_too():
    report = pipeline.process_text("近年来，桃岭镇坚持统战工作同部署，推动桃岭经济社会发展，累计收集意见100余条，为桃岭发展注入动力。")
    stems = [e for e in report.entities if e.text == "桃岭"]
    assert len(stems) == 2 and all(e.label == "GPE" for e in stems), report.entities


def test_every_name_of_a_byline_and_a_photo_credit_is_a_person():
    found = entities_of("本报记者 万某影 通讯员 施某行 郭其钰\n桐江网讯(记者 杨某某 实习生 郑小均)5月18日，"
                        "信众在桐江清真寺内做礼拜(纪某立摄)。")
    for name in ("万某影", "施某行", "郭其钰", "杨某某", "郑小均", "纪某立"):
        assert found.get(name) == "PERSON", (name, found)
    assert "5月18日" in found and not any(" " in name for name in found)


def test_a_title_broken_over_a_line_is_one_document():
    found = entities_of("二是制定了《关于统战系统积极投身\n“平安桐江”建设、进一步做好维护稳定工作的意见》，实行分工责任制。")
    assert found.get("《关于统战系统积极投身\n“平安桐江”建设、进一步做好维护稳定工作的意见》") == "DOC", found


def test_short_names_of_a_prefectures_counties_named_together_confirm_each_other():
    found = entities_of("桃岭镇位于瑞安北部，北接瓯海、东邻龙湾、南连平阳，是城乡融合的重要节点。")
    for name in ("瑞安", "瓯海", "龙湾", "平阳"):
        assert found.get(name) == "GPE", (name, found)
    assert not any(label == "GPE" for label in entities_of("全县加快路桥建设，平阳光照充足。").values())


def test_a_place_names_its_chamber_and_a_report_shortens_its_own_county():
    found = entities_of("平阳县工商联新成立了嶺北鎮商會，深入青石街道商会调研。成立的异地商会有温州平阳商会，"
                        "详细了解平阳工商联的做法。县商会换届。")
    for name in ("嶺北鎮商會", "青石街道商会", "温州平阳商会", "平阳工商联"):
        assert found.get(name) == "ORG", (name, found)
    assert "县商会" not in found


def test_a_name_before_a_kinship_word_is_a_person_and_a_common_noun_is_not():
    found = entities_of("召开学习给孟某冬女儿回信精神座谈会。农民女儿考上大学，看望烈士后人。")
    assert found.get("孟某冬") == "PERSON" and not any(label == "PERSON" for name, label in found.items() if name != "孟某冬")


def test_a_national_executive_committee_and_the_bare_socialist_institute_are_bodies():
    found = entities_of("一百年前，中共中央执行委员会在杭州举行会议。会后利用社会主义学院对统战干部进行培训。")
    assert found.get("中共中央执行委员会") == "ORG" and found.get("社会主义学院") == "ORG", found


def test_a_kinship_word_inside_a_longer_word_names_nobody():
    assert not any(label == "PERSON" for label in entities_of("关心妇女儿童工作和老龄工作。").values())


def test_sibling_counties_named_far_apart_confirm_nothing():
    filler = "全县坚持稳中求进工作总基调，推动经济社会高质量发展。" * 3
    found = entities_of("桃岭镇北接瓯海。" + filler + "东临龙湾。" + filler + "南连瑞安。")
    assert not {"瓯海", "龙湾", "瑞安"} & set(found), found


def test_a_verb_before_a_known_place_is_not_grown_into_it():
    found = entities_of("要组织好广西壮族自治区成立六十周年庆祝活动。")
    assert found.get("广西壮族自治区") == "GPE"
    assert "好广西壮族自治区" not in found


def test_a_party_congress_is_named_whole_with_its_party_and_number():
    found = entities_of("柳岸县委组织学习党的第二十次全国代表大会精神，回顾中国共产党全国代表会议的历史。")
    assert found.get("党的第二十次全国代表大会") == "EVENT"
    assert found.get("中国共产党全国代表会议") == "EVENT"
    assert "全国代表大会" not in found and "全国代表会议" not in found


def test_a_surname_starting_a_verb_or_adverb_opens_no_person():
    found = entities_of("柳岸县老党员说，高举毛主席的旗帜不动摇；桃源镇让企业家安心搞生产。")
    assert "高举毛" not in found and "安心搞" not in found


def test_a_level_word_inside_another_word_or_a_body_running_into_one_is_no_body():
    found = entities_of("各省、自治区、直辖市政府要摸清全省政府性债务底数；柳岸县政府抓好落实。")
    assert "市政府" not in found and "全省政府" not in found
    assert found.get("柳岸县政府") == "ORG"


#: Texts of the pieces dates and lists are made of, and of what stands around them.
SCANNED = st.lists(st.sampled_from(["2019", "二〇二〇", "1", "12", "一", "十", "—", "至", "到", "年", "月", "日", "度", "底",
                                    "、", "柳岸", "青", "等", "，", " ", "１", "𠀋", "第", "届", "次", "会议", "纪念", "周年"]), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(SCANNED)
@example("至二〇一九—二〇二〇年、2019年12月、1—12月柳岸、青等第十届二次会议纪念柳岸二十周年会议")
def test_lists_dates_and_sessions_tried_only_near_their_cues_are_what_a_whole_scan_finds(text):
    """Lists are tried only before a 、, dates only before a 年 or 月 after a digit, numbered
    sessions only before a 届 or 次 after a numeral and anniversaries only before a 周年: the same
    matches as `finditer` over the whole text."""
    from pipeline.stages.entities import entity_rules
    from pipeline.stages.entities.common import matches_before, occurrences
    from pipeline.stages.entities.dates import _DATE, _DATE_LEAD, _DATE_LEAD_CHARS, _date_cues
    from pipeline.stages.entities.lists import _LIST, _lists

    assert [m.span() for m in _lists(text)] == [m.span() for m in _LIST.finditer(text)]
    assert [m.span() for m in matches_before(_DATE, text, _date_cues(text), _DATE_LEAD, _DATE_LEAD_CHARS)] == \
        [m.span() for m in _DATE.finditer(text)]
    rules = entity_rules()
    assert [m.span() for m in rules._session_matches(text)] == [m.span() for m in rules.session.finditer(text)]
    assert [m.span() for m in matches_before(rules.anniversary, text, occurrences(text, "周年"), rules.anniversary_lead)] == \
        [m.span() for m in rules.anniversary.finditer(text)]


#: Texts of list runs: items that end as names do or not, places and short names, closers, joiners.
LIST_PIECES = st.lists(st.sampled_from(["、", "柳岸县", "桃源", "萍乡", "商会", "协会", "馆", "文化", "建设", "等", "同志",
                                        "乡镇", "和", "及", "在", "，", "处", "科技", "发展", "中心"]),
                       max_size=14).map("".join)


@settings(max_examples=300, deadline=None)
@given(LIST_PIECES)
@example("柳岸县商会、桃源和萍乡")
def test_a_list_turned_down_before_its_pieces_are_cut_could_name_nothing(text):
    """`_may_name_at_all` is tested on a list run before `_may_name` on its pieces: it may let
    through a list that names nothing, never turn down one that could."""
    from pipeline.stages.entities import entity_rules
    from pipeline.stages.entities.lists import _lists, place_name_starts

    rules = entity_rules()
    words = rules.word_families.find(text)
    places = rules.places(text, words, None, None)[0]
    place_spans = {(f.start, f.end) for f in places}
    name_starts = place_name_starts(places, words["division_short_names"])
    for match in _lists(text):
        pieces = rules._list_pieces(text, match.start(), match.end())
        if rules._may_name(text, pieces, place_spans):
            assert rules._may_name_at_all(text, match.start(), match.end(), name_starts)


#: Fillers of the pieces that block a name's filler in one stretch and not in another: 和 between
#: fields, function characters inside the words names hold (经济, 和谐), bodies, verbs, venues.
FILLER = st.lists(st.sampled_from(["和", "经", "济", "投资", "召开", "推进", "统战部", "农业", "全", "外", "内",
                                   "对", "台", "谐", "馆", "服务站", "柳岸", "、", "1"]), max_size=8).map("".join)


def stretch_by_stretch(rules, filler: str, size: int, blocked) -> bool:
    """Whether no stretch of the last `size` characters of `filler` that ends with it is blocked."""
    return not any(blocked(rules, filler[len(filler) - length:]) for length in range(1, size + 1))


def name_stretch_blocked(rules, stretch: str) -> bool:
    stretch = rules.joined_fields.sub("", stretch)
    return rules._filler_blocked(stretch) or any(ch in rules.filler_blockers for ch in stretch) or \
        rules.body.search(stretch) is not None or rules._has_clause_verb(stretch)


def venue_stretch_blocked(rules, stretch: str) -> bool:
    return rules._filler_blocked(stretch) or rules.venue.search(stretch) is not None or \
        stretch.startswith(rules.not_place_stem_endings)


@settings(max_examples=300, deadline=None)
@given(FILLER)
def test_a_filler_decided_by_its_longest_stretch_is_decided_as_stretch_by_stretch(filler):
    from pipeline.stages.entities import entity_rules

    rules = entity_rules()
    for size in range(len(filler) + 1):
        assert rules._name_filler_allowed(filler, len(filler), size) == \
            stretch_by_stretch(rules, filler, size, name_stretch_blocked)
        assert rules._venue_filler_allowed(filler, len(filler), size) == \
            stretch_by_stretch(rules, filler, size, venue_stretch_blocked)


def test_boundary_before_reads_the_character_before_as_not_in_name_does():
    """`boundary_before` decides most characters by comparing them, not by the pattern: both agree
    on every character (before 𠀋, which makes no boundary word with any)."""
    from pipeline.stages.entities import entity_rules

    rules = entity_rules()
    codes = [*range(0xD800), *range(0xE000, 0x10000), 0x1FFFF, 0x20000, 0x2A6D6, 0x2FA1F, 0x2FA20, 0x10FFFF]
    assert [code for code in codes if rules.boundary_before(chr(code) + "𠀋", 1) !=
            (rules.not_in_name.match(chr(code)) is not None)] == []


@pytest.mark.parametrize(("text", "at", "suffix"), [("新乡贤", 1, False), ("乡", 0, True), ("市场", 0, False), ("市民", 0, False),
                                                    ("市民族宗教事务局", 0, True), ("市民政局", 0, True), ("区域", 0, False),
                                                    ("县城", 0, False), ("县委", 0, True), ("政府性债务", 1, False)])
def test_a_suffix_character_before_a_word_s_next_character_ends_no_name(text, at, suffix):
    from pipeline.stages.entities import entity_rules

    assert entity_rules().is_suffix(text, at) is suffix
