from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionsConfig(AppConfig):
    name = "jiceng.elections"
    label = "elections"
    verbose_name = _("Renewals and elections")

    def ready(self):
        from jiceng.audit import services as audit
        from jiceng.core import findings, ruleset
        from jiceng.demo import extensions

        from . import demo, provider
        from . import figures as election_figures

        ruleset.define("ORG-07.lead_months", 3, _("renewal reminder lead time, in months"))
        ruleset.define(
            "ELEC-03.quorum_percent", 80, _("voters present must exceed this share of the entitled")
        )
        ruleset.define(
            "ELEC-04.margin_percent", 20, _("candidates must exceed the seats by this share")
        )
        ruleset.define(
            "ELEC-04.min_seats",
            3,
            _("the candidate margin applies from this many seats (a committee)"),
        )
        ruleset.define(
            "ELEC-05.majority_percent",
            50,
            _("the elected need more yes votes than this share of those present"),
        )
        findings.register("renewals", _("terms and renewals"), provider.provide)
        election_figures.register()
        audit.register_events(
            election_record=_("election recorded"),
            post_change=_("committee post changed"),
            village_committee=_("village/residents' committee recorded"),
            campaign_create=_("renewal campaign created"),
        )
        extensions.register(
            extensions.Extension(
                key="elections",
                label="renewals and elections",
                order=40,
                estimate=demo.estimate,
                build=demo.build,
            )
        )
