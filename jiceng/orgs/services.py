"""Every write to the organisation tree: create, edit, re-home (隶属关系调整), dissolve.

Each records its audit event ("org_create", "org_update", "org_move", "org_dissolve", with the
before/after of what changed) as the last statement of its transaction: the row commits or
rolls back with the change. The request context comes from the audit middleware.
"""

from collections import Counter
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import scope
from jiceng.core.fields import prefix_range

from . import rollups, rules
from .models import SEGMENT, Organization, OrgStatus

EDITABLE_FIELDS = (
    "name",
    "short_name",
    "kind",
    "category",
    "unit_type",
    "unit_name",
    "secretary",
    "contact_name",
    "contact_phone",
    "founded_on",
    "term_started_on",
    "term_years",
)
AUDITED_FIELDS = ("parent", "path", *EDITABLE_FIELDS, "status", "dissolved_on")


def _error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _in_scope(actor, org_id, action: str) -> Organization | None:
    qs = Organization.objects.filter(pk=getattr(org_id, "pk", org_id))
    return (scope.restrict(qs, actor, action) if actor is not None else qs).first()


def _next_child_path(parent: Organization | None) -> str:
    siblings = (
        Organization.objects.filter(parent=parent)
        if parent
        else Organization.objects.filter(parent__isnull=True)
    )
    last = siblings.aggregate(m=Max("path"))["m"]
    index = int(last[-SEGMENT:]) + 1 if last else 1
    if index >= 10**SEGMENT:
        raise _error("parent", _("This organisation has too many children"))
    return (parent.path if parent else "") + f"{index:0{SEGMENT}d}"


def check_fields(org: Organization) -> None:
    """Validate an organisation's own fields (also used by the importer before writing)."""
    errors = {}
    org.name = (org.name or "").strip()
    if not org.name:
        errors["name"] = [_("Required")]
    for field in ("kind", "category", "unit_type"):
        value = getattr(org, field)
        if value not in dict(Organization._meta.get_field(field).choices):
            errors[field] = [_("Not a valid choice")]
    if org.founded_on and org.founded_on > timezone.localdate():
        errors["founded_on"] = [_("Cannot be in the future")]
    if org.term_started_on and org.founded_on and org.term_started_on < org.founded_on:
        errors["term_started_on"] = [_("Cannot be before the founding date")]
    if org.term_years is not None and not 1 <= org.term_years <= 5:
        errors["term_years"] = [_("Between 1 and 5 years")]
    if errors:
        raise ValidationError(errors)
    if not org.term_years:
        org.term_years = rules.default_term_years(org.kind, org.unit_type)


def _check_secretary(org: Organization, actor) -> None:
    if org.secretary_id is None:
        return
    from jiceng.members.models import Member

    qs = Member.objects.on_rolls().filter(pk=org.secretary_id)
    if not (scope.restrict(qs, actor, scope.VIEW) if actor is not None else qs).exists():
        raise _error("secretary", _("No such member within your scope"))


@transaction.atomic
def org_create(*, actor, parent, **fields) -> Organization:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: [_("Unknown field")] for f in sorted(unknown)})
    parent_org = None
    if parent is not None:
        parent_org = _in_scope(actor, parent, scope.ADD)
        if parent_org is None:
            raise _error("parent", _("No such organisation within your scope"))
        parent_org = Organization.objects.select_for_update().get(pk=parent_org.pk)
        if parent_org.status != OrgStatus.ACTIVE:
            raise _error("parent", _("This organisation has been dissolved"))
    elif actor is not None and not (
        actor.is_superuser or getattr(actor, "admin_role", "") == "system"
    ):
        # The system administrator (accounts.services.top_org_create) sets up the roots.
        raise _error("parent", _("Only a system administrator can create a top-level committee"))
    secretary = fields.pop("secretary", None)
    org = Organization(
        parent=parent_org, secretary_id=getattr(secretary, "pk", secretary), **fields
    )
    check_fields(org)
    problem = rules.parent_problem(parent_org.kind if parent_org else None, org.kind)
    if problem:
        raise _error("parent" if parent_org else "kind", problem)
    _check_secretary(org, actor)
    org.path = _next_child_path(parent_org)
    org.depth = len(org.path) // SEGMENT
    org.region_code = parent_org.region_code if parent_org else fields.get("region_code", "")
    org.save()
    if parent_org is not None:  # a root's creator was checked above and holds no scope
        scope.ensure_in_scope(actor, scope.ADD, org)
    rollups.apply_delta(
        org.ancestor_paths(), rollups.org_keys(org.kind, org.category, org.unit_type)
    )
    audit.record_change(
        "org_create", actor=actor, obj=org, after=audit.snapshot(org, AUDITED_FIELDS)
    )
    return org


@transaction.atomic
def org_update(*, actor, org: Organization, **changes) -> Organization:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: [_("Unknown field")] for f in sorted(unknown)})
    org = Organization.objects.select_for_update().get(pk=org.pk)
    scope.ensure_in_scope(actor, scope.CHANGE, org)
    before = rollups.org_keys(org.kind, org.category, org.unit_type)
    recorded = audit.snapshot(org, EDITABLE_FIELDS)
    for field, value in changes.items():
        setattr(org, "secretary_id" if field == "secretary" else field, getattr(value, "pk", value))
    check_fields(org)
    if "kind" in changes:
        problem = rules.parent_problem(org.parent.kind if org.parent else None, org.kind)
        if problem:
            raise _error("kind", problem)
        if org.is_branch and org.children.exists():
            raise _error("kind", _("An organisation with sub-organisations cannot be a branch"))
        if not org.is_branch and org.members.exists():
            raise _error(
                "kind", _("Members belong to branches: move them before changing the kind")
            )
    _check_secretary(org, actor)
    org.save()
    scope.ensure_in_scope(actor, scope.CHANGE, org)
    if org.status == OrgStatus.ACTIVE:
        delta = rollups.org_keys(org.kind, org.category, org.unit_type)
        delta.subtract(before)
        rollups.apply_delta(org.ancestor_paths(), delta)
    audit.record_change(
        "org_update",
        actor=actor,
        obj=org,
        before=recorded,
        after=audit.snapshot(org, EDITABLE_FIELDS),
    )
    return org


@transaction.atomic
def org_move(*, actor, org: Organization, new_parent) -> Organization:
    """Re-home an organisation with its whole subtree under another parent, atomically.

    Refuses cycles (a parent inside the moved subtree), targets outside the actor's scope,
    and parents of a kind that cannot hold it. Every path in the subtree is rewritten in one
    statement and the rollups of the old and new ancestors are adjusted by the subtree's counts.
    """
    org = Organization.objects.select_for_update().get(pk=org.pk)
    scope.ensure_in_scope(actor, scope.CHANGE, org)
    target = _in_scope(actor, new_parent, scope.ADD)
    if target is None:
        raise _error("parent", _("No such organisation within your scope"))
    if org.parent_id is None:
        raise _error("parent", _("The top-level committee cannot be moved"))
    if target.path.startswith(org.path):
        raise _error(
            "parent",
            _("An organisation cannot be moved under itself or one of its own sub-organisations"),
        )
    if target.pk == org.parent_id:
        raise _error("parent", _("The organisation is already there"))
    if target.status != OrgStatus.ACTIVE:
        raise _error("parent", _("This organisation has been dissolved"))
    problem = rules.parent_problem(target.kind, org.kind)
    if problem:
        raise _error("parent", problem)
    target = Organization.objects.select_for_update().get(pk=target.pk)

    moved = rollups.subtree_counts(org)
    old_ancestors = org.ancestor_paths()[:-1]
    old_path = org.path
    before = audit.snapshot(org, ("parent", "path", "depth"))
    new_path = _next_child_path(target)
    depth_change = len(new_path) // SEGMENT - org.depth
    rewritten = Organization.objects.filter(**prefix_range("path", old_path)).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Organization.objects.filter(pk=org.pk).update(parent=target)
    org.refresh_from_db()
    scope.ensure_in_scope(actor, scope.CHANGE, org)
    minus = Counter()
    minus.subtract(moved)
    rollups.apply_delta(old_ancestors, minus)
    rollups.apply_delta(org.ancestor_paths()[:-1], moved)
    audit.record_change(
        "org_move",
        actor=actor,
        obj=org,
        before=before,
        after=audit.snapshot(org, ("parent", "path", "depth")),
        data={"subtree": {"orgs": rewritten, "members": moved.get("members", 0)}},
    )
    return org


@transaction.atomic
def org_dissolve(*, actor, org: Organization, dissolved_on: date) -> Organization:
    """Dissolve (撤销) an organisation: it stays on record, with its history."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    scope.ensure_in_scope(actor, scope.DELETE, org)
    before = audit.snapshot(org, ("status", "dissolved_on"))
    if org.status == OrgStatus.DISSOLVED:
        raise _error("status", _("Already dissolved"))
    if org.parent_id is None:
        raise _error("status", _("The top-level committee cannot be dissolved"))
    if dissolved_on > timezone.localdate():
        raise _error("dissolved_on", _("Cannot be in the future"))
    if org.children.filter(status=OrgStatus.ACTIVE).exists():
        raise _error("status", _("Move or dissolve its sub-organisations first"))
    if org.members.on_rolls().exists():
        raise _error("status", _("Transfer its members to another branch first"))
    org.status = OrgStatus.DISSOLVED
    org.dissolved_on = dissolved_on
    org.save(update_fields=["status", "dissolved_on", "updated_at"])
    minus = Counter()
    minus.subtract(rollups.org_keys(org.kind, org.category, org.unit_type))
    rollups.apply_delta(org.ancestor_paths(), minus)
    audit.record_change(
        "org_dissolve",
        actor=actor,
        obj=org,
        before=before,
        after=audit.snapshot(org, ("status", "dissolved_on")),
    )
    return org
