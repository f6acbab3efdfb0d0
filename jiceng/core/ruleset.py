"""The versioned rule-set: the parameters of the regulations (RULES.md), with their history.

Rules are pure functions (`<app>/rules.py`) that take their parameters as arguments. The values
come from here: each app defines its parameters with a default (the national rule) from its
AppConfig.ready(), and a city may change one from a date on (`param_set`), e.g. public notice
"5 working days" → "7 days" from 2027-01-01. Old records keep being judged by the values in
force on their own dates, because every lookup names the date:

    ruleset.define("DEV-13.notice_days", 5, _("public notice, in working days"))
    params = ruleset.snapshot(on=record.applied_on)   # one query for every parameter
    params["DEV-13.notice_days"]

A parameter's name starts with the id of the rule it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

Value = int | float | str | bool


@dataclass(frozen=True)
class Param:
    name: str
    default: Value
    help: str

    @property
    def rule(self) -> str:
        return self.name.split(".", 1)[0]


_params: dict[str, Param] = {}


def define(name: str, default: Value, help: str = "") -> Param:
    """Declare a parameter (from an AppConfig.ready()). Defining it again returns the first."""
    if "." not in name:
        raise ValueError(f"a parameter's name is '<rule id>.<name>': {name!r}")
    return _params.setdefault(name, Param(name, default, str(help) if help else ""))


def defined() -> list[Param]:
    return sorted(_params.values(), key=lambda p: p.name)


def snapshot(on: date | None = None) -> dict[str, Value]:
    """Every parameter's value in force on `on` (default today): one query."""
    from .models import RuleParameter

    on = on or timezone.localdate()
    values = {name: p.default for name, p in _params.items()}
    rows = (
        RuleParameter.objects.filter(effective_from__lte=on)
        .order_by("name", "effective_from", "id")
        .values_list("name", "value")
    )
    for name, value in rows:  # the latest row per name wins
        if name in values:
            values[name] = value
    return values


def value(name: str, on: date | None = None) -> Value:
    if name not in _params:
        raise KeyError(name)
    return snapshot(on)[name]


def clean_value(name: str, raw) -> Value:
    """`raw` converted to the type of the parameter's default, or ValidationError."""
    param = _params.get(name)
    if param is None:
        raise ValidationError({"name": _("Unknown rule parameter: %(name)s") % {"name": name}})
    kind = type(param.default)
    try:
        if kind is bool:
            if isinstance(raw, str):
                if raw.strip().lower() not in {"true", "false", "1", "0"}:
                    raise ValueError(raw)
                return raw.strip().lower() in {"true", "1"}
            return bool(raw)
        converted = kind(raw)
    except (TypeError, ValueError):
        raise ValidationError(
            {
                "value": _("%(value)r is not a valid value for %(name)s.")
                % {"value": raw, "name": name}
            }
        ) from None
    if kind in (int, float) and converted < 0:
        raise ValidationError({"value": _("A rule parameter cannot be negative.")})
    return converted


def param_set(*, actor, name: str, value, effective_from: date, reason: str):
    """Record a new value of a parameter from `effective_from` on; audited. Configuration:
    the system administrator's (三权分立, accounts.services)."""
    from jiceng.audit import services as audit

    from .models import RuleParameter

    if actor is not None and getattr(actor, "admin_role", "") != "system":
        raise PermissionDenied(_("Only the system administrator changes rule parameters."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the rule changes.")})
    converted = clean_value(name, value)
    with transaction.atomic():
        row = RuleParameter.objects.create(
            name=name,
            value=converted,
            effective_from=effective_from,
            reason=reason.strip(),
            changed_by=actor,
        )
        audit.record(
            "config_change",
            actor=actor,
            obj=("rule_parameter", name, name),
            data={
                "action": "rule_parameter",
                "name": name,
                "value": converted,
                "effective_from": effective_from,
                "reason": reason.strip(),
            },
        )
    return row


def history() -> dict[str, list]:
    """Every recorded value, per parameter name, oldest first."""
    from .models import RuleParameter

    out: dict[str, list] = {}
    for row in RuleParameter.objects.select_related("changed_by").order_by(
        "name", "effective_from", "id"
    ):
        out.setdefault(row.name, []).append(row)
    return out
