"""Numerals: Chinese, Arabic and mixed forms read exactly; years read digit by digit."""
from __future__ import annotations

import cn2an
import pytest
from hypothesis import given, strategies as st

from pipeline.numerals import parse_numeral, parse_year


@pytest.mark.parametrize("written, value", [
    ("一百零八", 108), ("二十七", 27), ("十二", 12), ("一千〇五十", 1050), ("两千零四十", 2040),
    ("百", 100), ("千", 1000), ("两百", 200), ("一万零二百", 10200), ("三万六千", 36000),
    ("九十九点六", 99.6), ("三百五", 350), ("一千三", 1300), ("一亿二千万", 120000000),
    ("1,356", 1356), ("1,250,000", 1250000), ("2.68万", 26800), ("2.8万亿", 2800000000000),
    ("13万2", 132000), ("4万6", 46000), ("3万2千", 32000), ("3千", 3000), ("万", 10000),
    ("0.8", 0.8),
])
def test_written_numbers_have_exact_values(written, value):
    assert parse_numeral(written) == value


@pytest.mark.parametrize("written", ["十四五", "三四", "十十", "二〇二二", "", "点五", "1.2.3"])
def test_malformed_or_non_count_numerals_are_refused(written):
    assert parse_numeral(written) is None


def test_years_are_read_digit_by_digit():
    assert parse_year("二〇二二") == 2022
    assert parse_year("2024") == 2024
    assert parse_year("一九五四") == 1954
    assert parse_year("二十二") is None
    assert parse_year("22") is None
    # a zero typed as a circle, white or large, as many reports type it
    assert parse_year("二○二二") == parse_year("二◯二二") == 2022
    assert parse_year("一九九○") == 1990


@given(st.integers(min_value=0, max_value=10 ** 12))
def test_agrees_with_cn2an_on_every_integer(number):
    assert parse_numeral(cn2an.an2cn(number)) == number
    assert parse_numeral(f"{number:,}") == number


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=9))
def test_decimals_in_chinese_agree_with_cn2an(whole, tenth):
    written = cn2an.an2cn(f"{whole}.{tenth}") if tenth else cn2an.an2cn(whole)
    assert parse_numeral(written) == pytest.approx(whole + tenth / 10)
