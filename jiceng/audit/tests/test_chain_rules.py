from datetime import UTC, datetime, timedelta, timezone

import pytest

from jiceng.audit import chain


def _row(**changes):
    row = {name: "" for name in chain.FIELDS}
    row.update(seq=1, at=datetime(2026, 1, 1, tzinfo=UTC), user_id=None, data={}, outcome="ok")
    row.update(changes)
    return row


def test_the_same_instant_in_any_zone_hashes_the_same():
    utc = datetime(2026, 1, 1, 4, 0, tzinfo=UTC)
    shanghai = utc.astimezone(timezone(timedelta(hours=8)))
    assert chain.digest(b"k", _row(at=utc)) == chain.digest(b"k", _row(at=shanghai))


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        chain.digest(b"k", _row(at=datetime(2026, 1, 1)))


def test_every_column_and_the_key_count():
    base = chain.digest(b"k", _row())
    assert chain.digest(b"other", _row()) != base
    assert chain.digest(b"k", _row(prev_hash="1" * 64)) != base
    for name in chain.FIELDS:
        if name not in ("at", "seq", "user_id", "data", "prev_hash"):
            assert chain.digest(b"k", _row(**{name: "x"})) != base, name
    assert chain.digest(b"k", _row(data={"a": 1})) != base
    assert chain.digest(b"k", _row(user_id=1)) != base


def test_key_order_does_not_matter():
    assert chain.digest(b"k", _row(data={"a": 1, "b": 2})) == chain.digest(
        b"k", _row(data={"b": 2, "a": 1})
    )


def test_changes_keeps_only_what_differs():
    before = {"name": "张三", "phone": "13800000000", "job": "a"}
    after = {"name": "张三", "phone": "13900000000", "job": "a", "address": "x"}
    assert chain.changes(before, after) == {
        "before": {"phone": "13800000000", "address": None},
        "after": {"phone": "13900000000", "address": "x"},
    }


def test_snapshot_of_a_member(city):
    values = chain.snapshot(city.member_a1, ["name", "org", "birth_date", "phone"])
    assert values == {
        "name": "张三",
        "org": city.branch_a1.pk,
        "birth_date": "1980-05-17",
        "phone": "13812345678",
    }
