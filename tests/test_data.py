"""The data files are read one way: paths relative to `pipeline/data`, one rule for comments."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from pipeline.data import data_lines, read_json, read_text


def test_data_lines_skip_comments_and_blanks_in_a_subfolder_file():
    text = read_text("gazetteer/countries.txt")
    lines = data_lines("gazetteer/countries.txt")
    assert text.startswith("#") and "泰国" in lines
    assert all(line and line == line.strip() and not line.startswith("#") for line in lines)


def test_read_json_reads_a_taxonomy_by_its_relative_path():
    assert read_json("taxonomy/united_front.json")["fallback"]["id"] == "general"


def test_the_verb_tags_are_those_of_the_installed_jieba_dictionary():
    """`verb_tags.tsv` is generated from jieba's dictionary: regenerate it when jieba changes."""
    pytest.importorskip("jieba")
    path = Path(__file__).resolve().parents[1] / "tools" / "build_verb_tags.py"
    spec = importlib.util.spec_from_file_location("build_verb_tags", path)
    build_verb_tags = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_verb_tags)
    assert read_text("verb_tags.tsv") == build_verb_tags.content()
