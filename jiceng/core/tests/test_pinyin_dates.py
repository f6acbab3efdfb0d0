from datetime import date

import pytest

from jiceng.core.dates import add_months, full_years
from jiceng.core.pinyin import name_pinyin


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("单雄信", "shanxiongxin", "sxx"),
        ("曾国藩", "zengguofan", "zgf"),
        ("区家明", "oujiaming", "ojm"),
        ("欧阳修", "ouyangxiu", "oyx"),
        ("", "", ""),
    ],
)
def test_name_pinyin_reads_surnames_as_surnames(name, full, initials):
    assert name_pinyin(name) == (full, initials)


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("吕布", "lvbu", "lb"),  # ü is written v, as people type it
        ("王长江", "wangchangjiang", "wcj"),  # a phrase settles a polyphonic character
        ("李长生", "lichangsheng", "lcs"),
        ("阿卜杜·热合曼", "abodureheman", "abdrhm"),  # a middle dot: the general path
        ("Anna李", "li", "l"),
    ],
)
def test_name_pinyin_reads_given_names_by_phrase_then_character(name, full, initials):
    assert name_pinyin(name) == (full, initials)


def test_add_months_clamps_to_the_last_day():
    assert add_months(date(2017, 1, 31), 1) == date(2017, 2, 28)
    assert add_months(date(2016, 1, 31), 1) == date(2016, 2, 29)
    assert add_months(date(2017, 11, 30), 3) == date(2018, 2, 28)
    assert add_months(date(2017, 6, 25), 12) == date(2018, 6, 25)


def test_full_years_counts_birthdays():
    assert full_years(date(2000, 6, 2), date(2018, 6, 1)) == 17
    assert full_years(date(2000, 6, 2), date(2018, 6, 2)) == 18
