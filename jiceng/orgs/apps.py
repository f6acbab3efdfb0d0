from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "jiceng.orgs"
    label = "orgs"
    verbose_name = _("Organisations")

    def ready(self):
        from jiceng.core import kept

        from . import figures, rollups

        rollups.register("orgs", rollups.org_contributions)
        kept.register("subtree counts", check=rollups.check, rebuild=rollups.rebuild)
        figures.register()
