"""The cockpit's pure helpers: the period, how a value is shown, the sparkline, axis labels."""

from datetime import date
from decimal import Decimal

from django.utils import translation

from jiceng.core import figures
from jiceng.reports import cockpit


def test_period_is_the_year_to_date_or_a_whole_past_year():
    today = date(2026, 11, 29)
    assert cockpit.period(None, today) == (2026, date(2026, 1, 1), today)
    assert cockpit.period(2024, today) == (2024, date(2024, 1, 1), date(2024, 12, 31))
    assert cockpit.period(2027, today)[0] == 2026  # not offered: the current year
    assert cockpit.period(1990, today)[0] == 2026
    assert cockpit.years(today)[0] == 2026 and len(cockpit.years(today)) == 6


def test_values_as_shown():
    assert cockpit.display(None) == "—"
    assert cockpit.display(figures.Value(None)) == "—"
    assert cockpit.display(figures.Value(0)) == "0"
    assert cockpit.display(figures.Value(322000)) == "322,000"
    assert cockpit.display(figures.Value(Decimal("85.04"), unit="%")) == "85.0%"
    with translation.override("zh-hans"):
        assert cockpit.display(figures.Value(4_100_000_000, unit="yuan")) == "41.00亿元"
        assert cockpit.display(figures.Value(Decimal("18140822.9"), unit="yuan")) == "1814.08万元"
        assert cockpit.display(figures.Value(950, unit="yuan")) == "950.00元"
    with translation.override("en"):
        assert cockpit.display(figures.Value(4_100_000_000, unit="yuan")) == ("4.10 billion yuan")


def test_sparkline_spans_the_box():
    assert cockpit.sparkline(()) == ""
    assert cockpit.sparkline(((date(2026, 1, 1), 3),)) == ""
    points = cockpit.sparkline(((date(2026, 1, 1), 0), (date(2026, 2, 1), 10), (None, 5)))
    assert points == "0.0,22.0 50.0,2.0 100.0,12.0"


def test_axis_labels_lose_only_what_they_all_share():
    assert cockpit.short_labels(["中共湛江市赤坎区委员会", "中共湛江市遂溪县委员会"]) == [
        "赤坎区委员会",
        "遂溪县委员会",
    ]
    assert cockpit.short_labels(["≤30", "31-35"]) == ["≤30", "31-35"]
    assert cockpit.short_labels(["湛江", "湛江市"]) == ["湛江", "湛江市"]
