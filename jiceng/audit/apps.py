from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jiceng.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
