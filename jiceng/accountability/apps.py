from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "jiceng.accountability"
    label = "accountability"
    verbose_name = _("Responsibility system")

    def ready(self):
        from jiceng.audit import services as audit
        from jiceng.core import findings, ruleset
        from jiceng.demo import extensions

        from . import demo, identification, rules
        from . import figures as acc_figures
        from . import findings as acc_findings
        from .services import AUDIT_EVENTS

        for rule, help_text in (
            (rules.MILESTONE, _("days before a project milestone's date a warning is shown")),
            (rules.PROBLEM, _("days before a ledger problem's deadline a warning is shown")),
            (rules.WEAK, _("days before a weak-and-lax deadline a warning is shown")),
            (rules.TASK, _("days before a key task's deadline a warning is shown")),
        ):
            ruleset.define(f"{rule}.lead_days", rules.DEFAULT_LEAD_DAYS, help_text)
        ruleset.define(
            identification.SCORE_BELOW,
            identification.DEFAULT_SCORE_BELOW,
            _("an assessment score below this makes a weak-and-lax candidate"),
        )
        ruleset.define(
            identification.LIFE_OVERDUE,
            identification.DEFAULT_LIFE_OVERDUE,
            _("this many overdue organisational-life findings make a weak-and-lax candidate"),
        )
        findings.register("accountability", _("responsibility system"), acc_findings.provide)
        audit.register_events(**AUDIT_EVENTS)
        acc_figures.register()
        extensions.register(
            extensions.Extension(
                key="accountability",
                label="responsibility system",
                order=80,
                estimate=demo.estimate,
                build=demo.build,
            )
        )
