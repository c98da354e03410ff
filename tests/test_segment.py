"""Segment: headings in every form reports use, sentences that respect quotes and brackets."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import pipeline
from pipeline.stages.segment import scan
from pipeline.textnorm import code_point_view

OWN_REPORT = Path(__file__).resolve().parents[1] / "corpora" / "reports" / "qingxi_county_2023.txt"


def headings(text: str) -> list[str]:
    return [s.heading.text for s in pipeline.process_text(text).sections if s.heading]


def sentences(text: str) -> list[str]:
    return [s.text for s in pipeline.process_text(text).sentences]


def test_seed_headings_score_perfectly(seed_scores):
    assert seed_scores["heading_f1"] == 1.0


def test_seed_lead_is_a_section_without_heading(seed_report):
    lead = seed_report.sections[0]
    assert lead.heading is None and lead.level == 0
    assert seed_report.sentences[0].section == 0


def test_seed_quote_with_space_stays_one_sentence(seed_report):
    assert any("“喜迎党的二十大 同心同行看变化”等系列" in s.text for s in seed_report.sentences)


NUMBERED = """青山县2023年统战工作总结

一、坚持党的领导，构建大统战格局
（一）健全领导机制。县委常委会研究统战工作6次。
（二）完善协调机制
县委统战工作领导小组召开全体会议2次。各成员单位齐抓共管。
二、深化多党合作
县委制定政党协商计划。各民主党派开展调研12次。
"""


def test_numbered_headings_get_levels_and_the_title_is_metadata():
    report = pipeline.process_text(NUMBERED)
    assert report.document.title == "青山县2023年统战工作总结"
    found = [(s.heading.text, s.level) for s in report.sections if s.heading]
    assert found == [("一、坚持党的领导，构建大统战格局", 1), ("（一）健全领导机制。", 2),
                     ("（二）完善协调机制", 2), ("二、深化多党合作", 1)]
    parents = {s.heading.text: s.parent for s in report.sections if s.heading}
    assert parents["（二）完善协调机制"] == parents["（一）健全领导机制。"] != None
    assert "县委常委会研究统战工作6次。" in [s.text for s in report.sentences]


def test_other_numbering_styles():
    text = ("第一，加强理论武装\n全县开展学习12场。\n第二，服务发展大局\n组织企业家座谈3次。\n"
            "1.民族工作\n创建示范村5个。\n2.宗教工作\n排查场所40处。\n")
    report = pipeline.process_text(text)
    found = [(s.heading.text, s.level) for s in report.sections if s.heading]
    assert found == [("第一，加强理论武装", 1), ("第二，服务发展大局", 1), ("1.民族工作", 2),
                     ("2.宗教工作", 2)]


def test_couplet_heading_with_a_space_is_one_heading():
    text = ("前言部分介绍全年工作。\n民营经济健康发展 “两个健康”深入推进\n"
            "全年走访企业120家，解决问题86个。\n")
    assert headings(text) == ["民营经济健康发展 “两个健康”深入推进"]


def test_run_in_ordinal_subheadings():
    text = ("一、凝聚党外力量\n一是强化政治引领。全年举办培训班4期，培训党外人士260人次。"
            "二是搭建履职平台。建成党外人士之家3个。\n")
    report = pipeline.process_text(text)
    subs = [(s.heading.text, s.level, s.heading.numbering) for s in report.sections
            if s.heading and s.level == 2]
    assert subs == [("一是强化政治引领。", 2, "一是"), ("二是搭建履职平台。", 2, "一是")]
    assert "全年举办培训班4期，培训党外人士260人次。" in [s.text for s in report.sentences]


def test_list_items_are_not_headings():
    text = "主要成效如下。\n1.召开座谈会12次。\n2.收集意见86条。\n3.形成报告5篇。\n"
    assert headings(text) == []
    assert "1.召开座谈会12次。" in sentences(text)


def test_prose_without_headings_is_one_lead_section():
    text = "近日，松柏县召开统战工作会议。会议总结了全年工作，部署了下一步任务。\n与会人员表示将认真落实。"
    report = pipeline.process_text(text)
    assert [s.heading for s in report.sections] == [None]
    assert len(report.sentences) == 3


def test_sentences_never_split_inside_quotes_titles_or_brackets():
    text = "印发《关于加强工作的意见。试行》，开展“喜迎盛会！同心向前”活动（共3场。含线上）。下一句。"
    assert sentences(text) == ["印发《关于加强工作的意见。试行》，开展“喜迎盛会！同心向前”活动（共3场。含线上）。",
                               "下一句。"]


def test_junk_is_neither_heading_nor_sentence():
    text = "全县统战工作取得新成效。\n- 3 -\n———————\n第2页\n继续推进各项工作。 |"
    assert sentences(text) == ["全县统战工作取得新成效。", "继续推进各项工作。"]
    assert headings(text) == []


def test_web_lead_fragments_are_not_headings():
    text = ("近日 全市统战工作会议召开 会上表彰了 先进集体 其中 青石县再获表彰 "
            "2023年,全县统一战线凝心聚力,取得新成效。 坚持党的领导,构建大统战格局 县委常委会研究统战工作5次。")
    assert headings(text) == ["坚持党的领导,构建大统战格局"]
    first, second = sentences(text)[:2]
    assert first.startswith("近日") and first.endswith("再获表彰")
    assert second.startswith("2023年,")


def test_english_sentences_split_on_full_stops_but_not_decimals():
    text = "The county held 3 forums in 2023. Turnout rose 2.5 percent (see annex). Next, e.g. this one. Done"
    assert sentences(text) == ["The county held 3 forums in 2023.", "Turnout rose 2.5 percent (see annex).",
                               "Next, e.g. this one.", "Done"]


def test_flattened_couplet_heading_and_arrow_fragments():
    text = ("2023年,全县统一战线取得新成效。 一起回顾 青石统战这一年↓↓ "
            "民营经济添活力 “两个健康”结硕果 全年走访企业120家,解决问题86个。 "
            "凝心聚力强引领,同心筑梦谱新篇 县委常委会研究统战工作5次。")
    assert headings(text) == ["民营经济添活力 “两个健康”结硕果", "凝心聚力强引领,同心筑梦谱新篇"]


def test_scraping_artefacts_are_not_titles_or_headings():
    text = ("各位代表：\n现在，我代表国务院向大会报告工作。\n会议通过了《\n乡村工作条例（试行草案）\n》。\n"
            "我们的方针是：\n第一，\n坚持稳中求进。\n")
    report = pipeline.process_text(text)
    assert report.document.title is None
    assert [s.heading for s in report.sections] == [None]


@given(st.text(alphabet="第页共一统战〇0123-—/ .;!。Qx\n", max_size=12))
def test_junk_is_what_the_junk_pattern_says(text):
    assert scan.is_junk(text) == (scan._JUNK.match(text) is not None)


@given(st.text(alphabet=scan.SENTENCE_MARKS + " \t\n\r\u3000\u00a0\u2028\x1c统战2a𠀋", max_size=40))
def test_one_read_of_a_text_finds_what_str_and_re_find(text):
    gaps, marks = scan.read_text(code_point_view(text))
    assert gaps.runs == [run.span() for run in re.finditer(r"\s+", text)]
    assert marks.between(0, len(text)) == [at for at, char in enumerate(text) if char in scan.SENTENCE_MARKS]


_CHUNK_MARKS = re.compile(rf"[\s{re.escape(scan.PAIRED)}](?P<gap>(?<=\s)\s*)?")


class _Nesting:
    """The pairs open, stepped one character at a time, as the scanner kept them before it walked
    a list of offsets in one loop (`scan.outside_pairs`)."""

    def __init__(self) -> None:
        self.expected: list[str] = []
        self.opened_at = 0

    def step(self, index: int, char: str) -> None:
        if self.expected:
            if index - self.opened_at > scan.MAX_QUOTE:
                self.expected.clear()
            elif char == self.expected[-1]:
                self.expected.pop()
                return
        if char in scan.OPENERS:
            if not self.expected:
                self.opened_at = index
            self.expected.append(scan.OPENERS[char])


def _chunks_by_regex(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The chunks as the scanner found them before the white space and marks were listed once
    per text: every run of white space and mark of a pair matched by `re`, in order."""
    found, nesting, chunk_start = [], _Nesting(), start
    for match in _CHUNK_MARKS.finditer(text, start, end):
        index = match.start()
        nesting.step(index, text[index])
        if match.lastgroup == "gap" and not nesting.expected and not scan.in_number(text, index, match.end()):
            found.append((chunk_start, index))
            chunk_start = match.end()
    return found + [(chunk_start, end)]


@given(st.lists(st.sampled_from([*scan.PAIRED, "。", " ", "  ", "\n", "2", "名", "统", "统" * scan.MAX_QUOTE]),
                max_size=30), st.integers(0, 10 ** 6), st.integers(0, 10 ** 6))
def test_chunks_visit_the_gaps_and_pairs_a_regex_finds(pieces, start, end):
    # A stretch longer than `MAX_QUOTE` among the pieces makes a pair open before it forgotten.
    text = "".join(pieces)
    start, end = sorted((start % (len(text) + 1), end % (len(text) + 1)))
    assert scan.chunks(text, start, end, *scan.read_text(code_point_view(text))) == _chunks_by_regex(text, start, end)


def test_no_white_space_lies_past_the_table_of_character_kinds():
    assert not [code for code in range(len(scan._KINDS) - 1, 0x110000) if chr(code).isspace()]


def test_records_name_the_sections_and_paragraphs_that_hold_them():
    """Segment and classify build sections, headings and sentences by position: fields of one
    type side by side (a sentence's section and paragraph, a section's level, parent, start and
    end) would be swapped silently but for checks like these."""
    reports = [pipeline.process_text(NUMBERED), pipeline.process_file(OWN_REPORT)]
    assert any(sentence.paragraph != sentence.section for report in reports for sentence in report.sentences)
    for report in reports:
        sections, paragraphs = report.sections, report.paragraphs
        for sentence in report.sentences:
            paragraph, section = paragraphs[sentence.paragraph], sections[sentence.section]
            assert paragraph.start <= sentence.start < sentence.end <= paragraph.end
            assert section.start <= sentence.start < section.end
        for paragraph in paragraphs:
            assert sections[paragraph.section].start <= paragraph.start < sections[paragraph.section].end
        for section in sections:
            assert section.start < section.end
            if section.heading is not None:
                assert (section.heading.start, section.heading.level) == (section.start, section.level)
                assert section.heading.text == report.text[section.heading.start:section.heading.end]
            if section.parent is not None:
                parent = sections[section.parent]
                assert parent.level < section.level and parent.start <= section.start


def test_every_mid_line_section_style_opens_with_a_character_the_heading_scan_looks_for():
    """The scan for sections starting mid-line only tries its patterns at `_SECTION_NUMBER_OPENERS`;
    a style added to `_SECTION_STYLES` whose numbers open otherwise would be skipped silently. A
    style is named by its first number, so its name (folded as the text is) shows how it opens."""
    from pipeline.stages.segment.headings import _SECTION_NUMBER_OPENERS, _SECTION_STYLES
    from pipeline.textnorm import fold

    assert {fold(style)[0] for style in _SECTION_STYLES} <= _SECTION_NUMBER_OPENERS


def _lines_by_splitlines(text: str) -> list[tuple[int, int]]:
    """The lines as the scanner found them before it read them from the runs of white space:
    each line cut out by `str.splitlines`, trimmed, and kept unless empty or junk."""
    spans, line_start = [], 0
    for line in text.splitlines(keepends=True):
        start, end = scan.trim(text, line_start, line_start + len(line))
        line_start += len(line)
        if start < end and not scan.is_junk(text, start, end):
            spans.append((start, end))
    return spans


@given(st.text(alphabet=" \t\n\r\u3000\u2028\x1c\x85统战2a。-第页", max_size=40))
def test_lines_read_from_the_white_space_are_the_lines_splitlines_gives(text):
    gaps, _ = scan.read_text(code_point_view(text))
    assert scan.line_spans(text, gaps) == _lines_by_splitlines(text)


def test_every_label_and_mark_opens_with_a_character_the_furniture_test_tries():
    """`kind_of_line` matches a line against the labels and caption marks only when its first
    character is among `Cues.label_openers`: every kind must still be found."""
    from pipeline.stages.segment.furniture import kind_of_line

    lines = {"(记者 王某)": "byline", "记者 王某": "byline", "字数:1860": "word_count",
             "发布时间:2023-05-12 10:30": "timestamp", "2023年5月12日": "timestamp",
             "原创 某县统战 2024-01-15 09:30 发表于某地": "timestamp", "▲ 会议现场": "caption",
             "图为会议现场": "caption", "——某县2023年统战工作综述": "subtitle", "全县统战工作会议召开。": None}
    assert {line: kind_of_line(line) for line in lines} == lines
