"""Training: the corpus, the shipped model's provenance, and reproducibility of `report-miner train`."""
from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from pipeline import errors
from pipeline.stages.classify import DEFAULT_MODEL_DIR, load_taxonomy
from pipeline.training import (DEFAULT_CORPUS, DEFAULT_GOLD_DIR, HELD_OUT_MARK, load_training_set,
                               sample_report_headings, train)

SHIPPED = json.loads((DEFAULT_MODEL_DIR / "meta.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def retrained(tmp_path_factory):
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
