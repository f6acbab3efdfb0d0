"""Durability: the judgement of the database's settings, the real settings of both engines, and
the commands that refuse to start on a database that is not crash-safe."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from jiceng.core import durability

ON = {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on"}

on_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="PostgreSQL only"
)
on_sqlite = pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"], reason="SQLite only"
)


def test_postgres_all_on_is_durable():
    assert durability.judge_postgres(ON) == []
    for value in ("local", "remote_write", "remote_apply", " ON "):
        assert durability.judge_postgres({**ON, "synchronous_commit": value}) == []


@pytest.mark.parametrize("name", ["fsync", "full_page_writes", "synchronous_commit"])
@pytest.mark.parametrize("value", ["off", "", "OFF"])
def test_postgres_any_one_off_is_refused(name, value):
    problems = durability.judge_postgres({**ON, name: value})
    assert len(problems) == 1 and name in problems[0]


def test_postgres_missing_values_are_refused():
    assert len(durability.judge_postgres({})) == 3


def test_sqlite_judgement():
    assert durability.judge_sqlite("wal", 2) == []
    assert durability.judge_sqlite("WAL", 3) == []
    assert durability.judge_sqlite("wal", 1) == [
        "SQLite synchronous is NORMAL; it must be FULL (2) or EXTRA (3)"
    ]
    assert len(durability.judge_sqlite("delete", 0)) == 2


@on_sqlite
def test_sqlite_connections_are_wal_and_synchronous_full(tmp_path, django_db_blocker):
    """A connection made with the settings' options to a database file (the test database is
    in memory, where journal modes do not apply)."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    config = {**connection.settings_dict, "NAME": str(tmp_path / "db.sqlite3")}
    wrapper = DatabaseWrapper(config, alias="durability-probe")
    with django_db_blocker.unblock():
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("PRAGMA synchronous")
                assert cursor.fetchone()[0] == 2  # FULL
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
            assert durability.problems(wrapper) == []
            with wrapper.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")  # what settings.py used to say
            assert durability.problems(wrapper) == [
                "SQLite synchronous is NORMAL; it must be FULL (2) or EXTRA (3)"
            ]
        finally:
            wrapper.close()


@on_postgres
def test_the_suites_postgres_server_is_durable(db):
    """The real SHOW values of the server the suite runs on (scripts/pg.sh keeps the defaults)."""
    values = durability.read_postgres(connection)
    assert set(values) == {"fsync", "full_page_writes", "synchronous_commit"}
    assert durability.problems(connection) == [], values
    assert durability.durability_check(databases=["default"]) == []


@on_postgres
def test_a_session_without_synchronous_commit_is_refused_by_the_commands(db, settings):
    """synchronous_commit is the one setting a session may change: turned off for real on
    this connection, the check and the commands that start the platform refuse it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        [error] = durability.durability_check(databases=["default"])
        assert error.id == "core.E010" and "synchronous_commit is 'off'" in error.msg
        with pytest.raises(SystemCheckError, match="core.E010"):
            call_command("worker", "--batch", "--no-startup-delay", skip_checks=False)
        with pytest.raises(SystemCheckError, match="core.E010"):
            call_command("serve", "--no-worker", skip_checks=False)
        with pytest.raises(SystemCheckError, match="core.E010"):
            call_command("check", "--database", "default")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = on")


def test_serve_and_worker_run_the_database_checks():
    from jiceng.core.management.commands import serve, worker

    for command in (serve.Command(), worker.Command()):
        kwargs = command.get_check_kwargs({"skip_checks": False})
        assert kwargs["databases"] == ["default"]
