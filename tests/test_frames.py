"""Corpus tables: seven typed DataFrames whose rows are exactly the records of the JSON outputs."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import CORPORA
from pipeline import errors
from pipeline.frames import TABLE_COLUMNS, TABLES, load_report_json, to_frames, write_tables
from pipeline.stages.summarize import area_catalogue

RECORD_LISTS = {"sections": "sections", "sentences": "sentences", "quantities": "quantities",
                "entities": "entities", "activities": "activities"}


@pytest.fixture(scope="module")
def corpus_outputs(tmp_path_factory) -> list:
    """The bundled sample reports (not the held-out one) processed and written as output JSON."""
    import pipeline

    folder = tmp_path_factory.mktemp("outputs")
    paths = []
    for source in sorted((CORPORA / "reports").glob("*.txt")):
        if "heldout" in source.name:
            continue
        path = folder / f"{source.stem}.json"
        path.write_text(pipeline.process_file(source).to_json(), "utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def corpus_tables(corpus_outputs):
    return to_frames([corpus_outputs[0].parent])


def test_seven_tables_with_the_documented_columns_and_types(corpus_tables):
    assert list(corpus_tables) == list(TABLES)
    areas = [area.id for area in area_catalogue()]
    for table, frame in corpus_tables.items():
        assert list(frame.columns) == list(TABLE_COLUMNS[table]), table
        assert str(frame["doc_id"].dtype) == "string"
        if "area" in frame:
            assert isinstance(frame["area"].dtype, pd.CategoricalDtype)
            assert list(frame["area"].cat.categories) == areas
            assert frame["area"].notna().all(), table
    labels = corpus_tables["entities"]["label"].cat.categories
    assert {"ORG", "GPE", "DOC", "DATE"} <= set(labels)
    assert str(corpus_tables["quantities"]["value"].dtype) == "float64"
    assert str(corpus_tables["documents"]["year"].dtype) == "Int64"


def test_row_counts_equal_the_json_lists(corpus_outputs, corpus_tables):
    outputs = [json.loads(path.read_text("utf-8")) for path in corpus_outputs]
    assert len(corpus_tables["documents"]) == len(outputs) >= 4
    for table, key in RECORD_LISTS.items():
        assert len(corpus_tables[table]) == sum(len(output[key]) for output in outputs), table
        per_document = corpus_tables[table].groupby("doc_id").size()
        for output in outputs:
            assert per_document.get(output["document"]["doc_id"], 0) == len(output[key]), table
    assert corpus_tables["sentences"]["chars"].sum() == sum(
        len(sentence["text"]) for output in outputs for sentence in output["sentences"])


def test_reports_dicts_and_files_give_the_same_tables(corpus_outputs):
    import pipeline

    path = corpus_outputs[0]
    from_file = to_frames(path)
    from_dict = to_frames([load_report_json(path)])
    source = CORPORA / "reports" / f"{path.stem}.txt"
    from_report = to_frames([pipeline.process_file(source)])
    for table in TABLES:
        pd.testing.assert_frame_equal(from_file[table], from_dict[table])
        pd.testing.assert_frame_equal(from_file[table], from_report[table])


def test_records_outside_sentences_take_their_sections_area():
    text = "一、非公经济“两个健康”\n全年举办恳谈会3次。"
    report = {"document": {"doc_id": "d1", "chars": len(text)},
              "sections": [{"id": 0, "heading": {"text": text[:12], "start": 0, "end": 12,
                                                 "level": 1}, "level": 1, "parent": None,
                            "start": 0, "end": len(text), "area": "non_public_economy"}],
              "sentences": [{"id": 0, "text": text[13:], "start": 13, "end": len(text),
                             "section": 0, "paragraph": 0, "area": "general"}],
              "quantities": [{"text": "3次", "start": 19, "end": 21, "value": 3, "unit": "次",
                              "approx": False, "kind": "count"}],
              "activities": [{"name": "两个健康", "text": "“两个健康”", "start": 6, "end": 12}]}
    tables = to_frames([report])
    assert tables["activities"]["area"].tolist() == ["non_public_economy"]
    assert tables["activities"]["sentence"].isna().all()
    assert tables["quantities"][["sentence", "area"]].values.tolist() == [[0, "general"]]


def test_parquet_keeps_types_and_csv_keeps_rows(corpus_tables, tmp_path):
    write_tables(corpus_tables, tmp_path / "pq", "parquet")
    write_tables(corpus_tables, tmp_path / "csv", "csv")
    for table, frame in corpus_tables.items():
        back = pd.read_parquet(tmp_path / "pq" / f"{table}.parquet")
        assert list(back.dtypes.astype(str)) == list(frame.dtypes.astype(str)), table
        assert len(pd.read_csv(tmp_path / "csv" / f"{table}.csv")) == len(frame)
    sentences = pd.read_parquet(tmp_path / "pq" / "sentences.parquet")
    assert list(sentences["area"].cat.categories) == [area.id for area in area_catalogue()]


def test_cli_run_writes_the_tables_for_a_corpus(tmp_path):
    from pipeline.cli import main

    source = tmp_path / "in"
    source.mkdir()
    for name in ("qingxi_county_2023.txt", "songbai_news_2024.txt"):
        (source / name).write_bytes((CORPORA / "reports" / name).read_bytes())
    assert main(["run", str(source), "-o", str(tmp_path / "out"), "--tables", "parquet"]) == 0
    documents = pd.read_parquet(tmp_path / "out" / "tables" / "documents.parquet")
    assert len(documents) == 2
    assert sorted((tmp_path / "out" / "tables").glob("*.parquet")) == sorted(
        tmp_path / "out" / "tables" / f"{table}.parquet" for table in TABLES)


def test_cli_refuses_tables_without_an_output(capsys):
    from pipeline.cli import main

    assert main(["run", str(CORPORA / "reports" / "qingxi_county_2023.txt"),
                 "--tables", "csv"]) == 2
    assert "--tables needs an output" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "reason"), [
    (b"\xff\xfe not json", "not valid UTF-8 JSON"),
    (b'{"some": "json"}', "no `document` and `sentences`"),
])
def test_a_file_that_is_not_an_output_is_named_with_its_problem(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(errors.NotAReportFile) as caught:
        to_frames([path])
    assert str(path) in str(caught.value) and reason in str(caught.value)


def test_a_failed_table_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    def write_half_then_fail(frame, path, **options):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("area,chars\n")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_tables({"documents": pd.DataFrame({"chars": [1]})}, tmp_path, "csv")
    assert list(tmp_path.iterdir()) == []


#: The columns of each tables version, as published: change TABLE_COLUMNS only with a new entry
#: here and TABLES_VERSION bumped by the rule in docs/tables.md (minor: a column or table added;
#: major: one renamed, removed, retyped, or given another meaning, unit or values).
PUBLISHED_COLUMNS = {
    "2.0": {
        "documents": "doc_id source title region year issuer year_delivered year_source region_code "
                     "region_level region_source encoding format chars sections sentences quantities "
                     "entities activities schema_version tables_version pipeline_version model_sha256 "
                     "data_sha256",
        "sections": "doc_id section parent level heading numbering start end area",
        "sentences": "doc_id sentence section paragraph start end chars area area_score text",
        "quantities": "doc_id sentence area start end text value unit approx kind low high bound "
                      "object verb role",
        "entities": "doc_id sentence area start end text label canonical normalized",
        "activities": "doc_id sentence area start end name text kind count count_unit organiser",
        "areas": "doc_id region year area sentences chars share key_figures activities figures",
    },
}


def test_the_columns_are_those_published_for_the_tables_version(corpus_tables):
    from pipeline.frames import TABLES_VERSION

    published = PUBLISHED_COLUMNS[TABLES_VERSION]
    assert {table: " ".join(columns) for table, columns in TABLE_COLUMNS.items()} == published, \
        "columns changed: bump TABLES_VERSION (docs/tables.md, Versioning) and record them here"
    assert set(corpus_tables["documents"]["tables_version"]) == {TABLES_VERSION}
    assert corpus_tables["documents"]["model_sha256"].str.len().eq(64).all()
    docs = (CORPORA.parent / "docs" / "tables.md").read_text("utf-8")
    assert f"tables_version` is `{TABLES_VERSION}`" in docs
    for table, columns in published.items():
        for column in columns.split():
            assert f"`{column}`" in docs, (table, column)
