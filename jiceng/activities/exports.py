"""The compliance list as .xlsx (jiceng.sheets.write: every value a typed cell, no formula),
recorded in the audit log like every export."""

from __future__ import annotations

import hashlib
import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit.services import record
from jiceng.core import findings
from jiceng.orgs.models import Organization
from jiceng.sheets.write import XLSX_CONTENT_TYPE, write_rows
from jiceng.transfer.export_views import attachment


def finding_rows(every):
    names = dict(
        Organization.objects.filter(pk__in={f.org_id for f in every}).values_list("pk", "name")
    )
    labels = {lv: str(findings.LEVEL_LABELS[lv]) for lv in findings.Level}
    for f in every:
        yield (f.rule, labels[f.level], names.get(f.org_id, ""), f.subject, f.message, f.due)


def findings_response(request, org, every, *, rule: str, level: str):
    headers = [_("Rule"), _("Level"), _("Organisation"), _("About"), _("Finding"), _("Due")]
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        rows = write_rows(
            file, _("Organisational life"), headers, finding_rows(every), [10, 10, 40, 16, 60, 12]
        )
        file.seek(0)
        digest = hashlib.file_digest(file, "sha256").hexdigest()
        record(
            "export",
            actor=request.user,
            request=request,
            data={
                "list": "activities_compliance",
                "filter": {"org": org.pk, "rule": rule, "level": level},
                "rows": rows,
                "sha256": digest,
            },
        )
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = attachment(
        f"组织生活-{rule or '全部'}-{day}.xlsx", f"compliance-{day}.xlsx"
    )
    return response
