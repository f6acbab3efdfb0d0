from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "jiceng.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self):
        from jiceng.orgs import rollups

        from . import figures, stats

        rollups.register("members", stats.member_contributions)
        figures.register()
