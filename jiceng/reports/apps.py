from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

NAV_LABEL = _("Statistics")  # the menu item in jiceng/templates/base.html


class ReportsConfig(AppConfig):
    name = "jiceng.reports"
    label = "reports"
    verbose_name = _("Reports and statistics")

    def ready(self):
        from jiceng.audit import services as audit

        audit.register_events(
            stats_snapshot=_("annual statistics snapshot taken"),
            campaign_report=_("campaign report generated"),
        )
