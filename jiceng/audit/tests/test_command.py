import io

import pytest
from django.core.management import base, call_command
from django.core.management.base import CommandError
from django.db import connection

from jiceng.audit import services
from jiceng.audit.management.commands.audit import Command
from jiceng.audit.models import AuditEvent


@pytest.fixture
def run(monkeypatch):
    """Run as `jiceng audit …` does, through run_from_argv; return (exit status, output).
    run_from_argv closes every connection when done: not the test's, here."""
    monkeypatch.setattr(base.connections, "close_all", lambda: None)

    def run(*args):
        command = Command(stdout=io.StringIO(), stderr=io.StringIO())
        try:
            command.run_from_argv(["jiceng", "audit", *args])
        except SystemExit as exit_:
            return exit_.code, command.stdout._out.getvalue() + command.stderr._out.getvalue()
        return 0, command.stdout._out.getvalue()

    return run


@pytest.fixture
def log(city):
    for n in range(3):
        services.record("export", actor=city.viewer, data={"rows": n})


def test_verify_ok(log, run):
    assert run("verify") == (0, "OK: 3 rows\n")


def test_verify_tampered_exits_1(log, run):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET data = '{}' WHERE seq = 2")
    status, output = run("verify")
    assert status == 1
    assert "#2 altered" in output and "1 problems in 3 rows" in output
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_head_then_verify_against_it(log, run):
    status, output = run("head")
    noted = output.strip()
    assert status == 0 and noted.startswith("3:")
    assert run("verify", "--head", noted)[0] == 0
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 3")
    assert run("verify")[0] == 0
    assert run("verify", "--head", noted)[0] == 1


def test_purge_command(log, run):
    status, output = run("purge", "--older-than-days", "90")
    assert status == 1 and "180" in output
    assert run("purge", "--older-than-days", "180") == (0, "purged 0 audit rows\n")
    purge = AuditEvent.objects.get(event="audit_purge")
    assert purge.data["command"] == "jiceng audit purge"
    assert run("verify") == (0, "OK: 4 rows\n")
