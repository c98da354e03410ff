"""Installed entry points: the command, and spaCy factories found by name alone."""
from __future__ import annotations

import subprocess
import sys


def test_spacy_finds_the_factories_without_importing_pipeline():
    code = ("import spacy, sys\n"
            "nlp = spacy.blank('zh')\n"
            "nlp.add_pipe('report_miner_entities_v1')\n"
            "nlp.add_pipe('report_miner_activities_v1')\n"
            "assert 'pipeline.spacy_components' in sys.modules\n"
            "doc = nlp('县委统战部开展“同心聚力”主题活动。')\n"
            "print(sorted((e.text, e.label_) for e in doc.ents))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd="/")
    assert result.returncode == 0, result.stderr
    assert "('县委统战部', 'ORG')" in result.stdout


def test_a_saved_pipeline_config_loads_with_its_settings_and_scorer():
    import spacy

    import pipeline.spacy_components  # noqa: F401  (registers the factories here)

    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1", config={"overwrite_ents": True})
    nlp.add_pipe("report_miner_activities_v1")
    code = ("import sys\n"
            "from thinc.api import Config\n"
            "from spacy.util import load_model_from_config\n"
            "nlp = load_model_from_config(Config().from_str(sys.stdin.read()))\n"
            "component = nlp.get_pipe('report_miner_entities_v1')\n"
            "assert component.overwrite and component.scorer is not None, component.__dict__\n"
            "print(nlp.pipe_names)\n")
    result = subprocess.run([sys.executable, "-c", code], input=nlp.config.to_str(), capture_output=True,
                            text=True, timeout=120, cwd="/")
    assert result.returncode == 0, result.stderr
    assert "report_miner_activities_v1" in result.stdout
