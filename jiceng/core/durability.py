"""Durability: a write the platform has confirmed must survive a crash or a power cut.

PostgreSQL must run with `fsync`, `full_page_writes` and `synchronous_commit` on (any value of
synchronous_commit but `off`: `local`, `remote_write` and `remote_apply` flush the local WAL
too). With fsync or full_page_writes off a crash can corrupt the whole cluster; with
synchronous_commit off it loses the last commits the users were told were saved.

SQLite must run in WAL mode with `synchronous=FULL` (or EXTRA): settings.py sets both on every
connection. In WAL mode NORMAL is safe against corruption but can lose the last commits on a
power cut, which a records system may not.

The judgement is pure (`judge_postgres`, `judge_sqlite`); `problems(connection)` reads the real
values from a connection. It runs as a system check tagged "database", so `jiceng migrate`,
`jiceng check --database default`, `jiceng serve` and `jiceng worker` refuse to go on with a
database that is not durable (the web and worker commands run the database checks before they
start; see jiceng.core.management.commands).
"""

from collections.abc import Mapping

from django.core.checks import Error, Tags, register
from django.db import connections

POSTGRES_SETTINGS = ("fsync", "full_page_writes", "synchronous_commit")
SQLITE_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def judge_postgres(values: Mapping[str, str]) -> list[str]:
    """What is wrong with these `SHOW` values (an empty list: durable)."""
    out = []
    for name in ("fsync", "full_page_writes"):
        value = str(values.get(name, "")).strip().lower()
        if value != "on":
            out.append(f"PostgreSQL {name} is {value or 'unknown'!r}; it must be 'on'")
    value = str(values.get("synchronous_commit", "")).strip().lower()
    if value not in ("on", "local", "remote_write", "remote_apply"):
        out.append(
            f"PostgreSQL synchronous_commit is {value or 'unknown'!r}; it must be 'on' "
            "(or local, remote_write, remote_apply)"
        )
    return out


def judge_sqlite(journal_mode: str, synchronous: int) -> list[str]:
    """What is wrong with these PRAGMA values (an empty list: durable)."""
    out = []
    if str(journal_mode).lower() != "wal":
        out.append(f"SQLite journal_mode is {journal_mode!r}; it must be 'wal'")
    if int(synchronous) < 2:
        name = SQLITE_SYNCHRONOUS.get(int(synchronous), str(synchronous))
        out.append(f"SQLite synchronous is {name}; it must be FULL (2) or EXTRA (3)")
    return out


def read_postgres(connection) -> dict[str, str]:
    with connection.cursor() as cursor:
        values = {}
        for name in POSTGRES_SETTINGS:
            cursor.execute(f"SHOW {name}")  # names from the constant above, not user input
            values[name] = cursor.fetchone()[0]
    return values


def read_sqlite(connection) -> tuple[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
    return journal_mode, int(synchronous)


def problems(connection) -> list[str]:
    """What is wrong with the durability of this connection's database ([] for other engines:
    they are not supported)."""
    if connection.vendor == "postgresql":
        return judge_postgres(read_postgres(connection))
    if connection.vendor == "sqlite":
        if connection.settings_dict["NAME"] in ("", ":memory:") or connection.is_in_memory_db():
            return []  # an in-memory test database has nothing to lose
        return judge_sqlite(*read_sqlite(connection))
    return []


@register(Tags.database)
def durability_check(app_configs=None, databases=None, **kwargs):
    errors = []
    for alias in databases or ():
        for problem in problems(connections[alias]):
            errors.append(
                Error(
                    f"Database {alias!r} is not crash-safe: {problem}.",
                    hint=(
                        "Turn it on in postgresql.conf (fsync = on, full_page_writes = on, "
                        "synchronous_commit = on) and reload PostgreSQL; for SQLite keep "
                        "settings.py's PRAGMAs. See docs/operations.md."
                    ),
                    id="core.E010",
                )
            )
    return errors
