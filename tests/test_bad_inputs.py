"""The bad-input battery: every kind of input a real corpus holds gets a valid report or a clear
error that names the file and the reason; never a traceback, never a hang, never silent loss."""
from __future__ import annotations

import codecs
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline
from conftest import ROOT, SHARED, assert_offsets, assert_valid
from pipeline import errors
from pipeline.stages.ingest import MAX_BYTES

INPUTS = Path(__file__).parent / "data" / "inputs"
REPORT = (INPUTS / "report_body.txt").read_text("utf-8")
SENTENCE = "区委统战部召开全体会议3次，研究部署民族宗教工作。"


@pytest.fixture(autouse=True)
def watchdog():
    """Turn a hang into a failure: no input may keep the pipeline busy for two minutes."""
    def expire(signum, frame):
        raise TimeoutError("the pipeline hung on this input")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def refused(path: Path, error: type[errors.InputError], fragment: str) -> errors.InputError:
    with pytest.raises(error) as caught:
        pipeline.process_file(path)
    message = str(caught.value)
    assert str(path) in message and fragment in message, message
    return caught.value


def processed(path: Path):
    report = pipeline.process_file(path)
    assert_offsets(report)
    assert_valid(report)
    return report


REFUSED = {
    "empty": (b"", errors.EmptyInput, "empty"),
    "whitespace": (" \n\t\u3000\r\n".encode("utf-8"), errors.EmptyInput, "white space"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), errors.BinaryInput, "PNG"),
    "zip": (b"PK\x03\x04\x14\x00" + bytes(64), errors.BinaryInput, "ZIP"),
    "truncated_utf8": (REPORT.encode("utf-8")[:-2], errors.UndecodableInput, "truncated"),
    "utf8_then_gbk": (REPORT.encode("utf-8") + REPORT.encode("gbk"), errors.UndecodableInput,
                      "mixed"),
    # 统战 in GBK (CD B3 D5 BD) is also valid UTF-8, for the Greek and Armenian letters ͳս.
    "gbk_valid_as_utf8": (f"{SENTENCE}县委".encode("utf-8") + "统战".encode("gbk")
                          + f"部。{SENTENCE}".encode("utf-8"), errors.UndecodableInput, "GBK"),
    "binary_with_nuls": (b"\x00\x01\x02\x03abc\x00\xff\xfe\x00" * 40, errors.BinaryInput, "control"),
    "utf16_bom_then_garbage": (codecs.BOM_UTF16_LE + b"\x00\xd8", errors.UndecodableInput,
                               "byte order mark"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_bad_bytes_are_refused_naming_file_and_reason(tmp_path, name):
    data, error, fragment = REFUSED[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    refused(path, error, fragment)
    assert path.read_bytes() == data  # inputs are never modified


NO_ASCII = "统战部召集会议研究部署工作。"
ACCEPTED = {
    "utf8_bom": (REPORT, codecs.BOM_UTF8, "utf-8", "utf-8"),
    "utf16_le_bom": (REPORT, codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    "utf16_be_bom": (REPORT, codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
    "utf16_le_no_bom": (REPORT, b"", "utf-16-le", "utf-16-le"),
    "utf16_be_no_bom": (REPORT, b"", "utf-16-be", "utf-16-be"),
    # No ASCII and no U+xx00 character, so no NUL byte gives the encoding away.
    "utf16_le_no_bom_no_nuls": (NO_ASCII, b"", "utf-16-le", "utf-16-le"),
    "utf16_be_no_bom_no_nuls": (NO_ASCII, b"", "utf-16-be", "utf-16-be"),
    "gbk": (REPORT, b"", "gbk", "gb18030"),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_every_supported_encoding_gives_the_same_text(tmp_path, name):
    text, prefix, codec, detected = ACCEPTED[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(prefix + text.encode(codec))
    report = processed(path)
    assert report.text == text
    assert report.document.encoding == detected


def test_the_utf16_cases_without_bom_really_lack_nul_bytes():
    assert b"\x00" not in NO_ASCII.encode("utf-16-le") + NO_ASCII.encode("utf-16-be")


def test_legitimate_foreign_letters_are_not_taken_for_mixed_encodings(tmp_path):
    text = ("β受体研究所与Café Müller合作，Москва代表团来访；α、β两组数据均达标。\n"
            "Nguyễn女士（越南）出席，Ελληνικά课程开课2期。\n")
    path = tmp_path / "letters.txt"
    path.write_text(text, encoding="utf-8")
    assert processed(path).text == text


def test_nuls_controls_zero_width_and_emoji_keep_their_offsets(tmp_path):
    text = REPORT + (f"统战\u200b部召开会议\u200d3次，\x07研究部署工作。\n"
                     f"👨‍👩‍👧‍👦 侨胞之家🎉接待来访120人次🇨🇳。\ufeff{SENTENCE}\x00\n")
    path = tmp_path / "odd.txt"
    path.write_text(text, encoding="utf-8")
    report = processed(path)
    assert report.text == text
    assert any("接待来访120人次" in sentence.text for sentence in report.sentences)


def test_a_50_mb_report_is_refused_from_its_size_without_reading_it(tmp_path):
    path = tmp_path / "dump.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: the size is what ingest looks at first
    assert path.stat().st_size > MAX_BYTES["text"]
    error = refused(path, errors.FileTooLarge, str(MAX_BYTES["text"]))
    assert error.code == "E107"


def test_a_report_just_under_the_character_limit_is_refused_by_characters(tmp_path):
    from pipeline.runner import MAX_CHARS

    path = tmp_path / "long.txt"
    path.write_text("统" * (MAX_CHARS + 1), encoding="utf-8")  # 3 bytes each: under MAX_BYTES
    refused(path, errors.InputTooLarge, str(MAX_CHARS))


def test_a_20000_character_sentence_without_punctuation_is_processed(tmp_path):
    words = "统战部门加强思想政治引领推动民营经济健康发展"
    text = (words * (20000 // len(words) + 1))[:20000]
    path = tmp_path / "run_on.txt"
    path.write_text(text, encoding="utf-8")
    report = processed(path)
    assert "".join(sentence.text for sentence in report.sentences) == text


def test_english_only_report(tmp_path):
    path = tmp_path / "english.txt"
    path.write_text("Annual review of the district's work.\nWe held 12 meetings in 2023. "
                    "About 600 people attended.\n", encoding="utf-8")
    report = processed(path)
    assert report.sentences[-1].text.endswith("About 600 people attended.")


def test_a_report_whose_headings_are_all_that_is_left(tmp_path):
    text = "青川区委统战部2023年工作总结\n一、强化政治引领\n二、服务民营经济\n三、推进民族团结\n"
    path = tmp_path / "headings.txt"
    path.write_text(text, encoding="utf-8")
    report = processed(path)
    headings = [section.heading.text for section in report.sections if section.heading]
    assert headings == ["一、强化政治引领", "二、服务民营经济", "三、推进民族团结"]


def test_a_traditional_character_report(tmp_path):
    corpus = SHARED / "corpora" / "government_work_reports.jsonl"
    if not corpus.exists():
        pytest.skip("../shared/corpora is not beside this checkout")
    rows = [json.loads(line) for line in corpus.read_text("utf-8").splitlines()]
    text = next(row["content"] for row in rows if "們" in row["content"] and "經濟" in row["content"])
    path = tmp_path / "traditional.txt"
    path.write_text(text, encoding="utf-8")
    report = processed(path)
    assert len(report.sentences) > 100


def test_an_html_page_of_a_report(tmp_path):
    report = processed(INPUTS / "report_cms.html")
    assert report.document.format == "html"
    assert "首页" not in report.text and "版权所有" not in report.text
    assert report.sentences[0].text.startswith("2023年，区委统战部")


def test_the_command_line_names_every_bad_file_and_writes_no_traceback(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, (data, _, _) in REFUSED.items():
        (folder / f"{name}.txt").write_bytes(data)
    (folder / "good.txt").write_text(REPORT, encoding="utf-8")
    (folder / "page.html").write_bytes((INPUTS / "report_article.html").read_bytes())
    result = subprocess.run([sys.executable, "-m", "pipeline", "run", str(folder), "-o",
                             str(tmp_path / "out")], cwd=ROOT, capture_output=True, timeout=600)
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert "Traceback" not in stderr
    for name in REFUSED:
        assert f"{name}.txt" in stderr
    written = {path.name for path in (tmp_path / "out").glob("*.json")}
    assert {"good.json", "page.json"} <= written
    assert not any(name.startswith(tuple(REFUSED)) for name in written)
