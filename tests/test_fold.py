"""The fold: every code point as the data file and the width and space rules say, one for one."""
from __future__ import annotations

import re

from pipeline.data import data_lines
from pipeline.textnorm import fold, white_space_runs


def reference_fold_table() -> dict[int, int]:
    table = {ord(traditional): ord(simplified)
             for traditional, simplified in (line.split("\t") for line in data_lines("traditional_to_simplified.tsv"))}
    table.update({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})
    table.update(dict.fromkeys((0x3000, 0x00A0, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF), ord(" ")))
    return table


def test_every_code_point_folds_as_the_rules_say():
    every = "".join(map(chr, range(0x110000)))  # lone surrogates too
    assert fold(every) == every.translate(reference_fold_table())


def test_fold_keeps_offsets():
    text = "青禾縣２０２３年\u3000統一戰線\u200b工作𠀋"
    assert fold(text) == "青禾县2023年 统一战线 工作𠀋" and fold("") == ""


def test_offsets_of_finds_each_listed_character_in_order():
    from pipeline.textnorm import offsets_of

    text = "甲。乙\n𠀀!丙?\ud800。"  # a supplementary character and a lone surrogate count as one each
    assert offsets_of(text, "。\n!?") == [index for index, char in enumerate(text) if char in "。\n!?"]
    assert offsets_of("", "。") == [] and offsets_of("甲乙", "。") == []


def test_str_splitlines_breaks_at_the_line_breaks_and_nowhere_else():
    """The segment stage reads lines with `str.splitlines`, taken to break at `LINE_BREAKS`."""
    import sys

    from pipeline.textnorm import LINE_BREAKS

    breaks = [chr(code) for code in range(sys.maxunicode + 1) if len(f"a{chr(code)}b".splitlines()) == 2]
    assert sorted(breaks) == sorted(LINE_BREAKS)


def test_white_space_runs_are_what_a_regex_finds():
    every_space = "".join(char for char in map(chr, range(0x110000)) if char.isspace())
    texts = ["", " ", "甲", " 甲 ", "甲 \n\u3000乙\t", "甲乙 丙  ", "甲甲 甲甲 甲", every_space, f"甲{every_space}乙"]
    for text in texts:
        assert list(white_space_runs(text)) == [run.span() for run in re.finditer(r"\s+", text)], text
