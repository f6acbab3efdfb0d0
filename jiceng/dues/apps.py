from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "jiceng.dues"
    label = "dues"
    verbose_name = _("Party dues")

    def ready(self):
        from jiceng.audit import services as audit
        from jiceng.core import findings as core_findings
        from jiceng.core import kept
        from jiceng.demo import extensions
        from jiceng.orgs import rollups

        from . import accounts, demo, findings, params, stats
        from . import figures as dues_figures

        params.define_all()
        rollups.register("dues", stats.contributions)
        kept.register("dues accounts", check=accounts.check, rebuild=accounts.rebuild)
        dues_figures.register()
        core_findings.register("dues", _("Party dues"), findings.provide)
        audit.register_events(
            dues_standard=_("dues standard set"),
            dues_reduction=_("dues hardship reduction applied for"),
            dues_reduction_decision=_("dues hardship reduction decided"),
            dues_payments=_("dues payments recorded"),
        )
        extensions.register(
            extensions.Extension(
                key="dues",
                label="dues payments",
                order=15,
                estimate=demo.estimate,
                build=demo.build,
            )
        )
