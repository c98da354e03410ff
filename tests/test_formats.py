"""Web pages, Word files and PDFs: the report text comes out whole, the furniture does not, and
damaged files are refused by name; traditional characters fold to simplified for matching."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import pipeline
from conftest import SHARED, assert_offsets, assert_valid
from pipeline import errors
from pipeline.stages.ingest import SUPPORTED_SUFFIXES, format_of, read_document
from pipeline.textnorm import fold

INPUTS = Path(__file__).parent / "data" / "inputs"
BODY = (INPUTS / "report_body.txt").read_text("utf-8").splitlines()
CLUTTER = ["机构概况", "工作动态", "当前位置", "您现在的位置", "发布时间", "浏览次数", "分享到",
           "相关新闻", "热点新闻", "上一篇", "版权所有", "主办单位", "请输入关键词", "责任编辑",
           "区工商联召开执委会议"]


@pytest.mark.parametrize("name, fmt, encoding", [
    ("report_cms.html", "html", "gb18030"),
    ("report_article.html", "html", "utf-8"),
    ("report.docx", "docx", "utf-8"),
    ("report.pdf", "pdf", "pdf"),
])
def test_every_body_line_comes_through_on_its_own_line_and_no_furniture(name, fmt, encoding):
    document = read_document(INPUTS / name)
    assert (document.format, document.encoding) == (fmt, encoding)
    lines = document.text.splitlines()
    assert lines[:len(BODY)] == BODY
    leaked = [piece for piece in CLUTTER if piece in document.text]
    assert not leaked


@pytest.mark.parametrize("name", ["report_cms.html", "report.docx", "report.pdf"])
def test_offsets_point_into_the_extracted_text(name):
    report = pipeline.process_file(INPUTS / name)
    assert_offsets(report)
    assert_valid(report)
    headings = [section.heading.text for section in report.sections if section.heading]
    assert headings[:2] == ["一、强化政治引领，巩固共同思想基础", "二、服务民营经济，助力高质量发展"]


def test_a_docx_table_sits_between_the_paragraphs_around_it():
    lines = read_document(INPUTS / "report.docx").text.splitlines()
    assert lines[-3:] == ["项目\t数量", "示范点\t8个", "附表为全年创建示范点数量。"]


def test_pdf_wraps_are_joined_but_page_numbers_and_paragraph_breaks_are_not():
    text = read_document(INPUTS / "report.pdf").text
    assert "- 1 -" not in text and "- 2 -" not in text
    assert "举办“同心讲堂”4期" in text  # wrapped mid-quote in the PDF
    assert len(text.splitlines()) == len(BODY)


def test_supported_suffixes_are_dispatched_and_others_read_as_text():
    assert {".txt", ".html", ".htm", ".docx", ".pdf"} <= set(SUPPORTED_SUFFIXES)
    assert format_of("a/B.HTM") == "html" and format_of("notes") == "text"


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name, data, error, fragment", [
    ("nav_only.html", "<html><body><nav><a href='/'>首页</a></nav><footer>版权所有</footer>"
                      "</body></html>".encode("utf-8"), errors.NoMainText, "no report text"),
    ("image.html", b"<html><body><img src='a.png'></body></html>", errors.NoMainText, "HTML"),
    ("random.docx", b"this is not a zip archive at all", errors.DamagedDocument, "docx"),
    ("legacy.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), errors.UnsupportedFormat,
     ".doc"),
    ("other.docx", b"PK\x05\x06" + bytes(18), errors.DamagedDocument, "word/document.xml"),
    ("random.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4, errors.DamagedDocument, "PDF"),
    ("text.pdf", "这不是PDF文件。".encode("utf-8"), errors.DamagedDocument, "%PDF-"),
    ("scan.pdf", _blank_pdf(), errors.NoMainText, "OCR"),
])
def test_damaged_and_empty_containers_are_refused_by_name(tmp_path, name, data, error, fragment):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error) as caught:
        pipeline.process_file(path)
    assert str(path) in str(caught.value) and fragment in str(caught.value)


def test_a_docx_merged_cell_comes_once_but_equal_neighbours_both_stay(tmp_path):
    from docx import Document

    document = Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "党外代表人士"
    table.cell(0, 2).text = "12名"
    for column, text in enumerate(("5次", "5次", "3次")):
        table.cell(1, column).text = text
    path = tmp_path / "merged.docx"
    document.save(path)
    assert read_document(path).text.splitlines() == ["党外代表人士\t12名", "5次\t5次\t3次"]


def test_a_docx_whose_document_part_unpacks_too_large_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<" + b" " * (60 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(errors.FileTooLarge, match="unpacked"):
        read_document(path)


def test_traditional_characters_fold_to_simplified_one_for_one():
    assert fold("我們發展經濟，關於統戰工作") == "我们发展经济,关于统战工作"
    assert fold("著名的乾隆年間") == "著名的乾隆年间"  # 著 and 乾 are simplified characters too


def test_traditional_text_is_tokenized_as_its_simplified_twin():
    from pipeline.runner import Pipeline

    traditional = "區委統戰部召開黨外代表人士座談會，聽取意見建議。"
    simplified = "区委统战部召开党外代表人士座谈会，听取意见建议。"
    assert fold(traditional) == fold(simplified)
    tokenize = Pipeline(keep_tokens=True)
    spans = [[(t.start, t.end) for t in tokenize(text).tokens] for text in (traditional, simplified)]
    assert spans[0] == spans[1]


def test_the_traditional_government_reports_keep_the_offset_invariant():
    corpus = SHARED / "corpora" / "government_work_reports.jsonl"
    if not corpus.exists():
        pytest.skip("../shared/corpora is not beside this checkout")
    rows = [json.loads(line) for line in corpus.read_text("utf-8").splitlines()]
    traditional = [row["content"] for row in rows if fold(row["content"]).count("们")
                   > 2 * row["content"].count("们")]
    assert traditional
    for text in traditional:
        assert len(fold(text)) == len(text)
        report = pipeline.Pipeline(keep_tokens=True)(text)
        assert_offsets(report)
        assert_valid(report)
