"""The data files are read one way: paths relative to `pipeline/data`, one rule for comments."""
from __future__ import annotations

from pipeline.data import data_lines, read_json, read_text


def test_data_lines_skip_comments_and_blanks_in_a_subfolder_file():
    text = read_text("gazetteer/countries.txt")
    lines = data_lines("gazetteer/countries.txt")
    assert text.startswith("#") and "泰国" in lines
    assert all(line and line == line.strip() and not line.startswith("#") for line in lines)


def test_read_json_reads_a_taxonomy_by_its_relative_path():
    assert read_json("taxonomy/united_front.json")["fallback"]["id"] == "general"
