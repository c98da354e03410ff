"""The public pandas route: `read_corpus`, `process_files`, `Report.to_frames`, CSV for Excel."""
from __future__ import annotations

import codecs

import pandas as pd
import pytest

import pipeline
from conftest import CORPORA
from pipeline.cli import main
from pipeline.frames import TABLES

SAMPLES = ("qingxi_county_2023.txt", "songbai_news_2024.txt")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Two sample reports and one file that is not text, in one folder."""
    folder = tmp_path_factory.mktemp("in")
    for name in SAMPLES:
        (folder / name).write_bytes((CORPORA / "reports" / name).read_bytes())
    (folder / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return folder


@pytest.fixture(scope="module")
def run_folder(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    assert main(["run", str(inputs), "-o", str(out)]) == 1  # one input is bad
    return out


def test_read_corpus_from_json_outputs_names_the_failures(run_folder):
    corpus = pipeline.read_corpus(run_folder)
    assert len(corpus) == 2
    assert sorted(corpus.documents["doc_id"]) == ["qingxi_county_2023", "songbai_news_2024"]
    assert corpus.failures[["error_code"]].values.tolist() == [["E104"]]
    assert corpus.failures["path"].str.endswith("scan.txt").all()
    assert set(corpus.tables()) == set(TABLES) | {"failures"}
    assert "documents=2" in repr(corpus)


def test_read_corpus_prefers_the_runs_parquet_tables(inputs, tmp_path):
    out = tmp_path / "out"
    main(["run", str(inputs), "-o", str(out), "--tables", "parquet"])
    from_json = pipeline.read_corpus(run_folder_without_tables(out, tmp_path))
    from_parquet = pipeline.read_corpus(out)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(from_parquet, table).reset_index(drop=True),
                                      getattr(from_json, table).reset_index(drop=True))


def run_folder_without_tables(out, tmp_path):
    """A copy of a run's folder with its JSON and manifest only."""
    copy = tmp_path / "json_only"
    copy.mkdir()
    for path in out.iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    return copy


def test_read_corpus_names_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such output folder"):
        pipeline.read_corpus(tmp_path / "nowhere")


@pytest.mark.parametrize("workers", [1, 2])
def test_process_files_gives_the_same_tables_as_a_run(inputs, run_folder, workers):
    processed = pipeline.process_files([inputs], workers=workers, progress=False)
    read = pipeline.read_corpus(run_folder)
    for table in TABLES:
        left = getattr(processed, table).sort_values(list(getattr(processed, table).columns[:2]))
        right = getattr(read, table).sort_values(list(getattr(read, table).columns[:2]))
        pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True))
    assert processed.failures["error_code"].tolist() == ["E104"]


def test_report_to_frames_counts_its_own_records():
    report = pipeline.process_file(CORPORA / "reports" / SAMPLES[0])
    tables = report.to_frames()
    assert len(tables["sentences"]) == len(report.sentences) > 10
    assert len(tables["quantities"]) == len(report.quantities) > 0
    assert tables["documents"]["doc_id"].tolist() == [report.document.doc_id]


def test_csv_tables_open_in_excel_as_utf8(inputs, tmp_path):
    out = tmp_path / "out"
    main(["run", str(inputs), "-o", str(out), "--tables", "csv"])
    raw = (out / "tables" / "sentences.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert "统战".encode() in raw or "统一战线".encode() in raw


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_and_pages_respect_the_umask(tmp_path, umask, mode):
    import os

    from pipeline.batch import _new_file_mode

    previous = os.umask(umask)
    _new_file_mode.cache_clear()
    try:
        out = tmp_path / "out"
        source = CORPORA / "reports" / SAMPLES[1]
        assert main(["run", str(source), "-o", str(out / "report.json")]) == 0
        assert main(["show", str(out / "report.json")]) == 0
        for name in ("report.json", "report.html"):
            assert (out / name).stat().st_mode & 0o777 == mode, name
    finally:
        os.umask(previous)
        _new_file_mode.cache_clear()
