"""The life of an import job: upload → check (background) → confirm → import (background).

Both background steps are tasks that a `jiceng worker` runs; their outcome is stored on the
job. A job whose process died (or whose task was never queued) shows as stalled on its page, and
its owner can start it again; nothing of it was written.
"""

import functools
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import crypto, scope
from jiceng.orgs.models import Organization
from jiceng.sheets.read import read_sheets
from jiceng.sheets.safety import UploadRefused, check_upload

from . import progress
from .importing import Outcome, import_sheets
from .models import ImportJob, JobStatus

logger = logging.getLogger(__name__)
MAX_STORED_PROBLEMS = 5000


def may_import(user) -> bool:
    """Whether the user may add records anywhere (secretaries and administrators)."""
    return scope.restrict(Organization.objects.all(), user, scope.ADD).exists()


def job_create(*, actor, file_name: str, data: bytes, language: str = "") -> ImportJob:
    if not may_import(actor):
        raise PermissionDenied(_("You may not import records"))
    try:
        kind = check_upload(file_name, data)
    except UploadRefused as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    job = ImportJob.objects.create(
        created_by=actor,
        file_name=file_name[:200],
        file_kind=kind,
        file_sha256=hashlib.sha256(data).hexdigest(),
        file_size=len(data),
        data=crypto.seal_bytes(data),  # the file holds personal data: encrypted at rest
        language=language or settings.LANGUAGE_CODE,
    )
    _enqueue("check", job.pk)
    return job


def _enqueue(step: str, job_id: int) -> None:
    """Queue a job step once the job's own change is committed (never from inside a
    transaction: the inline backend would run the step inside it). If the process dies just
    before this, the job shows as stalled and its owner can start it again (job_rerun)."""
    from .tasks import check_import, run_import

    (check_import if step == "check" else run_import).enqueue(job_id)


STORED = ["summary", "preview", "errors", "error_count"]


def _audit_data(job: ImportJob, outcome: Outcome) -> dict:
    return {
        "file": job.file_name,
        "sha256": job.file_sha256,
        "bytes": job.file_size,
        "summary": outcome.summary,
        "problems": len(outcome.problems),
    }


def _store(job: ImportJob, outcome: Outcome) -> None:
    job.summary = outcome.summary
    job.preview = outcome.preview
    job.errors = [p.as_dict() for p in outcome.problems[:MAX_STORED_PROBLEMS]]
    job.error_count = len(outcome.problems)


def _actor(job: ImportJob):
    """The uploader, with their grants as they are now (a role removed meanwhile counts)."""
    user = job.created_by
    if not user.is_active:
        raise PermissionDenied(_("The account that uploaded this file is disabled"))
    return user


def job_file(job: ImportJob) -> bytes:
    """The uploaded file, decrypted."""
    data = (
        job.data
        if "data" in job.__dict__
        else ImportJob.objects.values_list("data", flat=True).get(pk=job.pk)
    )
    return crypto.open_bytes(data)


def _sheets(job: ImportJob):
    return read_sheets(job_file(job), job.file_kind)


def _in_language(fn):
    """Run a job step in the language of the page the file was uploaded from."""

    @functools.wraps(fn)
    def wrapper(job_id: int) -> ImportJob:
        language = ImportJob.objects.values_list("language", flat=True).get(pk=job_id)
        with translation.override(language):
            return fn(job_id)

    return wrapper


@_in_language
def job_check(job_id: int) -> ImportJob:
    """Check every row; write nothing. Ends READY (may be confirmed) or INVALID."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(status=JobStatus.CHECKING)
    report = progress.Reporter(job_id)
    try:
        report(_("reading the file"), 0, 1)
        outcome = import_sheets(_sheets(job), actor=_actor(job), write=False, progress=report)
    except (UploadRefused, PermissionDenied) as exc:
        outcome = Outcome()
        outcome.problems.add("", 0, None, "", "", str(exc))
    except Exception as exc:  # the job must end in a state the user can see
        logger.exception("checking import %s failed", job_id)
        return _fail(job, exc)
    _store(job, outcome)
    job.status = JobStatus.READY if outcome.ok else JobStatus.INVALID
    job.save(update_fields=[*STORED, "status"])
    progress.clear(job_id)
    return job


def _fail(job: ImportJob, exc: Exception) -> ImportJob:
    job.status = JobStatus.FAILED
    job.failure = f"{type(exc).__name__}: {exc}"[:2000]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "failure", "finished_at"])
    progress.clear(job.pk)
    return job


def job_confirm(*, actor, job: ImportJob) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.created_by_id != actor.pk:
            raise PermissionDenied(_("Only the person who uploaded the file can confirm it"))
        if job.status != JobStatus.READY:
            raise ValidationError(_("This import is not waiting for confirmation"))
        job.status = JobStatus.IMPORTING
        job.confirmed_at = timezone.now()
        job.save(update_fields=["status", "confirmed_at"])
    progress.beat(job.pk, _("waiting for the worker"))
    _enqueue("run", job.pk)
    return job


def job_rerun(*, actor, job: ImportJob) -> ImportJob:
    """Start again a job whose process died (nothing of it was written)."""
    state = progress.read(job.pk)
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can run it again"))
    restartable = (JobStatus.QUEUED, JobStatus.CHECKING, JobStatus.IMPORTING, JobStatus.FAILED)
    if job.status not in restartable or (
        job.status != JobStatus.FAILED and not state.get("stale", True)
    ):
        raise ValidationError(_("This import is still running"))
    if job.confirmed_at:
        ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.IMPORTING, failure="")
    else:
        ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, failure="")
    _enqueue("run" if job.confirmed_at else "check", job.pk)
    progress.beat(job.pk, _("waiting for the worker"))
    job.refresh_from_db()
    return job


@_in_language
def job_run(job_id: int) -> ImportJob:
    """Check again (the records may have changed since the preview) and write everything in
    one transaction, which also marks the job DONE. Ends DONE, or INVALID with the problems
    found and nothing written."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    report = progress.Reporter(job_id)

    def finish(outcome: Outcome) -> None:  # inside the import's transaction
        _store(job, outcome)
        job.status = JobStatus.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=[*STORED, "status", "finished_at"])
        audit.record("import", actor=job.created_by, obj=job, data=_audit_data(job, outcome))

    try:
        report(_("reading the file"), 0, 1)
        outcome = import_sheets(
            _sheets(job),
            actor=_actor(job),
            write=True,
            progress=report,
            reason=_("import #%(id)d (%(file)s)") % {"id": job.pk, "file": job.file_name},
            on_written=finish,
        )
    except Exception as exc:
        logger.exception("import %s failed", job_id)
        return _fail(job, exc)
    if not outcome.written:
        _store(job, outcome)
        job.status = JobStatus.INVALID
        job.finished_at = timezone.now()
        job.save(update_fields=[*STORED, "status", "finished_at"])
        audit.record(
            "import",
            actor=job.created_by,
            obj=job,
            outcome="failed",
            data=_audit_data(job, outcome),
            durable=True,
        )
    progress.clear(job_id)
    return job
