"""Segment on the layouts real reports come in: one fixture per kind, each written for the project
about invented places, in the format the real reports use (see issue 11)."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipeline
from conftest import SHARED, assert_offsets, assert_valid
from pipeline.textnorm import MatchView, fold


def headings(report) -> list[tuple[str, int]]:
    return [(s.heading.text, s.level) for s in report.sections if s.heading]


def sentences(report) -> list[str]:
    return [s.text for s in report.sentences]


def furniture(report) -> list[tuple[str, str]]:
    return [(piece.kind, piece.text) for piece in report.furniture]


def quantity(report, surface: str):
    return next(q for q in report.quantities if q.text == surface)


#: A yearbook entry: the entry's name, `【】` headings run into their paragraphs, a spaced-out
#: heading, and a scanned page's hard line breaks inside words and numbers.
YEARBOOK = """统战工作

【概况】鹤汀县有畲、回等11个少数民族，1.2万人；现有民革、民盟、民
进等4个民主党派县委会，成员186人。全县工商联会员312个。

2023年，县委统战部围绕中心、服务大局，各项工作取得新进展。

【民主党派工作】协助各民主党派做好成员发展工作，全年发展新成员14名。支持民主党派开展调研，形成报告9篇，全县生产总值达74.4

亿元。【港澳台侨工作】走访归侨侨眷56户。

概 况
枫渡乡位于县境西部，辖9个村。
"""


def test_yearbook_bracket_headings_title_and_hard_line_breaks():
    report = pipeline.process_text(YEARBOOK)
    assert report.document.title == "统战工作"
    assert headings(report) == [("【概况】", 1), ("【民主党派工作】", 1), ("【港澳台侨工作】", 1),
                                ("概 况", 2)]
    # `民\n进` and `74.4\n\n亿元` are one sentence each, and the number keeps its unit.
    assert any(s.startswith("现有民革、民盟、民\n进等4个") for s in sentences(report))
    assert quantity(report, "74.4\n\n亿元").value == 7_440_000_000
    assert not any(s.startswith("【") for s in sentences(report))


def test_a_narrow_scanned_column_is_read_as_sentences_but_a_speaker_line_is_not_joined():
    column = ("全县现有民革、民盟、民建、民\n进、农工党等5个民主党派组\n织，成员共计186人，其中\n"
              "县级以上人大代表12人。")
    assert sentences(pipeline.process_text(f"民主党派\n{column}\n")) == [column]
    across_a_heading = "民主党派\n全县现有民革、民盟、民建、民进\n二、工商联工作\n全县工商联会员312个。\n"
    assert sentences(pipeline.process_text(across_a_heading)) == ["全县现有民革、民盟、民建、民进",
                                                                   "全县工商联会员312个。"]
    speech = "在全县统战工作会议上的讲话\n县委常委、统战部部长  林小溪\n同志们：\n今天召开全县统战工作会议。\n"
    assert "同志们：" in sentences(pipeline.process_text(speech))


#: Numbered headings with no line break before their text or their first item.
RUN_IN_NUMBERED = ("澄溪镇2023年统战工作总结\n全年工作平稳推进，各项任务顺利完成。一、工作开展情况1.加强组织领导。"
                   "镇党委研究统战工作6次，解决问题12个。2.深化政党协商。开展协商8次。二、存在问题 基层力量薄弱，"
                   "部分村没有联络员。三、下步打算一是健全机制。完善联系制度。二是加强宣传。\n")


def test_numbered_headings_run_into_one_long_line():
    report = pipeline.process_text(RUN_IN_NUMBERED)
    assert headings(report) == [("一、工作开展情况", 1), ("二、存在问题", 1), ("三、下步打算", 1),
                                ("一是健全机制。", 2), ("二是加强宣传。", 2)]
    assert "镇党委研究统战工作6次，解决问题12个。" in sentences(report)
    assert "基层力量薄弱，部分村没有联络员。" in sentences(report)


SENTENCE_FORM = """聚焦政治引领，夯实团结奋斗思想基础。该乡把统战工作纳入党委重要议事日程，召开专题会议4次。
聚焦民营经济，优化营商环境。该乡组织企业家座谈会，帮助企业解决用工难题。
聚焦民族团结，建设和美家园。该乡开展民族团结进步宣传月活动，营造良好氛围。
"""


@pytest.mark.parametrize("text", [
    SENTENCE_FORM, SENTENCE_FORM.replace("。该乡", "。\n该乡"),
    SENTENCE_FORM.translate(str.maketrans("团结营业环组织难题乡", "團結營業環組織難題鄉"))],
    ids=["simplified", "on-their-own-lines", "traditional"])
def test_sentence_form_headings_open_parallel_paragraphs(text):
    report = pipeline.process_text(text)
    found = [heading for heading, _ in headings(report)]
    assert len(found) == 3 and all(h.startswith("聚焦") and h.endswith("。") for h in found)
    assert all(text[s.heading.start:s.heading.end] == s.heading.text for s in report.sections if s.heading)
    assert not any(s.startswith("聚焦") for s in sentences(report))


def test_sentence_form_headings_led_by_different_verbs():
    text = ("2023年，鹤汀县统一战线取得新成效。\n强化政治引领。县委常委会研究统战工作6次。\n"
            "深化多党合作，提升协商质效。各民主党派开展调研9次。\n优化营商环境。走访民营企业80家。\n")
    assert [h for h, _ in headings(pipeline.process_text(text))] == [
        "强化政治引领。", "深化多党合作，提升协商质效。", "优化营商环境。"]


def test_one_short_opening_sentence_or_a_statement_is_not_a_heading():
    text = ("全县统战工作取得新成效。全年召开会议5次。\n全县民族工作稳步推进。创建示范村3个。\n"
            "加强团结是全县的共同任务。各界人士积极参与。\n加强团结是大家的心愿。全县上下齐心协力。\n")
    assert headings(pipeline.process_text(text)) == []


#: A WeChat article: headline, metadata lines, captions, four-character headings on their own
#: lines, a heading wrapped over two lines, a quoted-name run-in heading.
WECHAT = """同心聚力 共建“和美”青岚
字数：1860
本报通讯员 王小溪 记者 李 青
2024-01-15 09:30
——青岚县2023年统战工作综述
凝心铸魂
县委常委会专题研究统战工作5次，举办党外干部培训班2期。
▲ 2023年6月，青岚县党外人士培训班现场
服务大局
全县民营企业新增就业岗位1 305个。
“统战+生态”，绘就绿色发展新画卷。各民主党派围绕生态保护开展调研，提出建议26条。
“统战+文化”，擦亮特色品牌。县侨联举办侨乡文化节，吸引侨胞120人参加。
加强团结教育引导
民营经济人士健康成长
县工商联组织会员企业开展学习教育活动8场。
"""


def test_wechat_layout_furniture_and_headings():
    report = pipeline.process_text(WECHAT)
    assert report.document.title == "同心聚力 共建“和美”青岚"
    assert furniture(report) == [("word_count", "字数：1860"), ("byline", "本报通讯员 王小溪 记者 李 青"),
                                 ("timestamp", "2024-01-15 09:30"), ("subtitle", "——青岚县2023年统战工作综述"),
                                 ("caption", "▲ 2023年6月，青岚县党外人士培训班现场")]
    assert headings(report) == [("凝心铸魂", 1), ("服务大局", 1), ("“统战+生态”，绘就绿色发展新画卷。", 2),
                                ("“统战+文化”，擦亮特色品牌。", 2), ("加强团结教育引导\n民营经济人士健康成长", 1)]
    # Furniture is kept in the text but is in no sentence, so it gets no work area.
    for piece in report.furniture:
        assert report.text[piece.start:piece.end] == piece.text
        assert not any(s.start < piece.end and piece.start < s.end for s in report.sentences)
    assert quantity(report, "1 305个").value == 1305
    assert_valid(report)


@pytest.mark.parametrize("line, kind", [
    ("原创 青岚统战 2024-01-15 09:30 发表于青岚", "timestamp"), ("时间：2023年5月12日", "timestamp"),
    ("发布时间：2023-05-12 来源：青岚县委统战部", "byline"), ("文/李青 图/王小溪", "byline"),
    ("编辑：张三  审核：李四", "byline"), ("（作者单位：青岚县委统战部）", "byline"), ("阅读时间约5分钟", "word_count"), ("△ 座谈会现场", "caption"),
    ("本报讯（记者 王小溪）近日，青岚县召开统战工作会议。", None), ("12 36 58 74", None), ("记者节当天全县开展活动。", None)])
def test_furniture_lines_by_kind(line, kind):
    report = pipeline.process_text(f"青岚县统战工作\n{line}\n全县统一战线取得新成效。\n")
    assert furniture(report) == ([(kind, line)] if kind else [])
    assert (line in sentences(report)) == (kind is None)


def test_a_dash_line_in_the_body_is_content_not_a_subtitle():
    text = "鹤汀县统战工作报告\n过去一年，主要成效如下。\n一、主要成效\n全县统战工作稳步推进。\n——党外人士队伍不断壮大\n全年新增党外干部12名。\n"
    report = pipeline.process_text(text)
    assert furniture(report) == []


@pytest.mark.parametrize("mark", ["01 ", "01｜", "◆ ", "■"])
def test_wechat_section_marks_number_headings(mark):
    second = mark.replace("1", "2")
    text = (f"青岚县统战这一年\n{mark}凝心铸魂\n县委常委会研究统战工作5次。\n"
            f"{second}服务大局\n全县民营企业新增就业岗位320个。\n")
    assert headings(pipeline.process_text(text)) == [(f"{mark}凝心铸魂", 1), (f"{second}服务大局", 1)]


def test_flattened_review_title_subtitle_and_glued_heading():
    text = ("同心筑梦谱新篇——2023年鹤汀县统战工作综述2023年，全县统一战线凝心聚力，取得新成效。"
            "围绕乡村振兴，培育新乡贤860名。围绕防汛救灾，统战成员捐资捐物300余万元。岁月不居，时节如流。"
            "全县各级统战部门服务大局。强化政治引领凝聚团结奋斗共识县委统一战线工作领导小组严格落实主体责任，"
            "统筹推进各项工作。举旗定向。")
    report = pipeline.process_text(text)
    assert report.document.title == "同心筑梦谱新篇"
    assert furniture(report) == [("subtitle", "——2023年鹤汀县统战工作综述")]
    assert headings(report) == [("强化政治引领凝聚团结奋斗共识", 1)]
    assert sentences(report)[0] == "2023年，全县统一战线凝心聚力，取得新成效。"


def test_spaces_inside_numbers_and_names_are_not_breaks():
    text = ("枫渡乡统战工作\n全乡有党外人士2 416名，其中少数民族45 名。2023 年，乡商会成立 70 周年，"
            "会员投资1 305万元。\n“同心”聚力 共建“和美”\n全乡开展“同心”系列活动12场。\n")
    report = pipeline.process_text(text)
    assert [(quantity(report, s).value, quantity(report, s).unit) for s in ("2 416名", "45 名", "1 305万元")] \
        == [(2416, "名"), (45, "名"), (13_050_000, "元")]
    assert quantity(report, "70 周年").value == 70
    assert sentences(report)[:2] == ["全乡有党外人士2 416名，其中少数民族45 名。",
                                     "2023 年，乡商会成立 70 周年，会员投资1 305万元。"]
    assert headings(report) == [("“同心”聚力 共建“和美”", 1)]


def test_a_stray_space_is_neither_a_sentence_end_nor_a_heading_boundary():
    text = ("青岚县统战工作\n县委统战部 积极开展联谊交友活动，走访党外人士56人。\n"
            "不断深化 “同心”主题教育，组织学习12场。\n")
    report = pipeline.process_text(text)
    assert headings(report) == []
    assert sentences(report) == ["县委统战部 积极开展联谊交友活动，走访党外人士56人。",
                                 "不断深化 “同心”主题教育，组织学习12场。"]


def test_a_list_item_that_runs_on_is_not_a_heading():
    text = "主要做法如下。\n1.开展“同心”活动，\n组织党外人士参观学习3次。\n2.举办培训班2期。\n"
    assert headings(pipeline.process_text(text)) == []


def test_a_number_and_its_unit_across_a_line_break_are_one_quantity():
    text = "民主党派\n全年各民主党派共发展新成员，其中民建6\n人，民盟4人。\n"
    report = pipeline.process_text(text)
    assert (quantity(report, "6\n人").value, quantity(report, "6\n人").unit) == (6, "人")


def test_matching_view_maps_spans_back_to_the_text():
    text = "会员2 416名，民\n进12人，投资74.4\n\n亿元"
    view = MatchView.build(text, fold(text), [(0, len(text))])
    assert view.text == "会员2416名，民进12人，投资74.4亿元"
    start = view.text.index("2416名")
    assert view.spans([start], [start + 5]) == ([2], [8]) and text[2:8] == "2 416名"
    start = view.text.index("民进")
    assert view.spans([start], [start + 2]) == ([9], [12]) and text[9:12] == "民\n进"
    assert view.offsets([text.index("进")]).tolist() == [start + 1]
    # Outside any sentence (a heading line break, a paragraph end), nothing is joined.
    assert MatchView.build("一、总体情况\n全县", fold("一、总体情况\n全县"), []).unchanged


_GAPS = st.lists(st.tuples(st.integers(min_value=0, max_value=len(WECHAT)),
                           st.sampled_from([" ", "  ", "\n", "\n\n", "\u3000", " \n "])), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gaps=_GAPS, base=st.sampled_from([WECHAT, YEARBOOK, RUN_IN_NUMBERED]))
def test_spaces_and_line_breaks_inserted_anywhere_never_move_an_offset(gaps, base):
    text = base
    for position, gap in sorted(gaps, reverse=True):
        position = min(position, len(text))
        text = text[:position] + gap + text[position:]
    report = pipeline.process_text(text)
    assert_offsets(report)
    for paragraph in report.paragraphs:
        assert 0 <= paragraph.start < paragraph.end <= len(text)


GOVERNMENT_REPORTS = SHARED / "corpora" / "government_work_reports.jsonl"


def government_reports_with_numbered_parts(count: int) -> list[str]:
    if not GOVERNMENT_REPORTS.exists():
        pytest.skip("../shared/corpora is not beside this checkout")
    texts = []
    with GOVERNMENT_REPORTS.open(encoding="utf-8") as lines:
        for line in lines:
            content = json.loads(line)["content"]
            if "\n一、" in content or "\u3000一、" in content:
                texts.append(content)
            if len(texts) == count:
                break
    return texts


def test_government_work_reports_keep_their_numbered_headings():
    import re

    part = re.compile(r"^[ \u3000]*([一二三四五六七八九十]+、[^。\n]{2,38})$", re.MULTILINE)
    for text in government_reports_with_numbered_parts(3):
        report = pipeline.process_text(text)
        found = {s.heading.text for s in report.sections if s.heading and s.level == 1}
        expected = {match.group(1).strip() for match in part.finditer(text)}
        assert expected and expected <= found, expected - found
        assert_offsets(report)


#: A township review flattened onto one line: the title run into the lead, then `一是…，…。`
#: couplet headings after the spaces that stood for line breaks, and no other headings.
ORDINAL_COUPLETS = ("|\n鹤汀县柳湾镇：汇聚乡贤智慧，共绘振兴蓝图年初以来，柳湾镇围绕乡村振兴谋划统战工作，开局良好。"
                    " 一是夯实组织基础，健全联络机制。镇里在每个村确定一名统战联络员，按月收集社情民意。"
                    " 二是搭建议事平台，畅通建言渠道。镇统战委员牵头成立乡贤议事会，组织乡贤为村务出主意。"
                    " 三是培育特色产业，带动农户增收。引导返乡乡贤领办茶叶合作社，吸纳周边农户入社。 |\n")


def test_ordinal_couplets_after_spaces_are_the_headings_of_a_flattened_review():
    report = pipeline.process_text(ORDINAL_COUPLETS)
    assert headings(report) == [("一是夯实组织基础，健全联络机制。", 1), ("二是搭建议事平台，畅通建言渠道。", 1),
                                ("三是培育特色产业，带动农户增收。", 1)]
    assert "镇统战委员牵头成立乡贤议事会，组织乡贤为村务出主意。" in sentences(report)
    assert_offsets(report)


def test_one_short_ordinal_sentence_among_long_ones_is_a_statement():
    text = ("【宗教工作】一是组织宗教界代表人士赴柳湾镇参观茶叶产业园，了解全县乡村振兴进展，进一步坚定了爱国爱教的信念。"
            "二是对全县宗教活动场所的消防设施进行逐一排查，登记隐患并限期整改，排查结果报县委统战部备案。"
            "三是做好宗教教职人员的年度培训工作。培训分两期在县委党校举办。\n")
    report = pipeline.process_text(text)
    assert headings(report) == [("【宗教工作】", 1)]
    assert "三是做好宗教教职人员的年度培训工作。" in sentences(report)


#: A township review whose paragraphs open with parallel keywords sharing a character, each
#: with its verb phrase (`引才，优化…。`), as the review's lead announces (`以三“引”促三“优”`).
KEYWORD_LEADS = """近年来，柳湾镇把统战工作融入乡村振兴全局，以三“引”促三“优”，汇聚各方力量建设美丽乡村。
引才，优化人才结构。摸清在外人才底数，今年以来动员返乡创业人才15余人。
引资，优化产业布局。组织在外乡贤回乡考察，促成茶叶深加工项目落地。
引智，优化决策咨询。聘请党外专家担任镇发展顾问，收集意见建议。
"""


def test_parallel_keyword_leads_head_their_paragraphs():
    report = pipeline.process_text(KEYWORD_LEADS)
    assert headings(report) == [("引才，优化人才结构。", 1), ("引资，优化产业布局。", 1), ("引智，优化决策咨询。", 1)]
    assert "组织在外乡贤回乡考察，促成茶叶深加工项目落地。" in sentences(report)


def test_one_keyword_lead_is_a_sentence():
    report = pipeline.process_text("柳湾镇统战工作稳步推进。\n近年来，优化联络机制。新聘统战联络员15余人。\n"
                                   "镇统战委员走访企业，帮助解决用工难题。\n")
    assert headings(report) == []


#: A university's summary flattened with most of its commas lost: the title runs into the first
#: numbered heading, and the heading into its body's subject.
GLUED_SUMMARY = ("某学院统战部2019年工作总结一、切实做好知联会工作学校组建了党外知识分子联谊会首届理事会、制定了章程。"
                 "理事会每季度召开一次例会。二、加强党外代表人士队伍建设学校举办党外干部培训班2期。\n")


def test_title_and_numbered_headings_glued_to_their_bodies():
    report = pipeline.process_text(GLUED_SUMMARY)
    assert report.document.title == "某学院统战部2019年工作总结"
    assert headings(report) == [("一、切实做好知联会工作", 1), ("二、加强党外代表人士队伍建设", 1)]
    assert sentences(report)[0] == "学校组建了党外知识分子联谊会首届理事会、制定了章程。"
    assert "学校举办党外干部培训班2期。" in sentences(report)
    assert_offsets(report)


def test_standard_section_name_glued_to_its_body():
    text = ("柳湾街道统战工作情况报告柳湾街道地处鹤汀县城，统战工作稳步推进，报告如下。一、基本概况柳湾街道位于县城东部，"
            "辖区面积12平方公里，有8个社区。二、主要工作1.健全工作机制。街道党工委研究统战工作4次。\n")
    report = pipeline.process_text(text)
    assert headings(report)[:2] == [("一、基本概况", 1), ("二、主要工作", 1)]
    assert "柳湾街道位于县城东部，辖区面积12平方公里，有8个社区。" in sentences(report)


def test_a_compound_noun_is_no_subject_a_heading_is_glued_to():
    text = ("鹤汀县就业形势总体平稳。县人社局举办招聘会6场。返乡创业人数有所增加。全县新增市场主体300户。"
            "加强对鹤汀县各中等职业学校应届毕业生返乡创业的跟踪指导和帮扶服务。村级服务站覆盖全部行政村。\n")
    report = pipeline.process_text(text)
    assert headings(report) == []
    assert "加强对鹤汀县各中等职业学校应届毕业生返乡创业的跟踪指导和帮扶服务。" in sentences(report)


#: A yearbook page scanned with hard line breaks after a clause's comma and before a quoted
#: name or a title left open at the line's end.
WRAPPED_AT_MARKS = """【宗教工作】一是组织宗教界人士赴柳湾镇考察乡村振兴项目,听取镇党委情况介绍,
参观农业产业园和文化礼堂,增进了对县情的了解。二是印发《鹤汀县宗教活动场所
“平安创建”工作方案》,逐一明确场所负责人的安全职责,定期开展消防检查。
"""


def test_lines_wrapped_after_a_comma_or_before_a_quote_are_one_sentence():
    report = pipeline.process_text(WRAPPED_AT_MARKS)
    assert sentences(report) == [
        "一是组织宗教界人士赴柳湾镇考察乡村振兴项目,听取镇党委情况介绍,\n参观农业产业园和文化礼堂,增进了对县情的了解。",
        "二是印发《鹤汀县宗教活动场所\n“平安创建”工作方案》,逐一明确场所负责人的安全职责,定期开展消防检查。"]
    assert len(report.paragraphs) == 1


def test_anti_copying_tokens_are_not_sentences():
    text = ("鹤汀学院统战部是学院党委负责统一战线工作的职能部门。 Q7+xk3-9Z\n"
            "统战部联系学院各民主党派组织。 w4!k8T-2b;5R\n学院现有党外教师120人。\n")
    report = pipeline.process_text(text)
    assert sentences(report) == ["鹤汀学院统战部是学院党委负责统一战线工作的职能部门。", "统战部联系学院各民主党派组织。",
                                 "学院现有党外教师120人。"]
    assert report.text.count("Q7+xk3-9Z") == 1  # kept in the text, only kept out of the sentences
