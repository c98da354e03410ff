"""`report-miner show`: a self-contained page with the whole text, marks, area tints and legend."""
from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest

import pipeline
from conftest import CORPORA
from pipeline import errors
from pipeline.plotting import area_colours, area_names
from pipeline.show import render_page


class _Page(HTMLParser):
    """Collects the page's visible text and the resources it would fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.fetches: list[str] = []
        self.marks: list[str] = []
        self._skipping = False  # inside <style> or a mark's badge, which are not report text

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._skipping = tag == "style" or attrs.get("class") == "tag"
        for key in ("src", "href"):
            if attrs.get(key) and not attrs[key].startswith("#"):  # a link within the page
                self.fetches.append(attrs[key])
        if tag in ("script", "link"):
            self.fetches.append(tag)
        if tag == "mark" and attrs.get("class") != "TEXT":
            self.marks.append(attrs.get("class"))

    def handle_endtag(self, tag):
        self._skipping = False

    def handle_data(self, data):
        if not self._skipping:
            self.text.append(data)


@pytest.fixture(scope="module")
def report_json() -> dict:
    import pipeline

    return json.loads(pipeline.process_file(CORPORA / "reports" / "qingxi_county_2023.txt").to_json())


@pytest.fixture(scope="module")
def page(report_json) -> _Page:
    parser = _Page()
    parser.feed(render_page(report_json))
    return parser


def test_the_page_fetches_nothing(page):
    assert page.fetches == []


def test_every_sentence_appears_whole_on_the_page(report_json, page):
    visible = re.sub(r"\s+", "", "".join(page.text))
    for sentence in report_json["sentences"]:
        assert re.sub(r"\s+", "", sentence["text"]) in visible, sentence["text"]


def test_each_record_is_marked_once_unless_a_longer_one_covers_it(report_json, page):
    records = (len(report_json["quantities"]) + len(report_json["entities"])
               + len(report_json["activities"]))
    assert 0 < len(page.marks) <= records
    assert page.marks.count("QUANTITY") >= 1


def test_sentences_are_tinted_by_area_with_a_legend(report_json):
    markup = render_page(report_json)
    colours, names = area_colours(), area_names()
    for area in {sentence["area"] for sentence in report_json["sentences"]}:
        assert f"background:{colours[area]}" in markup
    for area, name in names.items():
        assert html.escape(name) in markup and area in markup  # the legend names every area


def test_text_is_escaped():
    text = "<script>alert(1)</script>召开会议3次。"
    report = {"document": {"doc_id": "x", "chars": len(text)}, "text": text,
              "sections": [], "paragraphs": [{"id": 0, "start": 0, "end": len(text), "section": 0}],
              "sentences": [{"id": 0, "text": text, "start": 0, "end": len(text), "section": 0,
                             "paragraph": 0, "area": "general"}],
              "quantities": [{"text": "3次", "start": 29, "end": 31, "value": 3, "unit": "次",
                              "approx": False, "kind": "count", "verb": "召开", "object": "会议"}]}
    markup = render_page(report)
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert 'title="召开 会议 3 次"' in markup


def test_cli_show_writes_the_page(report_json, tmp_path):
    from pipeline.cli import main

    source = tmp_path / "report.json"
    source.write_text(json.dumps(report_json, ensure_ascii=False), "utf-8")
    assert main(["show", str(source)]) == 0
    assert (tmp_path / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    assert main(["show", str(source), "-o", str(tmp_path / "p.html")]) == 0
    assert (tmp_path / "p.html").exists()


def test_show_names_a_file_without_text_or_that_is_no_report(report_json, tmp_path, capsys):
    from pipeline.cli import main

    without_text = {key: value for key, value in report_json.items() if key != "text"}
    path = tmp_path / "no_text.json"
    path.write_text(json.dumps(without_text), "utf-8")
    with pytest.raises(errors.NotAReportFile, match="without its text"):
        render_page(without_text)
    assert main(["show", str(path)]) == 1
    assert main(["show", str(tmp_path / "missing.json")]) == 1
    err = capsys.readouterr().err
    assert "E501" in err and "missing.json" in err and "Traceback" not in err


def test_furniture_is_shown_with_its_kind():
    report = pipeline.process_text("青岚县统战工作综述\n本报通讯员 王小溪\n全县统一战线取得新成效。\n")
    page = render_page(json.loads(report.to_json()))
    assert '<p class="furniture" title="byline">本报通讯员 王小溪</p>' in page
