"""The page of one resident's request: what it is, where it is, its history, and the steps
the user may take from here."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from jiceng.core import scope
from jiceng.core.masking import mask
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import forms
from .models import ResidentRequest


def request_context(http_request, obj: ResidentRequest, **context) -> dict:
    user = http_request.user
    may_act = obj.is_open and scope.CHANGE in permitted_actions(user, obj.org.path)
    may_close = obj.status == "resolved" and scope.CHANGE in permitted_actions(user, obj.org.path)
    return {
        "req": obj,
        "object": obj,
        "nav": "outreach",
        "phone": mask("phone", obj.resident_phone),
        "events": list(obj.events.select_related("actor", "org")),
        "may_act": may_act,
        "may_close": may_act or may_close,
        "assign_form": context.pop("assign_form", None) or forms.AssignForm(),
        "escalate_form": context.pop("escalate_form", None) or forms.EscalateForm(),
        "resolve_form": context.pop("resolve_form", None) or forms.ResolveForm(),
        "close_form": context.pop("close_form", None) or forms.CloseForm(),
        **context,
    }


@login_required
def request_detail(http_request, request_id: int):
    obj = get_visible_or_404(
        http_request,
        ResidentRequest.objects.select_related("org", "origin", "assignee", "visit"),
        request_id,
    )
    return render(http_request, "outreach/request_detail.html", request_context(http_request, obj))
