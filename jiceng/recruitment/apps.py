from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecruitmentConfig(AppConfig):
    name = "jiceng.recruitment"
    label = "recruitment"
    verbose_name = _("Membership development")

    def ready(self):
        from jiceng.audit.services import register_events
        from jiceng.core import findings as core_findings
        from jiceng.core import ruleset
        from jiceng.demo import extensions
        from jiceng.orgs import rollups

        from . import demo, findings, rules, stats
        from . import figures as recruitment_figures

        for name, default, help_text in rules.PARAMETERS:
            ruleset.define(name, default, help_text)
        register_events(
            dev_open=_("development record opened"),
            dev_step=_("development step recorded"),
        )
        core_findings.register("recruitment", _("membership development"), findings.provide)
        rollups.register("recruitment", stats.record_contributions)
        recruitment_figures.register()
        extensions.register(
            extensions.Extension(
                key="recruitment",
                label=str(_("development pipeline")),
                build=demo.build,
                estimate=demo.estimate,
                order=10,
            )
        )
