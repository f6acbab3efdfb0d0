"""An import killed with SIGKILL at random points leaves the database exactly as it was, and
running it again imports every row once.

The import runs as a real `jiceng import` process against a database of its own (a fresh
SQLite file, or a fresh PostgreSQL database on the server the suite runs against), because
a killed process is the only honest test of "nothing half-written".
"""

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

from django.conf import settings

from jiceng.core import bulk, idnumber
from jiceng.core.testing import GIVEN, SURNAMES

from .sheetfiles import MEMBER_HEADERS, ORG_HEADERS, xlsx

ROWS = 20_000
BRANCHES = 20


def _org_row(**values) -> list:
    row = dict.fromkeys(ORG_HEADERS, "")
    row.update(values)
    return [row[h] for h in ORG_HEADERS]


def _files(tmp: Path) -> tuple[Path, Path]:
    orgs = [
        ORG_HEADERS,
        _org_row(
            党组织名称="测试市委", 党组织类型="市委", 组织类别="其他", 所在单位情况="行政区域"
        ),
        _org_row(
            党组织名称="测试县委",
            上级党组织="测试市委",
            党组织类型="县(市、区)委",
            组织类别="其他",
            所在单位情况="行政区域",
        ),
    ]
    orgs += [
        _org_row(
            党组织名称=f"测试第{i}党支部",
            上级党组织="测试县委",
            党组织类型="党支部",
            组织类别="农村",
            所在单位情况="行政村",
        )
        for i in range(BRANCHES)
    ]
    rows = [MEMBER_HEADERS]
    for i in range(ROWS):
        born = date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
        rows.append(
            [
                SURNAMES[i % len(SURNAMES)]
                + GIVEN[(i * 7) % len(GIVEN)]
                + GIVEN[(i // 3) % len(GIVEN)],
                "",
                "汉族",
                idnumber.make("440803", born, (i // 2100) % 1000),
                "",
                "大学本科",
                "农牧渔民",
                f"测试第{i % BRANCHES}党支部",
                date(born.year + 25, 7, 1).isoformat(),
                date(born.year + 26, 7, 1).isoformat(),
                "",
                f"139{i:08d}",
                "",
                "正常",
                "否",
                "",
                "否",
                "",
                "",
            ]
        )
    org_file, member_file = tmp / "orgs.xlsx", tmp / "members.xlsx"
    org_file.write_bytes(xlsx(("组织", orgs)))
    member_file.write_bytes(xlsx(("党员", rows)))
    return org_file, member_file


class Database:
    """A database of the suite's engine that a child process can use."""

    def __init__(self, tmp: Path):
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env.update(JICENG_DATA_DIR=str(tmp), JICENG_LOG_LEVEL="ERROR")
        db = settings.DATABASES["default"]
        self.vendor = "postgresql" if "postgresql" in db["ENGINE"] else "sqlite"
        if self.vendor == "sqlite":
            self.path = tmp / "jiceng.sqlite3"
            return
        import psycopg

        self.params = {
            "host": db["HOST"],
            "port": db["PORT"],
            "user": db["USER"],
            "password": db["PASSWORD"],
        }
        self.name = f"jiceng_kill_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
        self.env["DATABASE_URL"] = f"postgres://{auth}{db['HOST']}:{db['PORT']}/{self.name}"
        self.env["JICENG_CONN_MAX_AGE"] = "0"

    def query(self, sql: str) -> list[tuple]:
        if self.vendor == "sqlite":
            import sqlite3

            with sqlite3.connect(self.path) as conn:
                return conn.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(dbname=self.name, **self.params) as conn:
            return conn.execute(sql).fetchall()

    def drop(self) -> None:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def state(self) -> tuple:
        return (
            self.query(
                "SELECT count(*), count(DISTINCT id_number), min(id_number), max(id_number) "
                "FROM members_member"
            ),
            self.query("SELECT count(*) FROM members_statuschange"),
            self.query("SELECT org_id, counts FROM orgs_orgstats ORDER BY org_id"),
            self.query("SELECT count(*) FROM orgs_organization"),
            self.schema(),
        )

    def write_locked(self) -> bool:
        """Whether another process (the import) holds the member table for writing: it is
        inside its transaction and has begun to write."""
        if self.vendor == "sqlite":
            import sqlite3

            conn = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                return True
            finally:
                conn.close()
        return bool(
            self.query(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'members_member' AND l.mode = 'AccessExclusiveLock'"
            )[0][0]
        )

    def schema(self) -> list[tuple]:
        """The member table's indexes and constraints: an import of ROWS new members drops
        and rebuilds them (jiceng.core.bulk.deferred_indexes)."""
        if self.vendor == "sqlite":
            return self.query(
                "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'members_member' ORDER BY 1"
            )
        return self.query(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'members_member'"
            " UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'members_member'::regclass ORDER BY 1, 2"
        )


def jiceng(db: Database, *args: str, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "jiceng.cli", *args],
        env=db.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def finish(proc) -> str:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, out + err
    return out


def kill_after(proc, seconds: float, *, once_writing: Database | None = None) -> None:
    """SIGKILL the process `seconds` after it starts, or after it has begun writing into
    `once_writing` (it holds the member table's write lock inside its transaction)."""
    if once_writing:
        deadline = time.monotonic() + 120
        while not once_writing.write_locked():
            assert proc.poll() is None, "the import ended without writing"
            assert time.monotonic() < deadline, "the import never began writing"
            time.sleep(0.01)
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


def test_killed_imports_leave_nothing_and_a_rerun_imports_every_row_once(tmp_path):
    db = Database(tmp_path)
    try:
        finish(jiceng(db, "migrate", "--noinput", "-v", "0"))
        org_file, member_file = _files(tmp_path)
        finish(jiceng(db, "import", str(org_file)))
        before = db.state()
        assert ROWS >= bulk.DEFER_MIN_ROWS  # the load rebuilds the indexes: killed mid-way too
        rng = random.Random(20171225)
        # While reading and checking, then twice inside the write transaction: new members
        # are written while the rest of the file is still being checked, and a 20,000-row
        # import holds its transaction for over a second (the checks of those rows).
        kills = [(rng.uniform(0.3, 1.5), None)]
        kills += [(rng.uniform(0.0, 0.4), db) for _ in range(2)]
        for seconds, writing in kills:
            proc = jiceng(db, "import", str(member_file))
            kill_after(proc, seconds, once_writing=writing)
            assert proc.returncode == -signal.SIGKILL, "the import ended before it was killed"
            assert db.state() == before
        out = finish(jiceng(db, "import", str(member_file)))
        assert f"{ROWS} new" in out
        after = db.state()
        assert after[0] == [(ROWS, ROWS, after[0][0][2], after[0][0][3])]
        again = finish(jiceng(db, "import", str(member_file)))
        assert f"0 new, 0 changed, {ROWS} unchanged" in again
        assert db.state() == after
        finish(jiceng(db, "rollups", "--check"))
    finally:
        db.drop()
