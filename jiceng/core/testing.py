"""Factories and a small city for tests: every test suite builds on these personas.

city ─ 赤坎区 (county_a) ─ 中华街道 (town_a) ─ branch_a1, branch_a2
     └ 遂溪县 (county_b) ─ 遂城镇 (town_b) ─ branch_b1
"""

import itertools
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import Permission

from jiceng.accounts.models import RoleAssignment, User
from jiceng.core import idnumber
from jiceng.members import services as member_services
from jiceng.members.models import Member
from jiceng.orgs import services as org_services
from jiceng.orgs.models import Organization

PASSWORD = "correct-Horse-battery-9"
_sequence = itertools.count(1)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
SURNAMES = "陈李黄林张吴梁刘杨王何莫庞"


def make_org(parent: Organization | None, name: str, kind: str, **extra) -> Organization:
    defaults = {
        "category": "09",
        "unit_type": "region" if kind in ("city", "county", "township") else "village",
    }
    defaults.update(extra)
    return org_services.org_create(actor=None, parent=parent, name=name, kind=kind, **defaults)


def make_member(
    org: Organization,
    *,
    name: str | None = None,
    born: date | None = None,
    sex: str | None = None,
    **fields,
) -> Member:
    n = next(_sequence)
    born = born or date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
    sex = sex or ("1" if n % 3 else "2")
    seq = (n * 2 + (1 if sex == "1" else 0)) % 1000
    values = {
        "name": name
        or SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)] + GIVEN[(n * 7) % len(GIVEN)],
        "id_number": idnumber.make("440802", born, seq if seq % 2 == (sex == "1") else seq + 1),
        "education": "20",
        "occupation": "03",
        "join_date": date(born.year + 25, 7, 1),
        "membership": "full",
        "full_member_date": date(born.year + 26, 7, 1),
        "phone": f"1380000{n:04d}",
        "address": f"湛江市赤坎区中山路{n}号",
    }
    values.update(fields)
    return member_services.member_create(actor=None, org=org, **values)


def make_user(
    username: str,
    *,
    role: str | None = None,
    org: Organization | None = None,
    unmask: bool = False,
    **extra,
) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        RoleAssignment.objects.create(user=user, role=role, org=org)
    if unmask:
        user.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    return user


@dataclass
class SmallCity:
    city: Organization
    county_a: Organization
    town_a: Organization
    branch_a1: Organization
    branch_a2: Organization
    county_b: Organization
    town_b: Organization
    branch_b1: Organization
    member_a1: Member
    member_b1: Member
    # personas
    city_admin: User
    county_admin: User
    viewer: User
    secretary: User
    member_user: User
    outsider: User


def build_small_city() -> SmallCity:
    city = make_org(None, "湛江市委", "city", unit_type="region")
    county_a = make_org(city, "中共湛江市赤坎区委员会", "county", short_name="赤坎区")
    town_a = make_org(county_a, "中华街道党工委", "township")
    branch_a1 = make_org(town_a, "寸金社区党支部", "branch", unit_type="community", category="07")
    branch_a2 = make_org(town_a, "海滨社区党支部", "branch", unit_type="community", category="07")
    county_b = make_org(city, "中共遂溪县委员会", "county", short_name="遂溪县")
    town_b = make_org(county_b, "遂城镇党委", "township")
    branch_b1 = make_org(town_b, "城西村党支部", "branch", unit_type="village", category="03")
    member_a1 = make_member(
        branch_a1, name="张三", born=date(1980, 5, 17), sex="1", phone="13812345678"
    )
    member_b1 = make_member(branch_b1, name="李四", born=date(1975, 3, 2), sex="2")
    member_user = make_user("member")
    Member.objects.filter(pk=member_a1.pk).update(user=member_user)
    member_a1.refresh_from_db()
    return SmallCity(
        city=city,
        county_a=county_a,
        town_a=town_a,
        branch_a1=branch_a1,
        branch_a2=branch_a2,
        county_b=county_b,
        town_b=town_b,
        branch_b1=branch_b1,
        member_a1=member_a1,
        member_b1=member_b1,
        city_admin=make_user("city_admin", role="admin", org=city, unmask=True),
        county_admin=make_user("county_admin", role="admin", org=county_a),
        viewer=make_user("viewer", role="viewer", org=city),
        secretary=make_user("secretary", role="secretary", org=branch_a1),
        member_user=member_user,
        outsider=make_user("outsider"),
    )


# --- logging in past the second factor ----------------------------------------------------


def totp_code(device, steps_ahead: int = 0) -> str:
    """The code `device` (a TOTPDevice) accepts now; `steps_ahead=1` gives the next one
    (accepted too, within the device's tolerance): a code is accepted once only."""
    from django_otp.oath import totp

    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"


def totp_device(user, *, confirmed: bool = True):
    """The user's confirmed TOTP device, made if there is none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=confirmed)
    return device


def pass_second_factor(client, user):
    """Mark the test client's session as having passed the second factor with a confirmed
    TOTP device of `user` (made if missing), as the OTP step would. Returns the device."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = totp_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def client_logins_pass_second_factor():
    """Patches of django.test.Client (installed for every test by jiceng/conftest.py):
    force_login() and login() of a user who needs the second factor also pass it, so page
    tests need not drive the OTP step; login() authenticates with a request, as django-axes
    requires. Tests of the steps themselves log in through the login page, or call
    `log_in_without_second_factor`."""
    from django.contrib.auth import authenticate
    from django.test import Client, RequestFactory

    from jiceng.accounts.security import otp_required

    original_force_login = Client.force_login

    def force_login(self, user, backend=None):
        original_force_login(self, user, backend)
        if otp_required(user):
            pass_second_factor(self, user)

    def login(self, **credentials):
        user = authenticate(RequestFactory().post("/accounts/login/"), **credentials)
        if user is None:
            return False
        force_login(self, user, user.backend)
        return True

    return {"force_login": force_login, "login": login, "_original": original_force_login}


def log_in_without_second_factor(client, user) -> None:
    """force_login as Django does it: the session has not passed the second factor."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    session = client.session
    session.pop(DEVICE_ID_SESSION_KEY, None)
    session.save()
