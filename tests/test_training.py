"""Training: the corpus, the shipped model's provenance, and reproducibility of `report-miner train`."""
from __future__ import annotations

import hashlib
import json
from collections import Counter

import numpy as np
import pytest

from pipeline import errors
from pipeline.area_model import DEFAULT_MODEL_DIR
from pipeline.taxonomy import load_taxonomy
from pipeline.training import train
from pipeline.training_set import (DEFAULT_CORPUS, DEFAULT_GOLD_DIR, DEFAULT_REFERENCES, HELD_OUT_MARK,
                                   load_training_set, sample_report_headings)
from conftest import SHARED

SHIPPED = json.loads((DEFAULT_MODEL_DIR / "meta.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def retrained(tmp_path_factory):
    if not SHARED.is_dir():
        pytest.skip("the shipped model was trained with ../shared beside the checkout (its government "
                    "reports and real reports); without it training gives another model")
    output = tmp_path_factory.mktemp("area_classifier")
    return output, train(output)


def test_retraining_reproduces_the_shipped_figures(retrained):
    _, meta = retrained
    for key in ("labels", "inference", "model", "cross_validation", "corpus", "sample_reports"):
        assert meta[key] == SHIPPED[key], key


def test_retraining_reproduces_the_shipped_arrays(retrained):
    output, _ = retrained
    with np.load(output / "inference.npz") as new, np.load(DEFAULT_MODEL_DIR / "inference.npz") as old:
        for name in old.files:
            assert np.allclose(new[name], old[name], atol=1e-9), name
    assert (output / "vocabulary.json").read_text("utf-8") == \
        (DEFAULT_MODEL_DIR / "vocabulary.json").read_text("utf-8")


@pytest.mark.skipif(not SHARED.is_dir(), reason="the corpus includes sentences read from ../shared")
def test_the_shipped_model_was_trained_on_the_current_corpus():
    assert load_training_set().sha256 == SHIPPED["corpus"]["sha256"], "run `report-miner train`"


def test_meta_and_card_record_provenance_and_figures():
    card = (DEFAULT_MODEL_DIR / "MODEL_CARD.md").read_text("utf-8")
    validation = SHIPPED["cross_validation"]
    assert f"macro-F1 **{validation['macro_f1']}**" in card
    assert validation["macro_f1"] >= 0.85
    assert {"scikit-learn", "skops", "numpy"} <= set(SHIPPED["versions"])
    assert len(SHIPPED["corpus"]["sha256"]) == 64
    settings = SHIPPED["inference"]["settings"]
    assert 0 <= settings["threshold"] < 1 and 0 <= settings["heading_weight"] <= 1
    assert SHIPPED["training_seconds"] > 0
    assert SHIPPED["sample_reports"]["development"]["macro_f1"] >= 0.85


def test_the_corpus_covers_every_area_with_a_hundred_sentences_and_says_how_each_was_made():
    rows = [json.loads(line) for path in DEFAULT_CORPUS for line in path.open(encoding="utf-8")
            if line.strip()]
    counts = Counter(row["area"] for row in rows)
    assert all(counts[label] >= 100 for label in load_taxonomy().labels), counts
    assert all(row.get("made") for row in rows)
    assert any(row.get("hard_case") for row in rows)


def test_held_out_report_headings_are_never_training_examples():
    used = {example.origin.split(":")[0] for example in sample_report_headings(DEFAULT_GOLD_DIR)}
    assert used and not any(HELD_OUT_MARK in name for name in used)


def test_corpus_sentences_and_extras_are_apart():
    training = load_training_set()
    assert all(example.origin.split(":")[0].endswith(".jsonl") for example in training.corpus)
    assert {example.origin.split(":")[-1] for example in training.extras} == {"heading", "term"}


def test_a_corpus_row_with_an_unknown_area_names_file_and_line(tmp_path):
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text('{"text": "召开座谈会。", "area": "general"}\n'
                      '{"text": "召开座谈会。", "area": "sports"}\n', "utf-8")
    with pytest.raises(errors.TrainingDataError, match=r"bad\.jsonl.*line 2.*sports"):
        load_training_set([corpus])


def _shared_with_one_report(root, content: str):
    """A stand-in for ../shared holding a one-report government corpus."""
    corpus = root / "corpora" / "government_work_reports.jsonl"
    corpus.parent.mkdir(parents=True)
    row = {"title": "某县政府工作报告", "content": content}
    corpus.write_text(json.dumps(row, ensure_ascii=False) + "\n", "utf-8")
    return root


def _references(path, rows):
    header = {"_comment": "test", "source": "corpora/government_work_reports.jsonl", "version": 1}
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in (header, *rows)), "utf-8")
    return path


PLAIN, RELIGIOUS = "过去一年，全县经济平稳运行。", "依法管理宗教事务，宗教活动场所安全有序。"
CONTENT = f"各位代表：{PLAIN}{RELIGIOUS}"


def _reference(text: str, area: str) -> dict:
    start = CONTENT.index(text)
    return {"doc": 0, "start": start, "end": start + len(text), "area": area,
            "sha256_12": hashlib.sha256(text.encode("utf-8")).hexdigest()[:12],
            "labelled_by": "test", "how": "hand"}


def test_referenced_sentences_are_read_from_the_shared_corpus_and_grouped_by_report(tmp_path):
    shared = _shared_with_one_report(tmp_path / "shared", CONTENT)
    refs = _references(tmp_path / "x.refs.jsonl", [_reference(PLAIN, "general"),
                                                   _reference(RELIGIOUS, "ethnic_religious_affairs")])
    training = load_training_set(references=[refs], shared=shared)
    referenced = [example for example in training.corpus if example.origin.startswith("x.refs.jsonl")]
    assert [(example.text, example.area) for example in referenced] == [
        (PLAIN, "general"), (RELIGIOUS, "ethnic_religious_affairs")]
    assert {example.group for example in referenced} == {"government_work_reports.jsonl#0"}
    assert not training.skipped


def test_without_the_shared_corpus_referenced_sentences_are_skipped_and_said_so(tmp_path):
    refs = _references(tmp_path / "x.refs.jsonl", [_reference(PLAIN, "general")])
    training = load_training_set(references=[refs], shared=tmp_path / "absent")
    assert not any(example.origin.startswith("x.refs.jsonl") for example in training.corpus)
    assert len(training.skipped) == 1 and "1 labelled sentences skipped" in training.skipped[0]
    assert str(tmp_path / "absent") in training.skipped[0]


def test_a_reference_whose_text_changed_is_refused(tmp_path):
    shared = _shared_with_one_report(tmp_path / "shared", CONTENT.replace("平稳", "稳定"))
    refs = _references(tmp_path / "x.refs.jsonl", [_reference(PLAIN, "general")])
    with pytest.raises(errors.TrainingDataError, match=r"x\.refs\.jsonl.*line 2.*no longer holds"):
        load_training_set(references=[refs], shared=shared)


def test_the_shipped_references_label_only_even_reports_and_copy_no_text():
    """The odd reports are kept for the hand check in docs/area_checks.md."""
    (path,) = DEFAULT_REFERENCES
    header, *rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    assert header["source"] and rows
    assert all(row["doc"] % 2 == 0 and "text" not in row and row["how"] for row in rows)


def test_inference_settings_were_chosen_over_documents_and_never_a_held_out_one():
    inference = SHIPPED["inference"]
    assert inference["documents"] and not any(HELD_OUT_MARK in name for name in inference["documents"])
    assert inference["cross_validated_mean_document_accuracy"] >= 0.85
    card = (DEFAULT_MODEL_DIR / "MODEL_CARD.md").read_text("utf-8")
    assert f"threshold {inference['settings']['threshold']}" in card


def test_train_writes_a_new_folder_by_default_and_never_the_shipped_model_unforced(tmp_path, capsys):
    from pipeline.cli import DEFAULT_TRAINED_MODEL, _build_parser, main

    assert _build_parser().parse_args(["train"]).output == DEFAULT_TRAINED_MODEL
    before = {path.name: path.read_bytes() for path in DEFAULT_MODEL_DIR.iterdir() if path.is_file()}
    assert main(["train", "-o", str(DEFAULT_MODEL_DIR)]) == 2
    assert "--force" in capsys.readouterr().err
    assert {path.name: path.read_bytes() for path in DEFAULT_MODEL_DIR.iterdir() if path.is_file()} == before
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "meta.json").write_text("{}", "utf-8")
    assert main(["train", "-o", str(tmp_path / "mine")]) == 2
    assert "not empty" in capsys.readouterr().err


def test_train_without_the_checkouts_corpus_says_what_to_give(tmp_path, monkeypatch, capsys):
    """An installed package has no corpora/: training needs --corpus and --gold."""
    from pipeline import training_set
    from pipeline.cli import main

    monkeypatch.setattr(training_set, "DEFAULT_CORPUS", ())
    assert main(["train", "-o", str(tmp_path / "new")]) == 2
    assert "--corpus" in capsys.readouterr().err
    monkeypatch.setattr(training_set, "DEFAULT_GOLD_DIR", tmp_path / "absent")
    assert main(["train", "-o", str(tmp_path / "new"), "--corpus", str(DEFAULT_CORPUS[0])]) == 2
    assert "--gold" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
