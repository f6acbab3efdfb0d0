"""Pure functions of the audit chain: canonical form, keyed hash, masking of `data`.

    hash(row) = HMAC-SHA256(key, prev_hash + canonical JSON of the row's other columns)

The canonical JSON sorts keys, has no whitespace, keeps non-ASCII characters, writes the time
in UTC with microseconds and the user as its id. `data` is first made plain (`plain()`) so that
what the database gives back is exactly what was hashed, on SQLite (JSON text) as on
PostgreSQL (jsonb, which would rewrite 1e+16 as 10000000000000000 and refuses NaN and NUL).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
from collections.abc import Mapping

from jiceng.core.masking import PERSONAL_FIELDS, mask

GENESIS = "0" * 64  # prev_hash of the first row ever written

# Every column the hash covers, in the canonical object (sort_keys orders them anyway).
FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "role",
    "scope",
    "ip",
    "request_id",
    "event",
    "object_type",
    "object_id",
    "object_repr",
    "outcome",
    "data",
    "prev_hash",
)

_FLOAT_LIMIT = 1e15  # beyond this jsonb may print a float as an integer


def plain(value):
    """`value` as JSON-safe types that survive a round trip through either database unchanged:
    dict keys and unknown types become strings, tuples and sets lists, awkward floats strings."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float):
        if math.isfinite(value) and abs(value) < _FLOAT_LIMIT:
            return value
        return repr(value)
    if isinstance(value, Mapping):
        return {plain(str(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=repr)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return plain(str(value))


def mask_personal(value, key: str | None = None):
    """`value` with every string under a personal-data key (id_number, phone, address) masked,
    at any depth: {"before": {"phone": "13800001234"}} → {"before": {"phone": "138****1234"}}."""
    if isinstance(value, dict):
        return {k: mask_personal(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_personal(v, key) for v in value]
    if key in PERSONAL_FIELDS and isinstance(value, str):
        return mask(key, value)
    return value


def format_time(at: dt.datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit times are timezone-aware")
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(row: Mapping) -> bytes:
    """The bytes the hash covers: every column of FIELDS except prev_hash (prepended)."""
    body = {name: row[name] for name in FIELDS if name != "prev_hash"}
    body["at"] = format_time(body["at"])
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def digest(key: bytes, row: Mapping) -> str:
    return hmac.new(key, row["prev_hash"].encode() + canonical(row), hashlib.sha256).hexdigest()


def snapshot(instance, fields) -> dict:
    """{field: value} of a model instance, foreign keys as their id ("org" → org_id's value),
    for the before/after of an update event. Personal fields are masked by record()."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = getattr(instance, field.attname)
    return plain(values)


def changes(before: Mapping, after: Mapping) -> dict:
    """{"before": {...}, "after": {...}} restricted to the keys whose values differ."""
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {
        "before": {k: before.get(k) for k in keys},
        "after": {k: after.get(k) for k in keys},
    }
