"""Models are data with provenance: every output names its model and data files by hash, `run
--model DIR` classifies with another model, and a rerun redoes what another model made."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import pipeline
from conftest import ROOT
from pipeline.batch import DocumentTask, write_corpus
from pipeline.inputs import discover
from pipeline.engines import InProcessEngine
from pipeline.output_folder import OutputOptions
from pipeline.provenance import DATA_DIR, MODEL_FILES
from pipeline.runner import Pipeline
from pipeline.area_model import DEFAULT_MODEL_DIR

TEXT = "柳岸县2024年统战工作总结\n一、民族宗教工作\n创建民族团结进步示范村5个，排查宗教活动场所40处。\n"


@pytest.fixture(scope="module")
def other_model(tmp_path_factory):
    """The shipped model with one area's intercept raised: another model, as training makes."""
    folder = tmp_path_factory.mktemp("models") / "leaning_model"
    folder.mkdir()
    for name in MODEL_FILES:
        shutil.copy(DEFAULT_MODEL_DIR / name, folder / name)
    with np.load(DEFAULT_MODEL_DIR / "inference.npz") as arrays:
        arrays = dict(arrays)
    arrays["intercept"] = arrays["intercept"] + np.eye(len(arrays["intercept"]))[0] * 5
    np.savez(folder / "inference.npz", **arrays)
    return folder


def test_every_output_names_the_shipped_model_and_each_data_file():
    provenance = json.loads(pipeline.process_text(TEXT).to_json())["provenance"]
    assert provenance["model"]["name"] == "area_classifier" and provenance["model"]["shipped"]
    files = provenance["data"]["files"]
    assert {"units.tsv", "gazetteer/divisions.tsv", "taxonomy/united_front.json"} <= set(files)
    assert files["units.tsv"] == hashlib.sha256((DATA_DIR / "units.tsv").read_bytes()).hexdigest()


def test_another_model_is_used_and_recorded(other_model):
    shipped = pipeline.process_text(TEXT)
    other = Pipeline(options={"classify": {"model_dir": other_model}})(TEXT)
    assert other.provenance["model"] == {"name": "leaning_model", "shipped": False,
                                         "sha256": other.provenance["model"]["sha256"]}
    assert other.provenance["model"]["sha256"] != shipped.provenance["model"]["sha256"]
    assert other.provenance["data"] == shipped.provenance["data"]
    assert [s.area_scores for s in other.sentences] != [s.area_scores for s in shipped.sentences]


def test_a_rerun_with_another_model_or_other_options_redoes_the_outputs(tmp_path, other_model):
    inputs, output = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    for number in range(2):
        (inputs / f"r{number}.txt").write_text(TEXT.replace("5个", f"{number + 5}个"), "utf-8")

    def run(options: OutputOptions):
        counts = write_corpus(discover([str(inputs)]), InProcessEngine(DocumentTask(options=options)),
                              output, options=options)
        return counts.processed, counts.skipped

    other = OutputOptions(model_dir=str(other_model))
    assert run(OutputOptions()) == (2, 0)
    assert run(OutputOptions()) == (0, 2)
    assert run(other) == (2, 0)
    written = json.loads((output / "r0.json").read_text("utf-8"))
    assert written["provenance"]["model"]["name"] == "leaning_model"
    assert run(other) == (0, 2)
    assert run(OutputOptions(model_dir=str(other_model), area_scores=True)) == (2, 0)
    assert "area_scores" in json.loads((output / "r0.json").read_text("utf-8"))["sentences"][0]
    assert run(OutputOptions()) == (2, 0)


def test_run_model_option(tmp_path, other_model):
    source = tmp_path / "a.txt"
    source.write_text(TEXT, "utf-8")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "pipeline", "run", str(source), *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)

    result = cli("--model", str(other_model))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["provenance"]["model"]["name"] == "leaning_model"
    missing = cli("--model", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no area model there" in missing.stderr
