"""The national 16 collected items of a member (RULES.md §8), each with the condition that
makes it missing or invalid, as a Q over members. Used by the data-quality page (counts per
sub-organisation) and by the member list's `missing` filter (the members behind a count).

What can be checked here is checked set-based in SQL: a blank or unknown code, a date that
cannot be right (joined before birth or before 18, full membership before joining), a
dependent item missing (失联 without its date, 流动 without where to). ID numbers, phones and
addresses are encrypted: only their presence is checked here (their format is checked when
they are entered, by the services and the importer).
"""

from datetime import date

from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core.codes import ETHNICITIES, Education, Occupation, Sex

ADULT = 18  # years: the youngest age at joining (Party Constitution art. 1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _missing_name(today):
    return Q(name="")


def _missing_sex(today):
    return ~Q(sex__in=Sex.values)


def _missing_ethnicity(today):
    return ~Q(ethnicity__in=[code for code, _label in ETHNICITIES])


def _missing_id_number(today):
    return Q(Exact(Length("id_number"), 0))


def _missing_birth_date(today):
    return Q(birth_date__gt=_years_before(today, ADULT)) | Q(birth_date__lt=date(1900, 1, 1))


def _missing_education(today):
    return ~Q(education__in=Education.values)


def _missing_occupation(today):
    return ~Q(occupation__in=Occupation.values)


def _missing_branch(today):
    return ~Q(org__status="active")


def _missing_join_date(today):
    return Q(join_date__gt=today) | Q(join_date__lt=F("birth_date"))


def _missing_full_member_date(today):
    return Q(membership="full") & (
        Q(full_member_date__isnull=True) | Q(full_member_date__lt=F("join_date"))
    )


def _missing_job(today):
    return Q(job="")


def _missing_phone(today):
    return Q(phone_tail="")


def _missing_address(today):
    return Q(Exact(Length("address"), 0))


def _missing_standing(today):
    return ~Q(standing__in=["normal", "suspended"])


def _missing_lost_contact(today):
    return Q(is_lost_contact=True, lost_contact_since__isnull=True)


def _missing_mobile(today):
    return Q(is_mobile=True, mobile_destination="")


ITEMS = [
    ("name", "姓名", _missing_name),
    ("sex", "性别", _missing_sex),
    ("ethnicity", "民族", _missing_ethnicity),
    ("id_number", "公民身份号码", _missing_id_number),
    ("birth_date", "出生日期", _missing_birth_date),
    ("education", "学历", _missing_education),
    ("occupation", "人员类别", _missing_occupation),
    ("branch", "所在党支部", _missing_branch),
    ("join_date", "加入党组织日期", _missing_join_date),
    ("full_member_date", "转为正式党员日期", _missing_full_member_date),
    ("job", "工作岗位", _missing_job),
    ("phone", "联系电话", _missing_phone),
    ("address", "家庭住址", _missing_address),
    ("standing", "党籍状态", _missing_standing),
    ("lost_contact", "是否失联(失联日期)", _missing_lost_contact),
    ("mobile", "是否流动(外出流向)", _missing_mobile),
]
BY_KEY = {key: (label, fn) for key, label, fn in ITEMS}
MISSING_CHOICES = [(key, label) for key, label, _fn in ITEMS]
MISSING_LABEL = _("Missing or invalid item")


def missing_q(key: str, today: date | None = None) -> Q:
    """Members whose item `key` is missing or invalid."""
    return BY_KEY[key][1](today or timezone.localdate())
