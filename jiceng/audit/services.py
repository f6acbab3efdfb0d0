"""Every write to the audit log, and its verification.

    record(event, *, actor=None, request=None, obj=None, outcome="ok", data=None, durable=False)
    verify(*, expect_head=None, max_problems=None) -> list[Problem]    (streams the rows)
    iter_problems(...) -> Iterator[Problem]                            (the same, lazily)
    purge(older_than_days, *, actor=None, request=None, data=None) -> int

    register_events(code=label, ...)                                 an app's own event codes
    record_change(event, *, actor, obj, before, after, data=None)    a service's create/update/
                                                                     delete, from snapshot()s
    note_denied(request=None, *, obj=None, **details)                a refusal, written once per
                                                                     request by AuditMiddleware
    current_request()                                                what record() falls back on

## The request without passing it

`middleware.AuditMiddleware` binds the request being served to a context variable
(`bound_request`). record() called without `request` uses it: client IP, request id, and the
user when `actor` is None. So a service deep under a view or an API endpoint records its event
with the full request context although its signature never mentions the request; outside a
request (a command, the import worker) the columns are left empty.

## Transactions: which rows survive a rollback

`record()` joins the caller's transaction when there is one. The audit row then commits or
rolls back with the change it describes, which is right for create/update/delete/move events:
a rolled-back change never happened. Call `record()` as the *last* statement of the atomic
block: it takes the append lock (below), which is held until the outermost commit.

Events that must be kept although the action failed or was refused (denied access, failed
login, lockout, failed import) are recorded *outside* any atomic block, after it has been left
(e.g. in the view that caught PermissionDenied or ValidationError). Pass `durable=True` to make
that a checked promise: record() then raises RuntimeError if it is called inside an atomic
block, instead of silently writing a row that the caller's rollback would take away. (A second
database connection would not help on SQLite: it would wait for the write lock the caller's
IMMEDIATE transaction holds.)

## The append lock

A row's hash covers the previous row's hash, so appends are serialised: on PostgreSQL by
`pg_advisory_xact_lock(AUDIT_LOCK)` (released at commit or rollback), on SQLite by the
IMMEDIATE transactions of the settings (one writer at a time). `seq` is the primary key, so even
a misconfigured database cannot fork the chain: the second writer fails with IntegrityError.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import NotSupportedError, connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core import scope

from . import chain
from .models import EVENTS, AuditEvent, Outcome

AUDIT_LOCK = 0x6A6963656E67  # pg_advisory_xact_lock key of the audit chain ("jiceng")
MIN_RETENTION_DAYS = 180  # 等保 level 3: audit records kept at least six months
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_REQUEST: ContextVar = ContextVar("jiceng_audit_request", default=None)

snapshot = chain.snapshot  # {field: value} of an instance, for record_change's before/after


# --- configuration -------------------------------------------------------------------------


def chain_key() -> bytes:
    """The HMAC key of the chain: settings.JICENG_AUDIT_KEY or the JICENG_AUDIT_KEY variable.

    Production MUST set it, to a random secret kept away from the database (whoever holds the
    key and write access to the table can forge a consistent chain). Without it the key is
    derived from SECRET_KEY, good for development and tests only; changing either key makes
    every existing row fail verification.
    """
    configured = getattr(settings, "JICENG_AUDIT_KEY", None) or os.environ.get("JICENG_AUDIT_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    return hmac.new(settings.SECRET_KEY.encode(), b"jiceng.audit.chain", hashlib.sha256).digest()


def retention_days() -> int:
    """Days audit rows are kept at least: JICENG_AUDIT_RETENTION_DAYS, never below 180."""
    configured = getattr(settings, "JICENG_AUDIT_RETENTION_DAYS", None) or os.environ.get(
        "JICENG_AUDIT_RETENTION_DAYS"
    )
    return max(MIN_RETENTION_DAYS, int(configured or MIN_RETENTION_DAYS))


def _trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """JICENG_TRUSTED_PROXIES (setting: list of addresses/CIDRs; or a comma-separated
    environment variable): the reverse proxies whose X-Forwarded-For is believed."""
    configured = getattr(settings, "JICENG_TRUSTED_PROXIES", None)
    if configured is None:
        configured = os.environ.get("JICENG_TRUSTED_PROXIES", "")
    if isinstance(configured, str):
        configured = configured.split(",")
    return [ipaddress.ip_network(p.strip(), strict=False) for p in configured if p.strip()]


# --- the request being served -------------------------------------------------------------


def current_request():
    """The request this thread (or task) is serving, bound by AuditMiddleware; else None."""
    return _REQUEST.get()


@contextmanager
def bound_request(request):
    """Make `request` what record() falls back on inside the block (AuditMiddleware)."""
    token = _REQUEST.set(request)
    try:
        yield request
    finally:
        _REQUEST.reset(token)


# --- request details -----------------------------------------------------------------------


def _address(text: str | None):
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def client_ip(request) -> str:
    """REMOTE_ADDR, unless that peer is a trusted proxy: then the right-most address of
    X-Forwarded-For that is not itself a trusted proxy (entries left of it are client-made)."""
    peer = _address(request.META.get("REMOTE_ADDR"))
    trusted = _trusted_proxies()
    if peer is not None and trusted and any(peer in net for net in trusted):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break
            peer = address
            if not any(address in net for net in trusted):
                break
    return str(peer) if peer is not None else ""


def request_id(request) -> str:
    """The request's correlation id: `request.request_id`, else a well-formed X-Request-ID
    header, else a new UUID; stored on the request so every row of one request shares it."""
    rid = getattr(request, "request_id", None)
    if not rid:
        supplied = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = supplied if _REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex
        request.request_id = rid
    return str(rid)[:64]


def role_and_scope(user) -> tuple[str, str]:
    """("admin,viewer", "admin@0001 湛江市; viewer@00010002 赤坎区") for the user's active
    grants, as they are when the event happens; cached on the user object like its grants."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "", ""
    cached = getattr(user, "_jiceng_audit_role_scope", None)
    if cached is not None:
        return cached
    from jiceng.orgs.models import Organization

    pairs = sorted(set(scope.grants(user)), key=lambda pair: (pair[1], pair[0]))
    roles = sorted({role for role, _path in pairs})
    if user.is_superuser:
        roles.insert(0, "superuser")
    if getattr(user, "admin_role", ""):  # "system_admin" | "security_admin" | "audit_admin"
        roles.insert(0, f"{user.admin_role}_admin")
    names = dict(
        Organization.objects.filter(path__in={path for _role, path in pairs}).values_list(
            "path", "name"
        )
    )
    scope_text = "; ".join(f"{role}@{path} {names.get(path, '')}".rstrip() for role, path in pairs)
    user._jiceng_audit_role_scope = (",".join(roles), scope_text)
    return user._jiceng_audit_role_scope


def _describe(obj) -> tuple[str, str, str]:
    """(object_type, object_id, object_repr) of a model instance, or of a 3-tuple given as is
    for what is not a model (("setting", "JICENG_X", "…"), ("file", sha256, name))."""
    if obj is None:
        return "", "", ""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, "" if obj.pk is None else str(obj.pk), str(obj)
    object_type, object_id, object_repr = obj
    return str(object_type), str(object_id), str(object_repr)


# --- writing -------------------------------------------------------------------------------


def _lock(using: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK])
    elif connection.vendor != "sqlite":  # SQLite: the IMMEDIATE transaction is the lock
        raise NotSupportedError(f"the audit chain has no append lock for {connection.vendor}")


def _clip(text, length: int) -> str:
    return chain.plain(str(text or ""))[:length]


def record(
    event: str,
    *,
    actor=None,
    request=None,
    obj=None,
    outcome: str = Outcome.OK,
    data: dict | None = None,
    durable: bool = False,
) -> AuditEvent:
    """Append one event to the chain and return it.

    actor    the user acting; default request.user when authenticated; None = the system
    request  gives the client IP, the request id and (without actor) the user; default the
             request being served (current_request()), None outside a request
    obj      the model instance acted on, or (object_type, object_id, object_repr)
    outcome  "ok" | "denied" | "failed"
    data     details: {"before": {...}, "after": {...}}, filters, row counts, file hashes, a
             reason… Values under id_number/phone/address are masked at any depth; never put
             a raw personal value under another key.
    durable  the row must survive whatever the caller does next: refuse to run inside an
             atomic block (see the module docstring)
    """
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    if outcome not in Outcome.values:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    if request is None:
        request = current_request()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None  # AnonymousUser
    role, scope_text = role_and_scope(actor)
    object_type, object_id, object_repr = _describe(obj)
    row = AuditEvent(
        user_id=actor.pk if actor is not None else None,
        username=_clip(actor.get_username() if actor is not None else "", 150),
        role=_clip(role, 10_000),
        scope=_clip(scope_text, 10_000),
        ip=client_ip(request) if request is not None else "",
        request_id=_clip(request_id(request), 64) if request is not None else "",
        event=event,
        object_type=_clip(object_type, 64),
        object_id=_clip(object_id, 64),
        object_repr=_clip(object_repr, 200),
        outcome=str(outcome),
        data=chain.mask_personal(chain.plain(data or {})),
    )
    key = chain_key()
    using = router.db_for_write(AuditEvent)
    with transaction.atomic(using=using, durable=durable):
        _lock(using)
        head = AuditEvent.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
        row.seq, row.prev_hash = (head[0] + 1, head[1]) if head else (1, chain.GENESIS)
        row.at = timezone.now()
        row.hash = chain.digest(key, _columns(row))
        row._append(using)
    if event == "denied" and request is not None:
        request._jiceng_audit_denied = True  # AuditMiddleware adds no second row
    return row


def register_events(**labels) -> None:
    """Add an app's event codes, from its AppConfig.ready():
    `register_events(dues_paid=gettext_lazy("dues paid"))`. A code keeps its first label."""
    for code, label in labels.items():
        if len(code) > AuditEvent._meta.get_field("event").max_length:
            raise ValueError(f"audit event code too long: {code!r}")
        EVENTS.setdefault(code, label)


def record_change(
    event: str,
    *,
    actor=None,
    obj,
    before: dict | None = None,
    after: dict | None = None,
    data: dict | None = None,
    request=None,
) -> AuditEvent:
    """Record that a service created (before=None), changed (both: only the fields whose
    values differ are kept) or deleted (after=None) `obj`. Take both with snapshot():

        before = audit.snapshot(thing, FIELDS)
        ... change and save thing ...
        audit.record_change("thing_update", actor=actor, obj=thing,
                            before=before, after=audit.snapshot(thing, FIELDS))

    as the last statement of the service's atomic block. `data` adds details (a reason…).
    """
    if before is None:
        details = {"after": dict(after or {})}
    elif after is None:
        details = {"before": dict(before)}
    else:
        details = chain.changes(before, after)
    return record(event, actor=actor, request=request, obj=obj, data={**details, **(data or {})})


def note_denied(request=None, *, obj=None, **details) -> None:
    """Mark the request being served as refused: AuditMiddleware writes one "denied" row for
    it as the response leaves, outside any transaction (a rollback cannot take it away).

    `obj` is what was asked for (an instance, or (object_type, object_id, "") for an id that
    is not visible); `details` say why (action="change", reason="not_visible"…; never a raw
    personal value). The first note of a request wins, so a scoped getter's specific note is
    kept over the generic one of the 403/404 handler. Outside a request nothing is noted.
    """
    request = request if request is not None else current_request()
    if request is None or getattr(request, "_jiceng_audit_denial", None) is not None:
        return
    request._jiceng_audit_denial = (obj, {k: v for k, v in details.items() if v not in (None, "")})


def record_denied(request, status: int) -> AuditEvent | None:
    """The "denied" row of a refused request, written by AuditMiddleware after the response.

    Recorded: a request noted with note_denied (a 404 of a scoped getter, a PermissionDenied),
    any other 403, and a 401 of a request that presented credentials (a bad API token). Not
    recorded: an anonymous user's redirect to the login page, a 401 without credentials, an
    unknown URL; nor a refusal already recorded with record("denied", request=…).
    """
    if getattr(request, "_jiceng_audit_denied", False):
        return None
    noted = getattr(request, "_jiceng_audit_denial", None)
    if noted is None:
        credentials = request.META.get("HTTP_AUTHORIZATION", "").strip()
        if status == 403:
            noted = (None, {})
        elif status == 401 and credentials:
            scheme = credentials.split(None, 1)[0] if " " in credentials else ""
            scheme = scheme if scheme.isalpha() and len(scheme) <= 20 else ""  # never the token
            noted = (None, {"reason": "bad_credentials", "scheme": scheme})
        else:
            return None
    obj, details = noted
    data = {"method": request.method, "path": request.path[:500], "status": status, **details}
    return record(
        "denied", request=request, obj=obj, outcome=Outcome.DENIED, data=data, durable=True
    )


def _columns(row: AuditEvent) -> dict:
    return {name: getattr(row, name) for name in chain.FIELDS}


def purge(older_than_days: int, *, actor=None, request=None, data: dict | None = None) -> int:
    """Delete the audit rows older than `older_than_days` (at least retention_days()); return
    how many. Refuses a shorter period with ValueError.

    Removes a prefix of the chain: every row before the first one (in seq order) whose time is
    within the period, so only older rows go, and a row whose clock ran backwards is kept
    rather than leaving a hole. An "audit_purge" event, itself chained, records the new start
    (anchor_seq, anchor_prev_hash) that verify() accepts in place of the genesis row.

    The only deletion path of the audit log: one raw DELETE (the ORM refuses), in the same
    transaction as the purge event, never inside a caller's transaction.
    """
    minimum = retention_days()
    if older_than_days < minimum:
        raise ValueError(
            _("Audit records are kept at least %(days)d days; refusing to purge younger ones.")
            % {"days": minimum}
        )
    cutoff = timezone.now() - timedelta(days=older_than_days)
    using = router.db_for_write(AuditEvent)
    events = AuditEvent.objects.using(using)
    with transaction.atomic(using=using, durable=True):
        _lock(using)
        head = events.order_by("-seq").values_list("seq", "hash").first()
        first_kept = events.filter(at__gte=cutoff).order_by("seq").values_list(
            "seq", "prev_hash"
        ).first() or ((head[0] + 1, head[1]) if head else (1, chain.GENESIS))
        anchor_seq, anchor_prev_hash = first_kept
        deleted = events.filter(seq__lt=anchor_seq).count()
        record(
            "audit_purge",
            actor=actor,
            request=request,
            obj=("audit.auditevent", str(anchor_seq), f"before #{anchor_seq}"),
            data={
                **(data or {}),
                "older_than_days": older_than_days,
                "cutoff": cutoff,
                "deleted": deleted,
                "anchor_seq": anchor_seq,
                "anchor_prev_hash": anchor_prev_hash,
            },
        )
        if deleted:
            connection = connections[using]
            table = connection.ops.quote_name(AuditEvent._meta.db_table)
            column = connection.ops.quote_name(AuditEvent._meta.get_field("seq").column)
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE {column} < %s", [anchor_seq])
    return deleted


# --- verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What verify() found wrong at row `seq`.

    kind: "start"   the oldest row is neither row 1 nor a purge's recorded anchor
          "missing" rows absent between two rows (deleted, or renumbered)
          "link"    prev_hash is not the previous row's hash (a hash was rewritten)
          "altered" the row's columns no longer give its hash (edited, or forged without key)
          "head"    the expected newest row (expect_head) is absent or different
    """

    seq: int | None
    kind: str
    message: str

    def __str__(self) -> str:
        where = f"#{self.seq}" if self.seq is not None else "-"
        return f"{where} {self.kind}: {self.message}"


@dataclass
class Walk:
    """Progress of a walk: rows read so far and the newest (seq, hash) seen."""

    rows: int = 0
    last_seq: int | None = None
    last_hash: str | None = None


def _anchors(using: str) -> dict[int, set[str]]:
    """anchor_seq → accepted prev_hash values, from the (few) purge events."""
    found: dict[int, set[str]] = {}
    rows = (
        AuditEvent.objects.using(using).filter(event="audit_purge").values_list("data", flat=True)
    )
    for data in rows.iterator():
        if isinstance(data, dict) and "anchor_seq" in data:
            try:
                found.setdefault(int(data["anchor_seq"]), set()).add(str(data["anchor_prev_hash"]))
            except (KeyError, TypeError, ValueError):
                continue
    return found


def _rows(using: str, chunk: int) -> Iterator[dict]:
    """Every row in seq order, `chunk` at a time by key range (no long-lived cursor)."""
    columns = [*chain.FIELDS, "hash"]
    after = None
    while True:
        page = AuditEvent.objects.using(using).order_by("seq")
        if after is not None:
            page = page.filter(seq__gt=after)
        batch = list(page.values(*columns)[:chunk])
        yield from batch
        if len(batch) < chunk:
            return
        after = batch[-1]["seq"]


def iter_problems(
    *,
    expect_head: tuple[int, str] | None = None,
    walk: Walk | None = None,
    chunk: int = 5000,
) -> Iterator[Problem]:
    """Walk the chain in seq order, yielding each problem as it is found.

    A chain only proves the rows it still has: deleting the *newest* rows leaves a shorter,
    valid chain. Give `expect_head` = (seq, hash) of a row noted elsewhere (`jiceng audit head`
    sent to a log server, a signed report) to detect that too.
    """
    walk = walk if walk is not None else Walk()
    using = router.db_for_read(AuditEvent)
    key = chain_key()
    anchors = _anchors(using)
    for row in _rows(using, chunk):
        seq = row["seq"]
        if walk.last_seq is None:
            genesis = seq == 1 and row["prev_hash"] == chain.GENESIS
            if not genesis and row["prev_hash"] not in anchors.get(seq, ()):
                yield Problem(
                    seq,
                    "start",
                    _(
                        "the log starts at row %(seq)d but no purge recorded that start: older "
                        "rows were deleted"
                    )
                    % {"seq": seq},
                )
        elif seq != walk.last_seq + 1:
            yield Problem(
                seq,
                "missing",
                _("rows %(first)d to %(last)d are missing")
                % {"first": walk.last_seq + 1, "last": seq - 1},
            )
        elif row["prev_hash"] != walk.last_hash:
            yield Problem(seq, "link", _("does not follow from the previous row's hash"))
        if not hmac.compare_digest(chain.digest(key, row), row["hash"]):
            yield Problem(seq, "altered", _("the row was changed after it was written"))
        if expect_head is not None and seq == expect_head[0] and row["hash"] != expect_head[1]:
            yield Problem(seq, "head", _("the expected row has a different hash"))
        walk.rows += 1
        walk.last_seq, walk.last_hash = seq, row["hash"]
    if expect_head is not None and (walk.last_seq is None or walk.last_seq < expect_head[0]):
        yield Problem(
            expect_head[0],
            "head",
            _("row %(seq)d was written but is gone: the newest rows were deleted")
            % {"seq": expect_head[0]},
        )


def verify(
    *, expect_head: tuple[int, str] | None = None, max_problems: int | None = None
) -> list[Problem]:
    """The problems of the whole chain ([] when intact); rows are streamed, not loaded."""
    problems = []
    for problem in iter_problems(expect_head=expect_head):
        problems.append(problem)
        if max_problems is not None and len(problems) >= max_problems:
            break
    return problems


def head() -> tuple[int, str] | None:
    """(seq, hash) of the newest row: note it outside the database to detect truncation."""
    return AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
