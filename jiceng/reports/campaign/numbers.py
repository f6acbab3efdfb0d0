"""Numbers as the report writes them: in Chinese the way the source document does (1450个村,
32.2万名党员, 41亿元 — 万 and 亿 only when they say the number exactly, never rounded), in
English with thousands separators."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiceng.core.figures import Number


def chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def _plain(value: Number) -> str:
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def _grouped(value: Number) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    text = _plain(value)
    whole, _dot, frac = text.partition(".")
    head = f"{int(whole):,}" if whole.lstrip("-").isdigit() else whole
    return f"{head}.{frac}" if frac else head


def _exact_in(value: Number, unit: int) -> str | None:
    """value / unit with at most two decimals if that is exact, else None."""
    scaled = Decimal(str(value)) / unit
    if scaled * 100 != (scaled * 100).to_integral_value():
        return None
    return _plain(scaled.quantize(Decimal("0.01")))


def count(value: Number) -> str:
    """A count as a sentence writes it."""
    if not chinese():
        return _grouped(value)
    for unit, word in ((100_000_000, "亿"), (10_000, "万")):
        if abs(value) >= unit:
            exact = _exact_in(value, unit)
            if exact is not None:
                return f"{exact}{word}"
            break
    return _plain(value)


def percent(value: Number) -> str:
    return f"{_plain(value)}%"


def money(value: Number) -> str:
    """Yuan: 41亿元 / 12.5万元 / 188517558.80元; in English ¥4,100,000,000."""
    text = _yuan(value, grouped=not chinese())
    if not chinese():
        return f"¥{text}"
    return _("%(amount)s yuan") % {"amount": text}


def _yuan(value: Number, *, grouped: bool) -> str:
    value = _fen(value)
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value:,.2f}" if grouped else f"{value:.2f}"
    return _grouped(value) if grouped else count(value)


def _fen(value: Number) -> Number:
    """Money with its fen: 188517558.8 → 188517558.80 (a whole amount stays whole)."""
    if isinstance(value, int):
        return value
    value = Decimal(str(value))
    return value if value == value.to_integral_value() else value.quantize(Decimal("0.01"))


def table(value: Number | None, unit: str = "") -> str:
    """A value in the figure table: exact, grouped, with its unit."""
    if value is None:
        return "—"
    if unit == "%":
        return percent(value)
    if unit == "yuan":
        return _("%(amount)s yuan") % {"amount": _yuan(value, grouped=True)}
    return _grouped(value)
