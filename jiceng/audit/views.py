"""The audit administrator's pages: search the log, export what was found, verify the chain.

Only an account whose `admin_role` is "audit" opens them (accounts.access: deny by default,
refusals recorded). Every search and every page of results goes through `selectors.search`,
which records "audit_search"; an export records "export" with its filter, row count and the
file's SHA-256; a verification records "audit_search" with what it found. Superusers keep the
read-only Django admin view of the log as an emergency tool (also recorded).

The list pages by key (`?before=SEQ` / `?after=SEQ`), never by COUNT(*) or OFFSET: the log
grows to millions of rows.
"""

import hashlib
import json
import tempfile
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from jiceng.accounts.access import admin_role_required
from jiceng.accounts.models import AdminRole
from jiceng.sheets.write import XLSX_CONTENT_TYPE, write_rows
from jiceng.web.generic import page_size

from . import selectors, services
from .forms import FILTERS, AuditSearchForm, VerifyForm
from .models import EVENTS, AuditEvent, Outcome
from .services import record

EXPORT_LIMIT = 500_000  # rows in one export (an .xlsx sheet holds 1,048,575)
EXPORT_CHUNK = 2000
MAX_SHOWN_PROBLEMS = 100
EXPORT_COLUMNS = (
    "seq",
    "at",
    "username",
    "role",
    "scope",
    "ip",
    "request_id",
    "event",
    "object_type",
    "object_id",
    "object_repr",
    "outcome",
    "data",
    "hash",
)


def _cursor(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def details(data) -> str:
    """An event's details as one line of JSON (keys sorted, Chinese kept)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True) if data else ""


def _filter_query(request) -> str:
    """The search's own parameters, for the export link and the paging links."""
    query = request.GET.copy()
    for key in list(query):
        if key not in FILTERS and key != "per_page":
            query.pop(key)
    return query.urlencode()


@admin_role_required(AdminRole.AUDIT)
@never_cache
def event_list(request):
    form = AuditSearchForm(request.GET)
    rows, has_older, has_newer = [], False, False
    if form.is_valid():
        found = selectors.search(actor=request.user, request=request, **form.search_filters())
        per_page = page_size(request)
        before, after = _cursor(request, "before"), _cursor(request, "after")
        if after is not None:
            newer = list(found.filter(seq__gt=after).order_by("seq")[: per_page + 1])
            has_newer = len(newer) > per_page
            rows = newer[:per_page][::-1]
            has_older = bool(rows) and found.filter(seq__lt=rows[-1].seq).exists()
        else:
            page = found.filter(seq__lt=before) if before is not None else found
            rows = list(page[: per_page + 1])
            has_older = len(rows) > per_page
            rows = rows[:per_page]
            has_newer = before is not None and (
                not rows or found.filter(seq__gt=rows[0].seq).exists()
            )
    head = services.head()
    return render(
        request,
        "audit/event_list.html",
        {
            "nav": "audit",
            "form": form,
            "rows": [(row, details(row.data)) for row in rows],
            "has_older": has_older,
            "has_newer": has_newer,
            "oldest_seq": rows[-1].seq if rows else None,
            "newest_seq": rows[0].seq if rows else None,
            "query": _filter_query(request),
            "head": head,
            "page_sizes": settings.PAGE_SIZES,
            "per_page": page_size(request),
        },
    )


def _attachment(filename: str, fallback: str) -> str:
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _export_rows(queryset):
    events = {code: str(label) for code, label in EVENTS.items()}
    outcomes = {value: str(label) for value, label in Outcome.choices}
    for row in queryset.values_list(*EXPORT_COLUMNS).iterator(chunk_size=EXPORT_CHUNK):
        (
            seq,
            at,
            username,
            role,
            scope,
            ip,
            rid,
            event,
            otype,
            oid,
            orepr,
            outcome,
            data,
            digest,
        ) = row
        yield [
            seq,
            timezone.localtime(at).replace(tzinfo=None),
            username,
            role,
            scope,
            ip,
            rid,
            event,
            events.get(event, event),
            otype,
            oid,
            orepr,
            outcomes.get(outcome, outcome),
            details(data),
            digest,
        ]


def _export_headers() -> list[str]:
    field = AuditEvent._meta.get_field
    names = [
        field("seq").verbose_name,
        field("at").verbose_name,
        field("username").verbose_name,
        field("role").verbose_name,
        field("scope").verbose_name,
        field("ip").verbose_name,
        field("request_id").verbose_name,
        _("event code"),
        field("event").verbose_name,
        field("object_type").verbose_name,
        field("object_id").verbose_name,
        field("object_repr").verbose_name,
        field("outcome").verbose_name,
        field("data").verbose_name,
        _("hash"),
    ]
    return [str(name) for name in names]


@admin_role_required(AdminRole.AUDIT)
@never_cache
def event_export(request):
    """The rows the search finds, newest first, as .xlsx (every text a text cell: no formula)."""
    form = AuditSearchForm(request.GET)
    list_url = reverse("audit:event_list")
    if not form.is_valid():
        return HttpResponseRedirect(f"{list_url}?{_filter_query(request)}")
    found = selectors.search(actor=request.user, request=request, **form.search_filters())
    total = found.count()
    if total > EXPORT_LIMIT:
        messages.error(
            request,
            _("%(count)d rows found; an export holds at most %(limit)d. Narrow the search.")
            % {"count": total, "limit": EXPORT_LIMIT},
        )
        return HttpResponseRedirect(f"{list_url}?{_filter_query(request)}")
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        widths = [10, 20, 14, 16, 30, 16, 14, 14, 16, 18, 12, 30, 8, 60, 20]
        rows = write_rows(file, _("Audit log"), _export_headers(), _export_rows(found), widths)
        file.seek(0)
        digest = hashlib.file_digest(file, "sha256").hexdigest()
        record(
            "export",
            request=request,
            data={"list": "audit", "filter": form.recorded(), "rows": rows, "sha256": digest},
        )
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = _attachment(
        f"{_('Audit log')}-{day}.xlsx", f"audit-{day}.xlsx"
    )
    return response


@admin_role_required(AdminRole.AUDIT)
@require_http_methods(["GET", "POST"])
@never_cache
def chain_verify(request):
    """Walk the whole chain now (synchronously: about a second per 100,000 rows) and show
    what is wrong, if anything. Recorded as an "audit_search" with the outcome."""
    result = None
    form = VerifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data["head"]
        walk = services.Walk()
        problems, count = [], 0
        for problem in services.iter_problems(expect_head=expected, walk=walk):
            count += 1
            if len(problems) < MAX_SHOWN_PROBLEMS:
                problems.append(problem)
        result = {
            "rows": walk.rows,
            "count": count,
            "problems": problems,
            "last_seq": walk.last_seq,
        }
        record(
            "audit_search",
            request=request,
            data={
                "action": "verify",
                "rows": walk.rows,
                "problems": count,
                "head": f"{walk.last_seq}:{walk.last_hash}" if walk.last_seq else "",
                "expected_head": f"{expected[0]}:{expected[1]}" if expected else "",
            },
        )
    return render(
        request,
        "audit/verify.html",
        {"nav": "audit", "form": form, "result": result, "head": services.head()},
    )
