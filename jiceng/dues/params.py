"""The dues rule parameters (core.ruleset), defined from DuesConfig.ready().

Bands are "upper:rate;upper:rate;:rate" strings (rates as exact decimals, an empty upper bound
for the last band) so that a city can change one from a date on without losing exactness."""

from django.utils.translation import gettext_lazy as _

from jiceng.core import ruleset

EMPLOYED_BANDS = "FEE-03.bands"
RETIREE_BANDS = "FEE-05.bands"
FARMER_MIN = "FEE-06.farmer_min"
FARMER_MAX = "FEE-06.farmer_max"
FIXED_AMOUNT = "FEE-06.fixed_amount"
MAX_INCOME = "FEE-01.max_income"
MAX_PAYMENT = "FEE-08.max_payment"
FORWARD_FROM = "FEE-08.forward_from"
MONTHS_AHEAD = "FEE-09.months_ahead"
LAPSE_MONTHS = "FEE-12.months"
WARN_MONTHS = "FEE-12.warn_months"


def define_all() -> None:
    ruleset.define(
        EMPLOYED_BANDS,
        "3000:0.005;5000:0.01;10000:0.015;:0.02",
        _("employed: rate on the whole after-tax base, by band (upper bound:rate)"),
    )
    ruleset.define(RETIREE_BANDS, "5000:0.005;:0.01", _("retirees: rate on the pension, by band"))
    ruleset.define(FARMER_MIN, "0.20", _("farmers: lowest monthly amount (yuan)"))
    ruleset.define(FARMER_MAX, "1.00", _("farmers: highest monthly amount (yuan)"))
    ruleset.define(
        FIXED_AMOUNT, "0.20", _("students, laid-off and relief recipients: monthly amount (yuan)")
    )
    ruleset.define(MAX_INCOME, 1000000, _("highest believable monthly income base (yuan)"))
    ruleset.define(MAX_PAYMENT, 100000, _("highest believable single payment (yuan)"))
    ruleset.define(
        FORWARD_FROM, 1000, _("voluntary payments from this amount are forwarded in full")
    )
    ruleset.define(MONTHS_AHEAD, 3, _("months that may be paid in advance (quarterly)"))
    ruleset.define(LAPSE_MONTHS, 6, _("consecutive unpaid months treated as leaving the Party"))
    ruleset.define(WARN_MONTHS, 5, _("consecutive unpaid months that raise a warning"))
