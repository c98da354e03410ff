"""Corpus input and reposts: one report per record of a JSONL, CSV or Parquet file, metadata kept
and winning, bad records named and skipped, and the same report posted twice found."""
from __future__ import annotations

import json
import random

import pandas as pd
import pytest

import corpus_maker
from pipeline import errors
from pipeline.cli import main
from pipeline.corpus import read_records
from pipeline.dedupe import find_reposts
from pipeline.schema import validation_errors

BAD_RECORDS = [
    "{not json",
    json.dumps(["a", "list"]),
    json.dumps({"title": "无正文"}),
    json.dumps({"content": 12345}),
    json.dumps({"content": "   "}),
    json.dumps({"content": "全县统战工作稳步推进。", "year": "去年"}),
    json.dumps({"content": "全县统战工作稳步推进。", "title": ["a"]}),
]


def _write_jsonl(path, lines):
    path.write_text("\n".join(lines) + "\n", "utf-8")


def test_records_read_with_their_metadata_and_bad_ones_named(tmp_path):
    corpus = tmp_path / "c.jsonl"
    _write_jsonl(corpus, [json.dumps({"id": "a1", "title": "岚溪县2023年统战工作总结", "year": "2023",
                                      "url": "https://example.org/1", "content": "全县统战工作稳步推进。"},
                                     ensure_ascii=False)] + BAD_RECORDS)
    records = list(read_records(corpus))
    good, bad = records[0], records[1:]
    assert (good.name, good.metadata["year"], good.metadata["url"]) == ("a1", 2023, "https://example.org/1")
    assert [record.number for record in bad] == list(range(2, 2 + len(BAD_RECORDS)))
    assert all(isinstance(record.problem, (errors.BadRecord, errors.BadMetadata)) for record in bad)
    assert all(f"#{record.number}" in str(record.problem) or f"record {record.number}" in str(record.problem)
               for record in bad)


def test_a_named_text_field_and_csv_and_parquet(tmp_path):
    rows = [{"doc": "云栖镇2022年统战工作总结。全镇召开座谈会3次。", "title": "云栖镇总结", "year": 2022},
            {"doc": "桃溪区2021年统战工作总结。全区走访企业20家。", "title": "桃溪区总结", "year": 2021}]
    pd.DataFrame(rows).to_csv(tmp_path / "c.csv", index=False)
    pd.DataFrame(rows).to_parquet(tmp_path / "c.parquet")
    for name in ("c.csv", "c.parquet"):
        records = list(read_records(tmp_path / name, text_field="doc"))
        assert [record.text for record in records] == [row["doc"] for row in rows], name
        assert [record.metadata["year"] for record in records] == [2022, 2021], name


def test_run_keeps_given_metadata_and_reads_a_sidecar(tmp_path, capsys):
    corpus = tmp_path / "c.jsonl"
    _write_jsonl(corpus, [json.dumps({"title": "2025年岚溪县人民政府工作报告", "year": 2025, "region": "中国",
                                      "content": "一、2024年工作回顾\n全县经济稳中有进。"}, ensure_ascii=False)])
    plain = tmp_path / "b.txt"
    plain.write_text("全区统战工作稳步推进，召开座谈会3次。", "utf-8")
    (tmp_path / "b.meta.json").write_text(json.dumps({"year": 2019, "region": "湘东区"}, ensure_ascii=False), "utf-8")
    out = tmp_path / "out"
    assert main(["run", str(corpus), str(plain), "-o", str(out)]) == 0
    record = json.loads((out / "c__1.json").read_text("utf-8"))["document"]
    assert (record["year"], record["year_source"], record["inferred"]["year"]) == (2025, "given", 2024)
    assert record["title"] == "2025年岚溪县人民政府工作报告" and record["metadata"]["region"] == "中国"
    sidecar = json.loads((out / "b.json").read_text("utf-8"))["document"]
    assert (sidecar["year"], sidecar["region"], sidecar["region_code"]) == (2019, "湘东区", "360313")


@pytest.mark.parametrize("kind", corpus_maker.REPOSTS, ids=lambda kind: kind.__name__)
def test_each_kind_of_repost_is_found(kind):
    rng = random.Random(3)
    originals = [(f"r{i}", corpus_maker.report(rng)) for i in range(30)]
    repost = ("copy", kind(originals[7][1], rng))
    [found] = find_reposts(originals + [repost])
    assert (found.key, found.duplicate_of) == ("copy", "r7") and found.similarity >= 0.8


def test_a_thousand_records_with_bad_ones_and_reposts(tmp_path):
    """The done-when of issue 14: 980 reports out, the 20 bad records named, and the 50 reposts
    (cut, re-punctuated, traditional, with site furniture) found with precision and recall of
    at least 0.95."""
    rng = random.Random(14)
    lines: list[str] = []
    originals: list[int] = []  # record numbers (1-based) of the reports reposted from
    sources: dict[int, int] = {}
    bad: set[int] = set()
    kinds = list(range(1000))
    rng.shuffle(kinds)
    bad_slots, repost_slots = set(kinds[:20]), set(kinds[20:70])
    for index in range(1000):
        number = index + 1
        if index in bad_slots:
            lines.append(BAD_RECORDS[index % len(BAD_RECORDS)])
            bad.add(number)
        elif index in repost_slots and originals:
            source = rng.choice(originals)
            kind = corpus_maker.REPOSTS[len(sources) % len(corpus_maker.REPOSTS)]
            text = kind(json.loads(lines[source - 1])["content"], rng)
            lines.append(json.dumps({"content": text}, ensure_ascii=False))
            sources[number] = source
        else:
            lines.append(json.dumps({"content": corpus_maker.report(rng)}, ensure_ascii=False))
            originals.append(number)
    corpus = tmp_path / "reports.jsonl"
    _write_jsonl(corpus, lines)
    out = tmp_path / "out"

    assert main(["run", str(corpus), "-o", str(out), "--compact", "--tables", "parquet", "--dedupe"]) == 1
    rows = [json.loads(line) for line in (out / "corpus.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == 1000
    assert sum(row["ok"] for row in rows) == 980 and len(sources) == 50
    failed = {int(row["path"].rsplit("#", 1)[1]) for row in rows if not row["ok"]}
    assert failed == bad
    assert all(row["error_code"] in ("E121", "E122") for row in rows if not row["ok"])

    number_of = {row["doc_id"]: int(row["path"].rsplit("#", 1)[1]) for row in rows if row["ok"]}
    found = {number_of[row["doc_id"]]: number_of[row["duplicate_of"]] for row in rows if row.get("duplicate_of")}
    right = sum(found.get(number) == source for number, source in sources.items())
    assert right / len(found) >= 0.95 and right / len(sources) >= 0.95
    documents = pd.read_parquet(out / "tables" / "documents.parquet")
    assert len(documents) == sum(row["ok"] for row in rows) - len(found)
    assert not validation_errors(json.loads((out / f"reports__{originals[0]}.json").read_text("utf-8")))


def test_bad_records_reach_worker_processes_as_their_errors(tmp_path):
    """A bad record travels to a worker with its error, which must survive pickling."""
    corpus = tmp_path / "c.jsonl"
    _write_jsonl(corpus, [json.dumps({"content": "全县召开座谈会3次。"}, ensure_ascii=False)] + BAD_RECORDS)
    out = tmp_path / "out"
    assert main(["run", str(corpus), "-o", str(out), "--workers", "2"]) == 1
    rows = [json.loads(line) for line in (out / "corpus.jsonl").read_text("utf-8").splitlines()]
    codes = sorted(row["error_code"] for row in rows if not row["ok"])
    assert codes == sorted(["E121"] * 5 + ["E122"] * 2)
