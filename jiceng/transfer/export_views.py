"""Downloads of the member and organisation lists as .xlsx, exactly as filtered on their pages.

An export view is its list page's view with another `get`: the same login requirement, the
same scoped queryset (`get_queryset`) and the same FilterSet over the same GET parameters
(`ObjectListView.get_filterset`), so a file never holds anything the page would not list.
Personal data is masked unless the user holds the unmask permission and asked (`?unmask=1`).
Every export is recorded in the audit log with its filter, row count and the file's SHA-256.
"""

import hashlib
import tempfile
from urllib.parse import quote

from django.http import FileResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from jiceng.audit.services import record
from jiceng.core import idnumber
from jiceng.core.masking import mask
from jiceng.members.views import MemberListView
from jiceng.orgs.views import OrgListView
from jiceng.sheets.write import XLSX_CONTENT_TYPE

from .export import UNMASK_PERMISSION, export_members, export_orgs
from .layout import MEMBERS, ORGS

NOT_FILTERS = ("page", "per_page", "unmask")


def attachment(filename: str, fallback: str) -> str:
    """A Content-Disposition for a download: an ASCII `filename` for old clients and the
    real (Chinese) name as RFC 5987 `filename*`."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def recorded_filter(request, filterset) -> dict:
    """The page's filter parameters as the audit log keeps them: the FilterSet's own keys, with
    a search for an ID number or a phone number masked like any personal data."""
    data = {
        key: value
        for key, value in request.GET.items()
        if key in filterset.filters and key not in NOT_FILTERS and value != ""
    }
    query = idnumber.normalise(data.get("q", ""))
    if len(query) == 18 and query[:17].isdigit():
        data["q"] = mask("id_number", query)
    elif len(query) >= 7 and query.isdigit():
        data["q"] = mask("phone", query)
    return data


class ListExportMixin:
    """Mixed into a list page's view (an ObjectListView): GET writes what the page lists."""

    list_name = ""  # "members" | "orgs", as recorded
    layout = None  # transfer.layout.Layout
    list_url = ""  # the page, where invalid filters are shown

    @method_decorator(never_cache)  # personal data must not stay in any cache
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def write(self, queryset, target, *, unmasked: bool) -> int:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        if not filterset.is_valid():
            # Nothing to export: the page shows what is wrong with the filters.
            query = request.GET.copy()
            for key in NOT_FILTERS:
                query.pop(key, None)
            url = reverse(self.list_url)
            return HttpResponseRedirect(f"{url}?{query.urlencode()}" if query else url)
        user = request.user
        unmasked = request.GET.get("unmask") == "1" and user.has_perm(UNMASK_PERMISSION)
        file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        try:
            rows = self.write(filterset.qs, file, unmasked=unmasked)
            file.seek(0)
            digest = hashlib.file_digest(file, "sha256").hexdigest()
            record(
                "export",
                actor=user,
                request=request,
                outcome="ok",
                data={
                    "list": self.list_name,
                    "filter": recorded_filter(request, filterset),
                    "rows": rows,
                    "sha256": digest,
                    "unmasked": unmasked,
                },
            )
            file.seek(0)
        except BaseException:
            file.close()
            raise
        response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
        response.block_size = 1 << 16
        day = timezone.localdate().isoformat()
        response["Content-Disposition"] = attachment(
            f"{self.layout.title}-{day}.xlsx", f"{self.list_name}-{day}.xlsx"
        )
        return response


class MemberExportView(ListExportMixin, MemberListView):
    list_name = "members"
    layout = MEMBERS
    list_url = "members:member_list"

    def write(self, queryset, target, *, unmasked: bool) -> int:
        return export_members(self.request.user, queryset, unmasked=unmasked, target=target)


class OrgExportView(ListExportMixin, OrgListView):
    list_name = "orgs"
    layout = ORGS
    list_url = "orgs:org_list"

    def write(self, queryset, target, *, unmasked: bool) -> int:
        return export_orgs(self.request.user, queryset, unmasked=unmasked, target=target)
