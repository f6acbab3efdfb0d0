"""Background tasks (django-tasks, database backend; run by `jiceng worker`)."""

from django.conf import settings
from django.utils import translation
from django_tasks import task


@task()
def build_snapshot(snapshot_id: int) -> None:
    """Take a large snapshot, then compute its tables for the whole subtree (kept, see
    tables.build), so the first visit of a city's tables is one read."""
    from . import tables
    from .services import snapshot_build

    snapshot = snapshot_build(snapshot_id)
    if snapshot.is_done:
        with translation.override(settings.LANGUAGE_CODE):
            for key in tables.BY_KEY:
                tables.build(snapshot, key)


@task()
def build_campaign_report(report_id: int) -> None:
    """Generate a large subtree's campaign report (campaign/services.py)."""
    from .campaign.services import campaign_report_build

    campaign_report_build(report_id)
