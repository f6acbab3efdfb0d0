"""The one way a view gets an object the user may see or change (DESIGN: scope is the
security model).

    obj = get_visible_or_404(request, Member.objects.select_related("org"), pk, "change")

Fetch through `restrict(user, "view")`: absent → 404, so an outsider cannot tell an object
exists. For a write action, an object the user may see but not `action` → 403 (a read-only
user). Every web view that takes a pk goes through here. Both refusals are noted for the audit
log (`audit.services.note_denied`: one "denied" row per request, written by the audit
middleware outside any transaction); an id that does not exist at all is noted the same way,
so the log cannot be used to tell it from a hidden one either.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from jiceng.audit.services import note_denied
from jiceng.core import scope


def get_visible_or_404(request, queryset: QuerySet, pk, action: str = scope.VIEW) -> Model:
    obj = scope.restrict(queryset, request.user, scope.VIEW).filter(pk=pk).first()
    if obj is None:
        asked = (queryset.model._meta.label_lower, pk, "")
        note_denied(request, obj=asked, action=action, reason="not_visible")
        raise Http404(_("No such record within your scope"))
    if action != scope.VIEW and not scope.can(request.user, action, obj):
        note_denied(request, obj=obj, action=action, reason="not_permitted")
        raise PermissionDenied(_("You may not do this here"))
    return obj


def permitted_actions(user, path: str) -> frozenset[str]:
    """What the user's roles allow on the subtree at `path`, from the grants already loaded
    by restrict() (no query). Used only to show or hide buttons; every write is still checked
    through restrict() by get_visible_or_404 and the services."""
    if user.is_superuser:
        return frozenset(scope.ACTIONS)
    allowed: set[str] = set()
    for role, granted in scope.grants(user):
        if path.startswith(granted):
            allowed |= scope.ROLE_ACTIONS.get(role, frozenset())
    return frozenset(allowed)
