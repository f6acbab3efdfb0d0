"""Checking and writing a sheet of organisations.

A row is matched to an organisation by its full name: an existing one is updated, a new one is
created under its 上级党组织, which must exist already or be on an earlier row (an export lists
organisations parents first). Organisations are few (13,000 in a city), so rows are written
through the organisation services one by one — the same validation, scope checks and rollups
as the forms — inside the import's single transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jiceng.members.models import Member
from jiceng.orgs import rules, services
from jiceng.orgs.models import Organization
from jiceng.sheets.headers import HeaderMatch
from jiceng.sheets.values import CellError, converter

from .layout import ORGS
from .orgindex import OrgIndex, OrgRef
from .problems import Problems

CREATE_COLUMNS = ("name", "parent", "kind", "category", "unit_type")
OWN_FIELDS = tuple(c.field for c in ORGS.columns if c.field not in ("name", "parent", "secretary"))


@dataclass
class OrgRow:
    row: int
    name: str
    values: dict  # the organisation's own fields present in the sheet
    parent: OrgRef | None
    ref: OrgRef  # existing organisation, or the provisional one created for this row
    is_new: bool
    secretary: str | None  # a name to resolve, None = column absent or unchanged
    secretary_col: int | None = None
    before: dict = field(default_factory=dict)


@dataclass
class OrgPlan:
    sheet: str
    rows: list[OrgRow] = field(default_factory=list)
    unchanged: int = 0
    count: int = 0

    def summary(self) -> dict:
        creates = sum(1 for r in self.rows if r.is_new)
        return {
            "rows": self.count,
            "create": creates,
            "update": len(self.rows) - creates,
            "unchanged": self.unchanged,
        }

    def preview(self, limit: int = 100) -> dict:
        return {
            "create": [
                {"row": r.row, "name": r.name, "org": r.parent.name if r.parent else ""}
                for r in self.rows
                if r.is_new
            ][:limit],
            "update": [
                {
                    "row": r.row,
                    "id": r.ref.key,
                    "name": r.name,
                    "changes": [
                        {
                            "field": k,
                            "header": ORGS.column(k).header,
                            "old": _shown(r.before.get(k)),
                            "new": _shown(v),
                        }
                        for k, v in r.values.items()
                        if k != "parent"
                    ],
                }
                for r in self.rows
                if not r.is_new
            ][:limit],
        }


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def check_orgs(
    sheet_name: str,
    rows: list[list],
    match: HeaderMatch,
    orgs: OrgIndex,
    *,
    problems: Problems,
    today: date,
) -> OrgPlan:
    plan = OrgPlan(sheet=sheet_name)
    columns = [(index, column, converter(column)) for index, column in match.columns.items()]
    present = {column.field: index for index, column in match.columns.items()}
    missing = [f for f in CREATE_COLUMNS if f not in present]
    current = _current_values(orgs)

    def problem(row: int, name: str, value, message: str) -> None:
        col = present.get(name)
        header = rows[match.row_index][col] if col is not None else ORGS.column(name).header
        problems.add(sheet_name, row, col, str(header), value, message)

    for offset, cells in enumerate(rows[match.row_index + 1 :]):
        number = match.row_index + 2 + offset
        if not any(c not in (None, "") for c in cells):
            continue
        plan.count += 1
        values, raw, bad = {}, {}, False
        for index, column, convert in columns:
            cell = cells[index] if index < len(cells) else None
            raw[column.field] = cell
            try:
                values[column.field] = convert(cell)
            except CellError as exc:
                problem(number, column.field, cell, str(exc))
                bad = True
        if bad:
            continue
        name = values.pop("name", "")
        if not name:
            problem(number, "name", "", _("Required"))
            continue
        existing = [r for r in orgs.by_name.get(name, []) if r.active]
        if len(existing) > 1:
            problem(number, "name", name, _("Several organisations have this name"))
            continue
        ref = existing[0] if existing else None
        if ref is not None and ref.key < 0:
            problem(number, "name", name, _("This organisation is already on an earlier row"))
            continue
        if ref is not None and not ref.can_change:
            problem(number, "name", name, _("This organisation is outside your scope"))
            continue
        if ref is None and missing:
            names = "、".join(ORGS.column(f).header for f in missing)
            problem(
                number,
                "name",
                name,
                _("A new organisation needs these columns: %(names)s") % {"names": names},
            )
            continue
        before = current.get(ref.key, {}) if ref else {}
        parent = None
        parent_name = values.pop("parent", None)
        if ref is not None and parent_name == before.get("parent_name"):
            parent_name = None  # where it already is: no need to be allowed to add there
        if parent_name:
            parent, message = orgs.resolve(parent_name, branch=False)
            if parent is None:
                problem(number, "parent", parent_name, message)
                continue
        elif ref is None and values.get("kind") != "city":
            problem(number, "parent", "", _("Required for a new organisation"))
            continue
        secretary = values.pop("secretary", None)
        if secretary is not None and secretary == before.get("secretary", ""):
            secretary = None
        errors = _check_fields(values, before, parent, ref, today)
        for name_, message in errors.items():
            problem(number, name_, raw.get(name_), message)
        if errors:
            continue
        own = {k: v for k, v in values.items() if k in OWN_FIELDS and v != before.get(k)}
        moved = parent is not None and ref is not None and parent.key != before.get("parent")
        if ref is not None and not own and not moved and secretary is None:
            plan.unchanged += 1
            continue
        is_new = ref is None
        if is_new:
            ref = orgs.add_pending(name, values["kind"], parent.region_code if parent else "")
        elif moved:
            own["parent"] = parent.key
        plan.rows.append(
            OrgRow(
                number,
                name,
                own,
                parent,
                ref,
                is_new,
                secretary,
                present.get("secretary"),
                before,
            )
        )
    return plan


def _current_values(orgs: OrgIndex) -> dict[int, dict]:
    """Every organisation's importable values (13,000 rows at city scale: one query)."""
    fields = (*OWN_FIELDS, "parent", "parent__name", "secretary__name")
    out = {}
    for row in Organization.objects.order_by().values("id", *fields).iterator(5000):
        row["secretary"] = row.pop("secretary__name") or ""
        row["parent_name"] = row.pop("parent__name")
        out[row.pop("id")] = row
    return out


def _check_fields(values: dict, before: dict, parent: OrgRef | None, ref, today) -> dict:
    merged = {**before, **values}
    candidate = Organization(**{k: merged.get(k) for k in OWN_FIELDS if k in merged})
    for text_field in ("short_name", "unit_name", "contact_name", "contact_phone"):
        if getattr(candidate, text_field) is None:
            setattr(candidate, text_field, "")
    candidate.name = "-"
    errors: dict[str, str] = {}
    try:
        services.check_fields(candidate)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if parent is not None and "kind" not in errors:
        message = rules.parent_problem(parent.kind, candidate.kind)
        if message:
            errors["parent"] = message
    return errors


def write_orgs(plan: OrgPlan, orgs: OrgIndex, *, actor) -> None:
    """Create and update through the organisation services, in file order (parents first).
    Raises ValidationError naming the row if a service refuses (the import then rolls back)."""
    for row in plan.rows:
        try:
            if row.is_new:
                parent = orgs.by_key[row.parent.key].key if row.parent else None
                org = services.org_create(actor=actor, parent=parent, name=row.name, **row.values)
                _realise(orgs, row.ref, org)
            else:
                values = dict(row.values)
                new_parent = values.pop("parent", None)
                org = Organization.objects.get(pk=row.ref.key)
                if values:
                    org = services.org_update(actor=actor, org=org, **values)
                if new_parent is not None:
                    org = services.org_move(
                        actor=actor, org=org, new_parent=orgs.by_key[new_parent].key
                    )
                row.ref.path = org.path
        except ValidationError as exc:
            raise ValidationError(
                _("Row %(row)d (%(name)s): %(problem)s")
                % {"row": row.row, "name": row.name, "problem": "; ".join(exc.messages)}
            ) from exc


def _realise(orgs: OrgIndex, ref: OrgRef, org: Organization) -> None:
    """Give a provisional organisation its real id and path once written. The provisional
    key stays in the index: member rows checked against it find the real id through it."""
    ref.key, ref.path = org.pk, org.path
    orgs.by_key[org.pk] = ref


def write_secretaries(plan: OrgPlan, orgs: OrgIndex, *, actor, problems: Problems) -> None:
    """Set each named secretary: the one member on the rolls of that name in the
    organisation's subtree (its own members first). Runs after the members are written."""
    for row in plan.rows:
        if row.secretary is None:
            continue
        org = Organization.objects.get(pk=row.ref.key)
        member_id = None
        if row.secretary:
            in_subtree = Member.objects.on_rolls().filter(
                name=row.secretary, org__path__startswith=org.path
            )
            own = [pk for pk, org_id in in_subtree.values_list("id", "org_id") if org_id == org.pk]
            found = own or list(in_subtree.values_list("id", flat=True)[:2])
            if len(found) != 1:
                problems.add(
                    plan.sheet,
                    row.row,
                    row.secretary_col,
                    ORGS.column("secretary").header,
                    row.secretary,
                    _("No member of this name in the organisation")
                    if not found
                    else _("Several members of the organisation have this name"),
                )
                continue
            member_id = found[0]
        services.org_update(actor=actor, org=org, secretary=member_id)
