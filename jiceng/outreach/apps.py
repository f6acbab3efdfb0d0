from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "jiceng.outreach"
    label = "outreach"
    verbose_name = _("Service system")

    def ready(self):
        from jiceng.audit import services as audit
        from jiceng.core import findings, ruleset
        from jiceng.demo import extensions
        from jiceng.orgs import rollups

        from . import counts, demo
        from . import figures as outreach_figures
        from . import findings as outreach_findings

        rollups.register("outreach", counts.contributions)
        outreach_figures.register_all()
        ruleset.define("SRV-02.attendance_target", 95.0, _("on-site duty attendance target (%)"))
        ruleset.define("SRV-04.deadline_days", 15, _("days to handle a resident's request"))
        ruleset.define("SRV-04.due_soon_days", 3, _("days before a request's deadline to warn"))
        findings.register("outreach", _("service system"), outreach_findings.provide)
        audit.register_events(
            centre_save=_("service centre saved"),
            duty_schedule=_("duty scheduled"),
            duty_record=_("duty times recorded"),
            duty_import=_("duty records imported"),
            visit_record=_("household visit recorded"),
            request_register=_("request registered"),
            request_assign=_("request assigned"),
            request_escalate=_("request escalated"),
            request_resolve=_("request resolved"),
            request_close=_("request closed"),
            team_create=_("work team created"),
            team_member_add=_("cadre stationed"),
            poverty_record=_("poverty figures recorded"),
            course_create=_("training course created"),
            attendance_add=_("training attendance recorded"),
        )
        extensions.register(
            extensions.Extension(
                key="outreach",
                label="service system",
                order=50,
                estimate=demo.estimate,
                build=demo.build,
            )
        )
