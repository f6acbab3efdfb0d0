from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "jiceng.activities"
    label = "activities"
    verbose_name = _("Organisational life")

    def ready(self):
        from jiceng.audit import services as audit
        from jiceng.core import findings, kept
        from jiceng.demo import extensions
        from jiceng.orgs import rollups

        from . import compliance, demo, life, params, stats
        from . import figures as life_figures

        params.define_all()
        rollups.register("activities", stats.contributions)
        kept.register("meetings held", check=life.check, rebuild=life.rebuild)
        kept.register(
            "last organisational life", check=life.check_members, rebuild=life.rebuild_members
        )
        life_figures.register()
        findings.register("activities", _("organisational life"), compliance.provide)
        audit.register_events(
            meeting_create=_("meeting recorded"),
            meeting_update=_("meeting changed"),
            meeting_grades=_("appraisal grades recorded"),
            plan_generate=_("yearly plan generated"),
            plan_update=_("yearly plan changed"),
            lost_contact_search=_("lost-contact search recorded"),
            training_create=_("training recorded"),
        )
        extensions.register(
            extensions.Extension(
                key="activities",
                label="organisational life",
                order=20,
                estimate=demo.estimate,
                build=demo.build,
            )
        )
