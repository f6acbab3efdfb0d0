"""Writing the demo city into the database: set-based, one transaction per phase, with a
progress bar per phase on stderr.

Rows come from jiceng.demo.city as tuples and go in with `cursor.executemany` on SQLite and
`COPY` on PostgreSQL. (Django's bulk_create was measured at 123 s for the 322,000 members on
SQLite, against 19 s for executemany: it builds a model instance per row and converts every
field of every one.) Primary keys are assigned by the generator, so the tree's parent ids and
the members' branch ids are known before anything is written; PostgreSQL's sequences are moved
past them afterwards.

On Linux with two or more CPUs the members are generated in a forked child process while this
process adds their pinyin search keys and writes them; both paths give the same rows.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import secrets
import string
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiceng.accounts.models import Role, RoleAssignment
from jiceng.audit import services as audit
from jiceng.audit.models import AuditEvent
from jiceng.core import crypto
from jiceng.core.bulk import Inserter
from jiceng.core.fields import prefix_range
from jiceng.core.pinyin import name_pinyin
from jiceng.core.progress import Phase, Progress
from jiceng.members.models import LeaveStatus, Member, StatusChange
from jiceng.orgs import rollups
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgKind, UnitType

from . import city, extensions
from .data import CITY

URL = "http://127.0.0.1:8000/"
DEMO_USERNAMES = (
    "admin",
    "county",
    "viewer",
    "secretary",
    "member",
    "sysadmin",
    "secadmin",
    "auditor",
)
# The three separated administrators (三权分立, accounts.services): no superuser is needed.
DEMO_ADMINS = {"sysadmin": "system", "secadmin": "security", "auditor": "audit"}
PASSWORD_ALPHABET = string.ascii_letters + string.digits
CHUNK = 10_000


# --------------------------------------------------------------------------------------------
# Low-level writes


def _now_value():
    """`now` as the backend stores a DateTimeField (naive UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def has_data() -> bool:
    return Organization.objects.exists() or Member.objects.exists()


def _models_to_clear() -> list:
    """Organisations, members and users, and every table that refers to any of them — except
    the audit log, which is append-only: it keeps the old rows (with their usernames) and the
    build's own "config_change" row says the data was replaced."""
    user_model = get_user_model()
    chosen = {Organization, Member, user_model, Session}
    candidates = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m is not AuditEvent
    ]
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in chosen:
                continue
            for f in model._meta.concrete_fields:
                if (
                    f.is_relation
                    and f.related_model is not None
                    and f.related_model._meta.concrete_model in chosen
                ):
                    chosen.add(model)
                    grew = True
                    break
    return sorted(chosen, key=lambda m: m._meta.db_table)


def wipe() -> list[str]:
    """Delete every organisation, member and account, and whatever refers to them."""
    tables = [m._meta.db_table for m in _models_to_clear()]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
    # SQLite empties a table in one step only without foreign-key checks; every table that
    # refers to the cleared ones is cleared too, so none can dangle.
    unchecked = connection.vendor == "sqlite" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        if unchecked:
            cursor.execute("PRAGMA foreign_keys=OFF")
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # Inside an outer transaction, rows written earlier still have deferred
                    # foreign-key checks pending, and TRUNCATE refuses such tables.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for sql in statements:
                    cursor.execute(sql)
                if connection.vendor == "postgresql":
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        finally:
            if unchecked:
                cursor.execute("PRAGMA foreign_keys=ON")
    return tables


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load: it plans a join over a
    freshly COPYed table as if it were empty (a nested loop over millions of rows) until
    ANALYZE has sampled it. (SQLite's planner has no such statistics unless asked, and its
    ANALYZE reads every index: not worth it here.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


# --------------------------------------------------------------------------------------------
# The build


@dataclass
class Login:
    username: str
    password: str
    description: str


@dataclass
class BuildResult:
    seed: int
    scale: float
    as_of: date
    timings: dict[str, float] = field(default_factory=dict)
    orgs: int = 0
    members: int = 0
    status_changes: int = 0
    logins: list[Login] = field(default_factory=list)
    extensions: dict[str, object] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.timings.values())


class _Timer:
    def __init__(self, result: BuildResult, key: str):
        self.result, self.key = result, key

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        self.result.timings[self.key] = self.result.timings.get(self.key, 0.0) + (
            time.perf_counter() - self.started
        )


def build(
    *,
    seed: int = 2017,
    scale: float = 1.0,
    as_of: date | None = None,
    progress: Progress | None = None,
    replace: bool = False,
    parallel: bool | None = None,
) -> BuildResult:
    """Build the demo city. The caller has checked (or wants replaced) existing data.

    `parallel` (default: on Linux with 2+ CPUs for 20,000 members or more) generates the
    members in a forked child process while this one writes them; the result is the same.
    """
    progress = progress or Progress(enabled=False)
    as_of = as_of or timezone.localdate()
    result = BuildResult(seed=seed, scale=scale, as_of=as_of)
    if parallel is None:
        parallel = can_fork() and scale * city.TARGET_MEMBERS >= 20_000
    sqlite = connection.vendor == "sqlite"
    relax = sqlite and not connection.in_atomic_block
    if relax:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    try:
        if replace:
            with progress.phase("clearing") as ph, _Timer(result, "clear"):
                wipe()
                ph.update(1)
        with progress.phase("planning") as ph, _Timer(result, "plan"):
            plan = city.plan_city(
                seed=seed, scale=scale, as_of=as_of, first_id=_next_id(Organization)
            )
        with progress.phase("organisations", len(plan.orgs)) as ph, _Timer(result, "organisations"):
            _insert_orgs(plan, ph)
        with progress.phase("members", plan.target_members) as ph:
            _insert_members(plan, ph, result, parallel)
        # PBKDF2 releases the GIL: the demo users' passwords are hashed meanwhile.
        passwords = PasswordBatch(len(DEMO_USERNAMES), threads=min(2, os.cpu_count() or 1))
        with progress.phase("accounts", len(DEMO_USERNAMES)) as ph, _Timer(result, "accounts"):
            result.logins = demo_logins(ph, passwords=passwords)
        ctx = extensions.Context(seed=seed, scale=scale, as_of=as_of, parallel=parallel)
        _analyze()
        for ext in extensions.registered():
            with progress.phase(ext.label, ext.estimate(ctx)) as ph, _Timer(result, ext.key):
                result.extensions[ext.key] = ext.build(ctx, ph)
                _analyze()  # later phases query what this one wrote
        with progress.phase("rollups", 1) as ph, _Timer(result, "rollups"):
            rollups.rebuild()
            ph.update(1)
    finally:
        if relax:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")
    result.orgs = len(plan.orgs)
    # One row for the whole build, none per demo record (they are synthetic).
    audit.record(
        "config_change",
        obj=("demo", str(seed), "demo city"),
        data={
            "action": "demo_build",
            "seed": seed,
            "scale": scale,
            "as_of": as_of,
            "replaced": replace,
            "orgs": result.orgs,
            "members": result.members,
        },
    )
    return result


ORG_CONSTANTS = (
    "status",
    "region_code",
    "contact_name",
    "contact_phone",
    "created_at",
    "updated_at",
)


def _insert_orgs(plan: city.CityPlan, ph: Phase) -> None:
    now = _now_value()
    region = CITY["code"]
    inserter = Inserter(Organization, city.ORG_COLUMNS + ORG_CONSTANTS)
    rows = city.org_rows(plan)
    with transaction.atomic():
        for i in range(0, len(rows), CHUNK):
            inserter.write(
                [
                    row + ("active", region, org.contact_name, org.contact_phone, now, now)
                    for row, org in zip(rows[i : i + CHUNK], plan.orgs[i : i + CHUNK], strict=True)
                ]
            )
            ph.update(i + CHUNK)


MEMBER_CONSTANTS = ("leave_status", "left_on", "user_id", "region_code", "created_at", "updated_at")
# Personal data is stored encrypted (jiceng.core.crypto); the ID number's keyed hash goes last.
_SEALED = [city.MEMBER_COLUMNS.index(c) for c in ("id_number", "phone", "address")]
_ID = city.MEMBER_COLUMNS.index("id_number")


def seal(row: tuple, tail: list) -> list:
    """A generated member row as stored: personal fields encrypted, then `tail` (the
    constants), then the ID number's keyed hash."""
    sealed = list(row)
    for i in _SEALED:
        sealed[i] = crypto.encrypt(row[i])
    sealed += tail
    sealed.append(crypto.lookup_hash(row[_ID]))
    return sealed


STATUS_CONSTANTS = ("actor_id", "recorded_at")


def can_fork() -> bool:
    """Whether member generation can run in a forked child process (Linux, 2+ CPUs)."""
    return (
        sys.platform.startswith("linux")
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _batches(plan: city.CityPlan, first_id: int, pinyin: bool = True) -> Iterator[list[tuple]]:
    buffer: list[tuple] = []
    for _org, rows in city.generate_members(plan, first_id=first_id, pinyin=pinyin):
        buffer.extend(rows)
        if len(buffer) >= CHUNK:
            yield buffer
            buffer = []
    if buffer:
        yield buffer


def _leads(plan: city.CityPlan) -> list[tuple]:
    return [
        (o.id, o.secretary_id, o.contact_name, o.contact_phone)
        for o in plan.orgs
        if o.secretary_id is not None
    ]


def _produce(plan: city.CityPlan, first_id: int, conn) -> None:
    """In the child: generate the members and send them in batches, then the leads.

    The pinyin search keys are left to the parent, which would otherwise wait: that evens out
    the work of the two processes."""
    try:
        for batch in _batches(plan, first_id, pinyin=False):
            conn.send(("rows", batch))
        conn.send(("done", (_leads(plan), plan.status_changes)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def member_batches(plan: city.CityPlan, first_id: int, *, parallel: bool) -> Iterator[list]:
    """Member rows in batches. With `parallel`, a forked child generates them while this
    process writes (the generator is the same, so the rows are the same). Afterwards the
    plan's organisations carry their secretaries and contacts, and plan.status_changes the
    status history, as after city.generate_members."""
    if not parallel:
        yield from _batches(plan, first_id)
        return
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_produce, args=(plan, first_id, sender), daemon=True, name="jiceng-demo-members"
    )
    child.start()
    sender.close()
    try:
        while True:
            kind, payload = receiver.recv()
            if kind == "rows":
                yield payload
            elif kind == "done":
                leads, plan.status_changes = payload
                by_id = {o.id: o for o in plan.orgs}
                for org_id, secretary_id, name, phone in leads:
                    org = by_id[org_id]
                    org.secretary_id, org.contact_name, org.contact_phone = (
                        secretary_id,
                        name,
                        phone,
                    )
                return
            else:
                raise RuntimeError(f"generating the members failed:\n{payload}")
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()
            child.join()


def _insert_members(plan: city.CityPlan, ph: Phase, result: BuildResult, parallel: bool) -> None:
    """Members, then each organisation's secretary and contact, then the status history."""
    now = _now_value()
    tail = ["", None, None, CITY["code"], now, now]
    inserter = Inserter(Member, city.MEMBER_COLUMNS + MEMBER_CONSTANTS + ("id_number_hash",))
    produce = _Timer(result, "members.generate" if not parallel else "members.wait")
    insert = _Timer(result, "members.insert")
    add_pinyin = _Timer(result, "members.pinyin")
    pinyin_of: dict[str, tuple[str, str]] = {}
    with transaction.atomic():
        batches = member_batches(plan, _next_id(Member), parallel=parallel)
        while True:
            with produce:
                batch = next(batches, None)
            if batch is None:
                break
            if parallel:  # the child left off name_pinyin and name_initials
                with add_pinyin:
                    for i, row in enumerate(batch):
                        pin = pinyin_of.get(row[1])
                        if pin is None:
                            pin = pinyin_of[row[1]] = name_pinyin(row[1])
                        batch[i] = row + pin
            with insert:
                inserter.write([seal(row, tail) for row in batch])
            ph.update(inserter.rows)
        with _Timer(result, "members.secretaries"):
            updates = [
                (o.secretary_id, o.contact_name, o.contact_phone, o.id)
                for o in plan.orgs
                if o.secretary_id is not None
            ]
            table = connection.ops.quote_name(Organization._meta.db_table)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET secretary_id = %s, contact_name = %s, "
                    "contact_phone = %s WHERE id = %s",
                    updates,
                )
            history = Inserter(StatusChange, city.STATUS_COLUMNS + STATUS_CONSTANTS)
            history.write([row + (None, now) for row in plan.status_changes])
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(
                    no_style(), [Organization, Member, StatusChange]
                ):
                    cursor.execute(sql)
    result.members = inserter.rows
    result.status_changes = history.rows


# --------------------------------------------------------------------------------------------
# Demo users


def new_password() -> str:
    """16 random letters and digits that pass the password rules (accounts/passwords.py)."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(16))
        try:
            validate_password(password)
        except ValidationError:
            continue
        return password


class PasswordBatch:
    """New random passwords, hashed in background threads (hashing takes ~1 s each)."""

    def __init__(self, count: int, threads: int = 1):
        self.plain = [new_password() for _ in range(count)]
        self.hashed: list[str | None] = [None] * count
        self.errors: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._hash, args=(range(i, count, threads),), daemon=True)
            for i in range(max(1, threads))
        ]
        for t in self.threads:
            t.start()

    def _hash(self, indexes) -> None:
        try:
            for i in indexes:
                self.hashed[i] = make_password(self.plain[i])
        except BaseException as exc:  # noqa: BLE001 - re-raised by pairs()
            self.errors.append(exc)

    def pairs(self) -> list[tuple[str, str]]:
        for t in self.threads:
            t.join()
        if self.errors:
            raise self.errors[0]
        return list(zip(self.plain, self.hashed, strict=True))


def _describe(user) -> str:
    if user.admin_role:
        return {
            "system": "系统管理员 system administrator: accounts, top-level committees",
            "security": "安全管理员 security administrator: roles and permissions",
            "audit": "审计管理员 audit administrator: the audit log",
        }[user.admin_role]
    if user.is_superuser:
        return "Django superuser: /admin/"
    parts = []
    for ra in user.role_assignments.select_related("org").order_by("role", "org__path"):
        parts.append(f"{ra.get_role_display()} · {ra.org.short_name or ra.org.name}")
    member = Member.objects.filter(user=user).select_related("org").first()
    if member is not None:
        parts.append(f"党员 {member.name} · {member.org.short_name or member.org.name}")
    if user.has_perm("members.unmask_personal_data"):
        parts.append("may reveal personal data")
    return "; ".join(parts) or "no role"


def _demo_targets() -> dict:
    """The organisations and members the demo users are bound to, found in the database."""
    root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        return {}
    county = (
        Organization.objects.filter(parent=root, kind=OrgKind.COUNTY).order_by("path").first()
        or root
    )
    branches = Organization.objects.filter(
        kind__in=BRANCH_KINDS, secretary__isnull=False, status="active"
    ).order_by("path")
    branch = (
        branches.filter(unit_type=UnitType.VILLAGE, **prefix_range("path", county.path)).first()
        or branches.first()
    )
    member = None
    if branch is not None:
        member = (
            Member.objects.filter(org=branch, leave_status=LeaveStatus.ON_ROLLS, user__isnull=True)
            .exclude(pk=branch.secretary_id)
            .order_by("-id")
            .first()
        )
    return {"root": root, "county": county, "branch": branch, "member": member}


def _grant(user, role: str, org) -> None:
    if org is not None:
        RoleAssignment.objects.get_or_create(user=user, role=role, org=org)


def demo_logins(
    ph: Phase | None = None, *, reset_only: bool = False, passwords: PasswordBatch | None = None
) -> list[Login]:
    """Create (or, with reset_only, find) the demo users and give each a new password.

    With reset_only, users that exist keep their roles and links and only get a new password;
    missing ones are created as in a fresh build.
    """
    user_model = get_user_model()
    targets = _demo_targets()
    logins = []
    if passwords is None:
        passwords = PasswordBatch(len(DEMO_USERNAMES), threads=os.cpu_count() or 1)
    pairs = passwords.pairs()
    with transaction.atomic():
        for username, (password, hashed) in zip(DEMO_USERNAMES, pairs, strict=True):
            user = user_model.objects.filter(username=username).first()
            fresh = user is None
            if fresh:
                user = user_model(username=username)
            if fresh or not reset_only or username in DEMO_ADMINS:
                _configure(user, username, targets)
            user.password = hashed
            user.password_changed_at = timezone.now()  # a fresh password: not expired
            user.must_change_password = False
            user.save()
            # Fresh logins: no lockout left over, and administrators enrol an authenticator
            # app (TOTP) at their first login, the page showing its QR code and secret.
            TOTPDevice.objects.filter(user=user).delete()
            AccessAttempt.objects.filter(username=username).delete()
            if fresh or not reset_only:
                _bind(user, username, targets)
            logins.append(Login(username, password, _describe(user)))
            if ph is not None:
                ph.advance()
    return logins


def _configure(user, username: str, targets: dict) -> None:
    user.is_active = True
    user.is_superuser = user.is_staff = False
    user.admin_role = DEMO_ADMINS.get(username, "")
    branch, member = targets.get("branch"), targets.get("member")
    names = {
        "admin": "市委组织部管理员",
        "county": f"{targets['county'].unit_name}管理员" if targets.get("county") else "",
        "viewer": "市委组织部（只读）",
        "sysadmin": "系统管理员",
        "secadmin": "安全管理员",
        "auditor": "审计管理员",
        "secretary": branch.secretary.name if branch is not None else "",
        "member": member.name if member is not None else "",
    }
    user.display_name = names.get(username, "")


def _bind(user, username: str, targets: dict) -> None:
    if username == "admin":
        _grant(user, Role.ADMIN, targets.get("root"))
        perm = Permission.objects.get(
            codename="unmask_personal_data", content_type__app_label="members"
        )
        user.user_permissions.add(perm)
    elif username == "county":
        _grant(user, Role.ADMIN, targets.get("county"))
    elif username == "viewer":
        _grant(user, Role.VIEWER, targets.get("root"))
    elif username == "secretary" and targets.get("branch") is not None:
        branch = targets["branch"]
        _grant(user, Role.SECRETARY, branch)
        Member.objects.filter(pk=branch.secretary_id, user__isnull=True).update(user=user)
    elif username == "member" and targets.get("member") is not None:
        Member.objects.filter(pk=targets["member"].pk, user__isnull=True).update(user=user)


# --------------------------------------------------------------------------------------------
# What was built


def summary() -> dict:
    """Counts by kind and category, from the database."""
    kinds = dict(Organization.objects.values_list("kind").annotate(n=Count("id")).order_by())
    grassroots = {OrgKind.PRIMARY, OrgKind.GENERAL_BRANCH, *BRANCH_KINDS}
    categories = dict(
        Organization.objects.filter(kind__in=grassroots)
        .values_list("category")
        .annotate(n=Count("id"))
        .order_by()
    )
    units = dict(
        Organization.objects.filter(kind__in=grassroots)
        .exclude(parent__kind__in=grassroots)
        .values_list("unit_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "kinds": kinds,
        "grassroots": sum(n for k, n in kinds.items() if k in grassroots),
        "categories": categories,
        "units": units,
        "members": Member.objects.count(),
        "probationary": Member.objects.filter(membership="probationary").count(),
    }


def digest() -> str:
    """A fingerprint of the generated records (not of ids or timestamps): equal for equal
    seeds, scales and dates."""
    h = hashlib.sha256()
    orgs = Organization.objects.order_by("path").values_list(
        "path",
        "name",
        "short_name",
        "kind",
        "category",
        "unit_type",
        "unit_name",
        "founded_on",
        "term_started_on",
        "term_years",
        "contact_name",
        "contact_phone",
        "secretary__id_number",
    )
    for row in orgs.iterator(5000):
        h.update(repr(row).encode())
    # ID numbers are stored encrypted: the rows are put in their order here, not by the database.
    members = Member.objects.order_by().values_list(
        "id_number",
        "name",
        "name_pinyin",
        "name_initials",
        "sex",
        "ethnicity",
        "birth_date",
        "education",
        "occupation",
        "org__path",
        "join_date",
        "full_member_date",
        "job",
        "phone",
        "address",
        "standing",
        "is_lost_contact",
        "lost_contact_since",
        "is_mobile",
        "mobile_destination",
        "membership",
    )
    for row in sorted(members.iterator(5000)):
        h.update(repr(row).encode())
    changes = StatusChange.objects.order_by().values_list(
        "member__id_number", "field", "old_value", "new_value", "effective_on", "reason"
    )
    for row in sorted(changes.iterator(5000)):
        h.update(repr(row).encode())
    return h.hexdigest()
