"""The bad-input battery: every kind of input a real corpus holds gets a valid report or a clear
error that names the file and the reason; never a traceback, never a hang, never silent loss."""
from __future__ import annotations

import codecs
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline
from conftest import CORPORA, ROOT, SHARED, assert_offsets, assert_valid
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


# --- Round two (issue 17): hostile input and shared output folders ------------------------------

def cli(*args: str, cwd: Path = ROOT, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, input=stdin,
                          capture_output=True, timeout=600)


def manifest_rows(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "corpus.jsonl").read_text("utf-8").splitlines()]


def no_traceback(result: subprocess.CompletedProcess) -> str:
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    return stderr


def test_a_file_named_in_gbk_bytes_is_processed_and_the_batch_goes_on(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    raw_name = os.fsencode(folder) + b"/" + "青川县统战工作总结".encode("gbk") + b".txt"
    with open(raw_name, "wb") as handle:
        handle.write(REPORT.encode("utf-8"))
    (folder / "z_after.txt").write_text(REPORT, encoding="utf-8")
    for _ in range(2):  # the rerun reads the manifest the first run wrote
        result = cli("run", str(folder), "-o", str(out))
        no_traceback(result)
        assert result.returncode == 0
    rows = manifest_rows(out)
    assert len(rows) == 2 and all(row["ok"] for row in rows)
    odd = next(row for row in rows if row["path_bytes"])
    assert bytes.fromhex(odd["path_bytes"]) == raw_name
    data = json.loads((out / odd["output"]).read_text("utf-8"))
    assert data["document"]["source"] == odd["path"] and "\\x" in odd["path"]


def test_an_output_that_is_an_input_is_a_usage_error(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text(REPORT, encoding="utf-8")
    result = cli("run", str(victim), "-o", str(victim))
    assert result.returncode == 2 and "is one of the inputs" in no_traceback(result)
    out = tmp_path / "out"
    out.mkdir()
    inside = out / "notes.json"  # named explicitly; its output would be itself
    inside.write_text(REPORT, encoding="utf-8")
    result = cli("run", str(inside), str(victim), "-o", str(out))
    assert result.returncode == 2
    assert victim.read_text("utf-8") == REPORT and inside.read_text("utf-8") == REPORT


def hold_lock(folder: Path, pid: str) -> int:
    import fcntl

    from pipeline.output_folder import LOCK

    folder.mkdir(exist_ok=True)
    descriptor = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    os.write(descriptor, pid.encode() + b"\n")
    return descriptor


def test_a_folder_another_run_writes_into_is_refused_and_a_stale_lock_taken_over(tmp_path):
    from pipeline.output_folder import LOCK

    source, out = tmp_path / "a.txt", tmp_path / "out"
    source.write_text(REPORT, encoding="utf-8")
    descriptor = hold_lock(out, "4242")
    try:
        result = cli("run", str(source), "-o", str(out) + "/")
    finally:
        os.close(descriptor)
    stderr = no_traceback(result)
    assert result.returncode == 1 and "E503" in stderr and "4242" in stderr
    assert not (out / "a.json").exists() and not (out / "corpus.jsonl").exists()
    (out / LOCK).write_text("999999\n")  # left by a run that was killed
    assert cli("run", str(source), "-o", str(out) + "/").returncode == 0
    assert (out / "a.json").exists() and not (out / LOCK).exists()


def test_two_runs_at_once_into_one_folder_never_mix_their_manifests(tmp_path):
    folders = []
    for name in ("x", "y"):
        folder = tmp_path / name
        folder.mkdir()
        for number in range(3):
            (folder / f"{name}{number}.txt").write_text(REPORT, encoding="utf-8")
        folders.append(folder)
    out = tmp_path / "out"
    runs = [subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(folder), "-o", str(out)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for folder in folders]
    results = [(run.wait(timeout=600), run.stderr.read().decode()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    assert all("Traceback" not in stderr for _, stderr in results)
    finished = [code for code, _ in results if code == 0]
    refused = [stderr for code, stderr in results if code != 0]
    assert finished and all("E503" in stderr for stderr in refused)
    rows = manifest_rows(out)
    assert len(rows) == 3 * len(finished) and len({row["path"] for row in rows}) == len(rows)


def test_a_reused_output_folder_keeps_earlier_rows_and_outputs(tmp_path):
    out = tmp_path / "out"
    for name in ("x", "y"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.txt").write_text(REPORT.replace("2023", f"20{len(name)}"),
                                                    encoding="utf-8")
        (tmp_path / name / f"only_{name}.txt").write_text(REPORT, encoding="utf-8")
        assert cli("run", str(tmp_path / name), "-o", str(out)).returncode == 0
    single = tmp_path / "single.txt"
    single.write_text(REPORT, encoding="utf-8")
    assert cli("run", str(single), "-o", str(out)).returncode == 0
    rows = manifest_rows(out)
    assert len(rows) == 5
    sources = {json.loads((out / row["output"]).read_text("utf-8"))["document"]["source"]
               for row in rows}
    assert len(sources) == 5  # two `report.txt` from different runs: two outputs
    rerun = cli("run", str(tmp_path / "y"), "-o", str(out))
    assert rerun.returncode == 0 and len(manifest_rows(out)) == 5
    assert sum(row["skipped"] for row in manifest_rows(out)) == 2


def test_an_output_folder_inside_the_input_folder_is_not_read_back(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "page.html").write_bytes((INPUTS / "report_article.html").read_bytes())
    out = folder / "out"
    for _ in range(2):
        assert cli("run", str(folder), "-o", str(out)).returncode == 0
    assert (out / "page.extracted.txt").exists()
    assert [Path(row["path"]).name for row in manifest_rows(out)] == ["page.html"]
    result = cli("run", str(folder), "-o", str(folder))
    assert result.returncode == 2 and "also an input folder" in no_traceback(result)


def shown(tmp_path: Path, report: dict) -> subprocess.CompletedProcess:
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(report, ensure_ascii=False), "utf-8")
    return cli("show", str(path))


@pytest.fixture(scope="module")
def report_json() -> dict:
    return json.loads(pipeline.process_text(REPORT, source="青川县.txt").to_json())


def test_show_refuses_crafted_json_and_escapes_every_attribute(tmp_path, report_json):
    from pipeline.show import render_page

    crafted = json.loads(json.dumps(report_json))
    crafted["entities"][0]["label"] = 'GPE" onmouseover="alert(1)'
    first_area = next(iter(crafted["summary"]["areas"].values()))
    first_area["sentences"] = "<img src=x onerror=alert(1)>"
    result = shown(tmp_path, crafted)
    assert result.returncode == 1 and "E501" in no_traceback(result) and "schema" in result.stderr.decode()
    page = render_page(crafted)  # even unvalidated, nothing from the file becomes markup
    assert "<img" not in page and 'onmouseover="' not in page
    wrong_types = {**report_json, "sentences": "none"}
    missing = {key: value for key, value in report_json.items() if key != "text"}
    missing["document"] = {"doc_id": "x"}
    for broken in (wrong_types, missing):
        result = shown(tmp_path, broken)
        assert result.returncode == 1 and "crafted.json" in no_traceback(result)


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path):
    import csv

    source = tmp_path / "formulas.txt"
    source.write_text("=HYPERLINK(\"http://x\") 县委召开会议3次。\n@SUM(1) 走访企业12家。\n"
                      "-2+3 接待来访120人次。\n", encoding="utf-8")
    assert cli("run", str(source), "-o", str(tmp_path / "f.json"), "--tables", "csv").returncode == 0
    with open(tmp_path / "f.tables" / "sentences.csv", encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert texts and all(text.startswith("'") for text in texts), texts
    assert texts[0] == "'" + source.read_text("utf-8").splitlines()[0]


def test_endless_streams_devices_and_fifos_are_refused_at_once(tmp_path):
    error = refused(Path("/dev/zero"), errors.FileNotReadable, "character device")
    assert error.code == "E101"
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # no writer: opening it to read would wait for ever
    refused(fifo, errors.FileNotReadable, "FIFO")
    huge = (SENTENCE * 400_000).encode("utf-8")  # over MAX_BYTES["text"]
    assert len(huge) > MAX_BYTES["text"]
    result = cli("run", "-", stdin=huge)
    assert result.returncode == 1 and "E107" in no_traceback(result)


def docx_with(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_every_member_of_a_docx_is_bounded_not_only_the_document(tmp_path):
    body = (INPUTS / "report.docx").read_bytes()
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["word/styles.xml"] = b"<w:styles>" + b" " * (MAX_BYTES["docx"] + 1)
    path = tmp_path / "bomb.docx"
    path.write_bytes(docx_with(members))
    assert path.stat().st_size < 1_000_000
    refused(path, errors.FileTooLarge, "word/styles.xml")


def test_texts_of_countless_tiny_sentences_are_refused_by_count(tmp_path):
    from pipeline.stages.ingest import MAX_SENTENCES

    path = tmp_path / "tiny.txt"
    path.write_text("统。" * (MAX_SENTENCES + 1), encoding="utf-8")
    refused(path, errors.TooManySentences, str(MAX_SENTENCES))
    page = tmp_path / "tiny.html"
    page.write_text("<html><body>" + "<p>统</p>\n" * (MAX_SENTENCES + 1) + "</body></html>",
                    encoding="utf-8")
    refused(page, errors.TooManySentences, str(MAX_SENTENCES))


def test_a_page_of_countless_elements_is_refused_before_it_is_parsed(tmp_path):
    from pipeline.formats.html import MAX_TAGS

    page = tmp_path / "elements.html"
    page.write_text("<html><body>" + "<div><p>统</p></div>" * (MAX_TAGS // 4 + 1) + "</body></html>",
                    encoding="utf-8")
    refused(page, errors.BeyondLimits, str(MAX_TAGS))


def test_a_report_of_too_many_records_is_refused_not_written(tmp_path, monkeypatch):
    from pipeline import batch, inputs

    monkeypatch.setattr(batch, "MAX_RECORDS", 20)  # the real limit takes a 5 MB text to reach
    path = tmp_path / "dense.txt"
    path.write_text("全年召开座谈会3次，走访企业12家，接待来访120人次。" * 6, encoding="utf-8")
    outcome = batch.process_one(inputs.InputItem(str(path), "dense.json"))
    assert (outcome.ok, outcome.error_code, outcome.json) == (False, "E112", None)
    assert "records" in outcome.message and str(path) in outcome.message


def pdf_of(pages: list[bytes]) -> bytes:
    """A PDF of pages with these content streams (Helvetica), its cross-reference table exact."""
    count = len(pages)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + 2 * n) for n in range(count))
               + b"] /Count %d >>" % count,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for number, content in enumerate(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * number))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_work_is_bounded_per_page_and_per_document(tmp_path):
    from pipeline.formats.pdf import MAX_PAGES, MAX_TEXT_OPERATORS_PER_PAGE

    dense = tmp_path / "dense.pdf"
    dense.write_bytes(pdf_of([b"BT /F1 12 Tf 72 700 Td " + b"(a) Tj " * (MAX_TEXT_OPERATORS_PER_PAGE + 1)
                              + b"ET"]))
    refused(dense, errors.BeyondLimits, "text operators")
    blank = tmp_path / "blank.pdf"
    blank.write_bytes(pdf_of([b""] * (MAX_PAGES + 1)))
    refused(blank, errors.BeyondLimits, "pages")
    fine = tmp_path / "fine.pdf"
    fine.write_bytes(pdf_of([b"BT /F1 12 Tf 72 700 Td (Annual review: 12 meetings held.) Tj ET"]))
    assert "12 meetings" in processed(fine).text


def in_process_run(argv: list[str], capsys) -> tuple[int, str]:
    from pipeline.cli import main

    code = main(argv)
    return code, capsys.readouterr().err


def test_a_read_only_output_folder_is_a_clear_error(tmp_path, monkeypatch, capsys):
    source, out = tmp_path / "a.txt", tmp_path / "out"
    source.write_text(REPORT, encoding="utf-8")
    out.mkdir()
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):  # root ignores chmod, so the refusal is injected
        if str(path).startswith(str(out)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    code, stderr = in_process_run(["run", str(source), "-o", str(out)], capsys)
    assert code == 1 and "E502" in stderr and "Permission denied" in stderr


def test_an_output_path_that_cannot_be_checked_is_a_usage_error(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text(REPORT, encoding="utf-8")
    result = cli("run", str(source), "-o", str(tmp_path / ("长" * 200) / "x"))
    assert result.returncode == 2 and "cannot check the output path" in no_traceback(result)


def test_an_output_name_taken_by_a_folder_costs_that_report_alone(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.txt").write_text(REPORT, encoding="utf-8")
    (out / "a.json").mkdir(parents=True)
    result = cli("run", str(folder), "-o", str(out))
    assert result.returncode == 1 and "E502" in no_traceback(result)
    rows = {Path(row["path"]).name: row for row in manifest_rows(out)}
    assert rows["a.txt"]["error_code"] == "E502" and "folder" in rows["a.txt"]["message"]
    assert rows["b.txt"]["ok"] and (out / "b.json").is_file()


def test_a_full_disk_stops_the_batch_leaving_written_outputs_and_a_true_manifest(tmp_path,
                                                                                  monkeypatch):
    import errno

    from pipeline import batch, inputs
    from pipeline.engines import InProcessEngine

    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for number in range(5):
        (folder / f"r{number}.txt").write_text(REPORT.replace("2023", str(2010 + number)),
                                               encoding="utf-8")
    real_write, written = batch.atomic_write, []

    def fills_up(path, data, **kwargs):
        if path.suffix == ".json" and len(written) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_write(path, data, **kwargs)
        written.append(path)

    monkeypatch.setattr(batch, "atomic_write", fills_up)
    with pytest.raises(errors.CannotWriteOutput, match="No space left"):
        batch.write_corpus(inputs.discover([str(folder)]), InProcessEngine(batch.DocumentTask()), out)
    rows = manifest_rows(out)
    assert [row["ok"] for row in rows] == [True, True, False]
    assert rows[2]["error_code"] == "E502" and rows[2]["output"] is None
    for row in rows[:2]:
        data = json.loads((out / row["output"]).read_text("utf-8"))
        assert data["document"]["sha256"] == row["sha256"]
    assert sorted(path.name for path in out.iterdir()) == ["corpus.jsonl", "r0.json", "r1.json"]


@pytest.mark.parametrize("timeout", ["-1", "inf", "nan", "0", "soon"])
def test_a_timeout_that_bounds_nothing_is_a_usage_error(timeout, capsys):
    from pipeline.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["run", "x.txt", "--timeout", timeout])
    assert exited.value.code == 2 and "--timeout" in capsys.readouterr().err


def test_unreadable_folders_dangling_links_and_linked_folders_are_reported(tmp_path, monkeypatch,
                                                                           capsys):
    folder, out = tmp_path / "in", tmp_path / "out"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "hidden.txt").write_text(REPORT, encoding="utf-8")
    (folder / "good.txt").write_text(REPORT, encoding="utf-8")
    (folder / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "far.txt").write_text(REPORT, encoding="utf-8")
    (folder / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    real_scandir = os.scandir

    def unlistable(path="."):  # root can list any folder, so the refusal is injected
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", unlistable)
    code, stderr = in_process_run(["run", str(folder), "-o", str(out)], capsys)
    assert code == 1
    assert "linked: a symbolic link to a folder, not followed" in stderr
    rows = {Path(row["path"]).name: row for row in manifest_rows(out)}
    assert set(rows) == {"locked", "good.txt", "gone.txt"}
    assert "cannot be listed: Permission denied" in rows["locked"]["message"]
    assert "symbolic link to a missing file" in rows["gone.txt"]["message"]
    assert rows["good.txt"]["ok"]


def test_messages_say_what_went_wrong(tmp_path, report_json):
    deep = tmp_path / "deep.html"
    deep.write_text("<div>" * 100_000 + "<p>县委统战部召开会议3次。</p>" + "</div>" * 100_000,
                    encoding="utf-8")
    refused(deep, errors.BeyondLimits, "stopped reading")
    assert "<text>" not in str(errors.PipelineError(None, detail="a worker process cannot start"))
    without_text = {key: value for key, value in report_json.items() if key != "text"}
    without_text["document"] = {**without_text["document"], "source": None}
    result = shown(tmp_path, without_text)
    assert "crafted.json" in no_traceback(result) and "<text>" not in result.stderr.decode()
    line = tmp_path / "controls.txt"  # two stray control characters in a short line are text
    line.write_text("青川县委统战部召开党外人士座谈会\x01\x02研究部署全年民族宗教工作重点任务。\n",
                    encoding="utf-8")
    assert processed(line).sentences


def test_dash_means_standard_output_a_slash_a_folder_and_twice_given_once(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text(REPORT, encoding="utf-8")
    result = cli("run", str(source), "-o", "-", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["text"] == REPORT
    assert not (tmp_path / "-").exists()
    result = cli("run", str(source), "./a.txt", "-o", "newdir/", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "newdir" / "a.json").is_file()
    assert len(manifest_rows(tmp_path / "newdir")) == 1


def broken_model(tmp_path: Path, name: str, content: bytes | None) -> Path:
    """A copy of the shipped area model with one file replaced (or removed, for None)."""
    import shutil

    from pipeline.area_model import DEFAULT_MODEL_DIR

    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    if content is None:
        (folder / name).unlink()
    else:
        (folder / name).write_bytes(content)
    return folder


@pytest.mark.parametrize(("name", "content"), [
    ("vocabulary.json", b"[1, 2, 3]"),
    ("vocabulary.json", b'{"words": {}}'),
    ("meta.json", b"{not json"),
    ("meta.json", b'{"bundle_format": 2}'),
    ("meta.json", None),
], ids=["vocabulary a list", "vocabulary without chars", "meta not JSON", "meta without labels",
        "meta missing"])
def test_a_broken_model_folder_is_a_model_error_not_a_traceback(tmp_path, name, content):
    model = broken_model(tmp_path, name, content)
    result = cli("evaluate", str(CORPORA / "gold"), "--model", str(model))
    stderr = no_traceback(result)
    assert result.returncode == 1
    assert "[E300]" in stderr and "model" in stderr


def test_a_pickle_renamed_skops_is_refused_as_not_a_skops_file(tmp_path):
    import pickle

    from pipeline.training import load_skops_model

    model = broken_model(tmp_path, "area_classifier.skops", pickle.dumps({"not": "a model"}))
    with pytest.raises(errors.ModelError, match="not a skops model file"):
        load_skops_model(model)
    model_without_meta = broken_model(tmp_path / "other", "meta.json", None)
    with pytest.raises(errors.ModelError, match="meta.json cannot be read"):
        load_skops_model(model_without_meta)
