"""Pure checks of one member's record (RULES.md §8, §9). Each returns {field: message}."""

from datetime import date

from django.utils.translation import gettext as _

from jiceng.core import idnumber
from jiceng.core.dates import full_years

from .models import Membership


def check_identity(
    *, id_number: str, birth_date: date | None, sex: str | None, today: date
) -> tuple[dict[str, str], idnumber.IDInfo | None]:
    """Validate the ID number and that the entered birth date and sex agree with it."""
    try:
        info = idnumber.parse(id_number, today=today)
    except idnumber.IDNumberError as exc:
        reason = _(exc.template) % exc.params if exc.params else _(exc.template)
        return {"id_number": _("Invalid ID number: %(reason)s") % {"reason": reason}}, None
    errors = {}
    if birth_date and birth_date != info.birth_date:
        errors["birth_date"] = _("Does not match the ID number (%(date)s)") % {
            "date": info.birth_date.isoformat()
        }
    if sex and sex != info.sex:
        errors["sex"] = _("Does not match the ID number")
    return errors, info


def check_dates(
    *,
    birth_date: date,
    join_date: date | None,
    full_member_date: date | None,
    membership: str,
    today: date,
) -> dict[str, str]:
    """birth < join ≤ full membership ≤ today; aged 18 at joining; status agrees with dates."""
    errors = {}
    if join_date:
        if join_date > today:
            errors["join_date"] = _("Cannot be in the future")
        elif join_date <= birth_date or full_years(birth_date, join_date) < 18:
            errors["join_date"] = _("The member must be at least 18 full years old on joining")
    if full_member_date:
        if full_member_date > today:
            errors["full_member_date"] = _("Cannot be in the future")
        elif join_date and full_member_date < join_date:
            errors["full_member_date"] = _("Cannot be before the joining date")
    if membership == Membership.FULL and not full_member_date:
        errors["full_member_date"] = _("Required for a full member")
    if membership == Membership.PROBATIONARY and full_member_date:
        errors["full_member_date"] = _("A probationary member has no full-membership date")
    return errors


def check_application(
    *, birth_date: date | None, applied_on: date | None, join_date: date | None, today: date
) -> dict[str, str]:
    """birth < application ≤ join; at least 18 full years old when applying (RULES.md §1)."""
    if not applied_on:
        return {}
    if applied_on > today:
        return {"applied_on": _("Cannot be in the future")}
    if birth_date and (applied_on <= birth_date or full_years(birth_date, applied_on) < 18):
        return {"applied_on": _("The applicant must be at least 18 full years old")}
    if join_date and applied_on > join_date:
        return {"applied_on": _("Cannot be after the joining date")}
    return {}


def check_phone(phone: str) -> dict[str, str]:
    digits = phone.replace("-", "").replace(" ", "")
    if phone and (not digits.isdigit() or not 7 <= len(digits) <= 15):
        return {"phone": _("Enter 7 to 15 digits")}
    return {}
