"""The command line: one file, many files, folders, stdin, exit codes, the corpus index."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

GOOD = "县委统战部召开会议3次，研究部署全年工作。\n"


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=300)


def test_single_file_to_stdout_and_to_file(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text(GOOD, encoding="utf-8")
    result = cli("run", str(source))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["document"]["source"] == str(source)
    out = tmp_path / "a.json"
    assert cli("run", str(source), "-o", str(out)).returncode == 0
    assert json.loads(out.read_text("utf-8"))["sentences"][0]["text"] == GOOD.strip()


def test_stdin():
    result = cli("run", "-", stdin=GOOD.encode("gbk"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["document"]["encoding"] == "gb18030"


def test_folder_with_same_names_and_a_bad_file(tmp_path):
    (tmp_path / "in" / "x").mkdir(parents=True)
    (tmp_path / "in" / "y").mkdir()
    (tmp_path / "in" / "x" / "r.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "in" / "y" / "r.txt").write_text(GOOD.replace("3", "4"), encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    (tmp_path / "in" / "notes.bin").write_bytes(b"\x00\x01")  # not a supported suffix: ignored
    out = tmp_path / "out"
    result = cli("run", str(tmp_path / "in"), "-o", str(out))
    assert result.returncode == 1
    assert "empty.txt" in result.stderr.decode() and "E102" in result.stderr.decode()
    rows = [json.loads(line) for line in (out / "corpus.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == 3
    outputs = sorted(row["output"] for row in rows if row["ok"])
    assert outputs == ["x__r.json", "y__r.json"]
    assert all((out / name).exists() for name in outputs)
    failed = [row for row in rows if not row["ok"]]
    assert failed[0]["error_class"] == "EmptyInput"


def test_usage_errors_exit_2(tmp_path):
    assert cli("run").returncode == 2
    assert cli("frobnicate").returncode == 2
    assert cli("run", str(tmp_path)).returncode == 2  # a folder with nothing to read


def test_missing_file_exits_1_and_names_it(tmp_path):
    result = cli("run", str(tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert "missing.txt" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_schema_command_prints_the_schema():
    result = cli("schema")
    assert json.loads(result.stdout)["title"] == "report-miner report"


def test_extracted_text_of_web_pages_is_saved_beside_the_output(tmp_path):
    page = ROOT / "tests" / "data" / "inputs" / "report_article.html"
    single = tmp_path / "one.json"
    assert cli("run", str(page), "-o", str(single)).returncode == 0
    data = json.loads(single.read_text("utf-8"))
    assert (tmp_path / "one.extracted.txt").read_text("utf-8") == data["text"]
    assert data["document"]["format"] != "text"

    folder = tmp_path / "many"
    plain = tmp_path / "plain.txt"
    plain.write_text(GOOD, encoding="utf-8")
    assert cli("run", str(page), str(plain), "-o", str(folder)).returncode == 0
    assert (folder / "report_article.extracted.txt").exists()
    assert not (folder / "plain.extracted.txt").exists()


def test_one_input_into_an_existing_folder_and_reruns_with_other_options(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text(GOOD, encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    assert cli("run", str(source), "-o", str(folder)).returncode == 0
    assert "tokens" not in json.loads((folder / "a.json").read_text("utf-8"))
    assert cli("run", str(source), "-o", str(folder), "--tokens").returncode == 0
    assert json.loads((folder / "a.json").read_text("utf-8"))["tokens"]
    rows = [json.loads(line) for line in (folder / "corpus.jsonl").read_text("utf-8").splitlines()]
    assert [row["skipped"] for row in rows] == [False]


def test_doc_ids_are_unique_across_a_corpus(tmp_path):
    for name in ("x", "y"):
        (tmp_path / "in" / name).mkdir(parents=True)
        (tmp_path / "in" / name / "r.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert cli("run", str(tmp_path / "in"), "-o", str(out)).returncode == 0
    ids = {json.loads(path.read_text("utf-8"))["document"]["doc_id"] for path in out.glob("*.json")}
    assert ids == {"x__r", "y__r"}


def three_reports(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for number in (1, 2, 3):
        (folder / f"r{number}.txt").write_text(GOOD.replace("3", str(number)), encoding="utf-8")
    return folder


def test_several_reports_on_standard_output_are_json_lines(tmp_path):
    result = cli("run", str(three_reports(tmp_path)))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert [json.loads(line)["document"]["doc_id"] for line in lines] == ["r1", "r2", "r3"]


def test_a_json_file_name_for_several_inputs_is_refused(tmp_path):
    result = cli("run", str(three_reports(tmp_path)), "-o", str(tmp_path / "all.json"))
    assert result.returncode == 2
    assert b"several inputs need an output folder" in result.stderr
    assert not (tmp_path / "all.json").exists()


def test_every_run_ends_with_a_summary_line_unless_quiet(tmp_path):
    source, out = three_reports(tmp_path), tmp_path / "out"
    first = cli("run", str(source), "-o", str(out))
    assert b"3 processed, 0 skipped (output current), 0 failed" in first.stderr
    again = cli("run", str(source), "-o", str(out))
    assert b"0 processed, 3 skipped (output current), 0 failed" in again.stderr
    assert cli("run", str(source), "-o", str(out), "-q").stderr == b""
    verbose = cli("run", str(source), "-o", str(out), "-v", "--force").stderr.decode()
    assert all(f"r{number}.txt: done in" in verbose for number in (1, 2, 3))


def test_describe_reads_standard_input():
    result = cli("describe", "-", stdin=GOOD.encode("utf-8"))
    assert result.returncode == 0, result.stderr
    assert "1 sentences" in result.stdout.decode()


def test_describe_into_a_closed_pipe_stops_quietly(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(40):
        (folder / f"r{number:02}.txt").write_text(GOOD * 3, encoding="utf-8")
    reader = subprocess.Popen(["head", "-n", "2"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)
    writer = subprocess.run([sys.executable, "-m", "pipeline", "describe", str(folder)],
                            cwd=ROOT, stdout=reader.stdin, stderr=subprocess.PIPE, timeout=300)
    reader.stdin.close()
    reader.wait()
    assert writer.returncode == 0
    assert b"E403" not in writer.stderr and b"BrokenPipe" not in writer.stderr
    assert b"Traceback" not in writer.stderr


def test_an_engine_that_cannot_run_is_a_usage_error(monkeypatch, capsys):
    from pipeline import cli as command_line
    from pipeline import engines

    def unavailable(*args, **kwargs):
        raise engines.errors.EngineUnavailable(None, detail="--engine dask needs Dask")

    monkeypatch.setattr(engines, "make_engine", unavailable)
    source = ROOT / "corpora" / "reports" / "songbai_news_2024.txt"
    assert command_line.main(["run", str(source), "--engine", "dask"]) == 2
    error = capsys.readouterr().err
    assert "[E210] --engine dask needs Dask" in error and "<text>" not in error
