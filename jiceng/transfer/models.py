"""An import job: the uploaded file, what checking it found, and what writing it did."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to be checked")
    CHECKING = "checking", _("checking")
    INVALID = "invalid", _("has errors")
    READY = "ready", _("checked, waiting for confirmation")
    IMPORTING = "importing", _("importing")
    DONE = "done", _("imported")
    FAILED = "failed", _("failed")


class ImportJob(models.Model):
    """One uploaded file on its way in. The file is checked (nothing written), the user sees
    the preview and confirms, then it is checked again and written in one transaction."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=200)
    file_kind = models.CharField(max_length=8)  # xlsx | xls | csv
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveIntegerField()
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)  # of the messages
    # The upload itself, encrypted (jiceng.core.crypto.seal_bytes): kept so that the import
    # can be run again and the annotated file made.
    data = models.BinaryField()
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    # What checking found: {"members": {"create": n, "update": n, "unchanged": n}, ...}
    summary = models.JSONField(default=dict)
    # Every problem, as {"sheet", "row", "column", "value", "message"} (first 5,000 kept).
    errors = models.JSONField(default=list)
    error_count = models.PositiveIntegerField(default=0)
    # A sample of what would change: {"create": [...], "update": [{"id", "name", "changes"}]}.
    preview = models.JSONField(default=dict)
    failure = models.TextField(blank=True)  # an unexpected error, for the operator
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")

    def __str__(self) -> str:
        return f"import {self.pk}: {self.file_name}"
