"""The rule-set parameters of organisational life (core.ruleset), defined at start-up."""

from django.utils.translation import gettext_lazy as _

from jiceng.core import ruleset

DEFAULTS = (
    ("LIFE-01.warn_days", 30, _("warn this many days before a quarter ends (general meeting)")),
    ("LIFE-02.warn_days", 10, _("warn this many days before a month ends (committee meeting)")),
    (
        "LIFE-02.committee_min_full_members",
        7,
        _("ORG-03: a branch with this many full members has a committee that must meet"),
    ),
    ("LIFE-03.warn_days", 10, _("warn this many days before a month ends (group meeting)")),
    (
        "LIFE-03.groups_min_members",
        30,
        _("branches with this many members are taken to have Party groups (uncertain, local)"),
    ),
    ("LIFE-04.warn_days", 30, _("warn this many days before a quarter ends (Party lecture)")),
    ("LIFE-05.warn_days", 10, _("warn this many days before a month ends (themed Party day)")),
    ("LIFE-06.warn_days", 60, _("warn this many days before the year ends")),
    ("LIFE-07.warn_days", 60, _("warn this many days before the year ends")),
    ("LIFE-08.warn_days", 60, _("warn this many days before the year ends")),
    ("LIFE-09.warn_days", 60, _("warn this many days before the year ends")),
    (
        "LIFE-05.low_attendance",
        0.5,
        _("flag a meeting of the whole branch attended by less than this share (local)"),
    ),
    ("LIFE-10.member_hours", 32, _("training hours a member needs a year")),
    ("LIFE-10.cadre_hours", 56, _("training hours a secretary or committee member needs a year")),
    ("ST-03.months", 6, _("months without organisational life that are overdue")),
    ("ST-03.warn_months", 4, _("months without organisational life that raise a warning")),
    ("LOST-01.months", 6, _("months without organisational life nor dues: lost contact")),
)


def define_all() -> None:
    for name, default, help in DEFAULTS:
        ruleset.define(name, default, help)
