"""A campaign report as generated: its subtree and period, the figure values it was written
from, and the rendered PDF and .xlsx, kept so that the same document can be downloaded again.

Figures themselves are never stored (jiceng.core.figures): the live report page computes them
when asked. A kept report is a document dated by its `finished_at` — like a signed paper
report, it says what the records said then, and its page says so.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.core.figures import Value
from jiceng.core.models import TimeStampedModel, object_url


class CampaignStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    BUILDING = "building", _("being generated")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class CampaignReport(TimeStampedModel):
    """One generated report of `org`'s subtree over start..end (both inclusive)."""

    scope_path = "org__path"  # seen by whoever holds a role over the organisation

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="campaign_reports",
        verbose_name=_("organisation"),
    )
    org_name = models.CharField(max_length=120, editable=False)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    language = models.CharField(max_length=10, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    failure = models.TextField(blank=True)
    # {figure key: {"value", "unit", "url", "rag", "parts"}}; Decimals kept as strings.
    figures = models.JSONField(default=dict, editable=False)
    pdf = models.BinaryField(default=b"", editable=False)
    xlsx = models.BinaryField(default=b"", editable=False)

    class Meta:
        verbose_name = _("campaign report")
        verbose_name_plural = _("campaign reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.org_name} {self.start}..{self.end}"

    def get_absolute_url(self) -> str:
        return object_url("reports:campaign_detail", self.pk)

    @property
    def is_done(self) -> bool:
        return self.status == CampaignStatus.DONE

    @property
    def is_running(self) -> bool:
        return self.status in (CampaignStatus.QUEUED, CampaignStatus.BUILDING)

    def values(self) -> dict[str, Value]:
        """The kept figure values, as figures.Value again."""
        return {key: value_from_json(data) for key, data in (self.figures or {}).items()}


def _number(value):
    if value is None or isinstance(value, int | float):
        return value
    return Decimal(value)


def value_to_json(value: Value) -> dict:
    def plain(number):
        return str(number) if isinstance(number, Decimal) else number

    return {
        "value": plain(value.value),
        "unit": value.unit,
        "url": value.url,
        "rag": value.rag,
        "parts": {str(k): plain(v) for k, v in (value.parts or {}).items()},
    }


def value_from_json(data: dict) -> Value:
    return Value(
        _number(data.get("value")),
        unit=data.get("unit", ""),
        url=data.get("url", ""),
        rag=data.get("rag", ""),
        parts={k: _number(v) for k, v in (data.get("parts") or {}).items()},
    )


def period_days(start: date, end: date) -> int:
    return (end - start).days + 1
