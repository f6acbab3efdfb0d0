"""Encrypted backups: the archive format (round trip, every kind of tampering, the wrong key),
and a real backup and restore with the `jiceng` command on the suite's engine — a database of
its own (a SQLite file, or a scratch database on the suite's PostgreSQL server), never the
test database."""

import base64
import hashlib
import io
import os
import sqlite3
import struct
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from jiceng.core import backup
from jiceng.core.backup import BackupError

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def seal(data: bytes, key: bytes = KEY, chunk: int = 1024) -> bytes:
    out = io.BytesIO()
    backup.encrypt_stream(io.BytesIO(data), out, key, "sqlite", chunk_size=chunk)
    return out.getvalue()


def unseal(archive: bytes, key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    backup.decrypt_stream(io.BytesIO(archive), out, key)
    return out.getvalue()


def frames(archive: bytes) -> tuple[bytes, list[bytes]]:
    """The archive split into its header part and its frames."""
    length = struct.unpack(">I", archive[6:10])[0]
    pos = 10 + length
    head, out = archive[:pos], []
    while pos < len(archive):
        size = struct.unpack(">I", archive[pos + 1 : pos + 5])[0]
        out.append(archive[pos : pos + 5 + size])
        pos += 5 + size
    return head, out


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1025, 5000])
def test_round_trip(size):
    data = os.urandom(size)
    archive = seal(data)
    assert size < 16 or data[:16] not in archive
    assert unseal(archive) == data
    header = backup.read_header(io.BytesIO(archive))[0]
    assert header.engine == "sqlite" and header.format == 1 and header.chunk_size == 1024


def test_each_archive_has_its_own_salt_and_ciphertext():
    data = b"x" * 3000
    assert seal(data) != seal(data)


def test_wrong_key_is_named():
    with pytest.raises(BackupError, match="wrong key"):
        unseal(seal(b"records" * 500), OTHER_KEY)


def test_any_flipped_byte_is_refused():
    data = os.urandom(2500)
    archive = seal(data)
    for position in range(0, len(archive), 37):
        changed = bytearray(archive)
        changed[position] ^= 0x01
        with pytest.raises(BackupError):
            unseal(bytes(changed))


def test_truncated_reordered_dropped_or_extended_archives_are_refused():
    archive = seal(os.urandom(3500))
    head, chunks = frames(archive)
    assert len(chunks) == 4
    cases = {
        "truncated": archive[:-1],
        "last chunk dropped": head + b"".join(chunks[:-1]),
        "middle chunk dropped": head + chunks[0] + b"".join(chunks[2:]),
        "chunks swapped": head + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "extra data": archive + b"\0",
        "chunk repeated": archive + chunks[-1],
        "header only": head,
    }
    for name, changed in cases.items():
        with pytest.raises(BackupError):
            unseal(changed)
            pytest.fail(name)


def test_header_edit_is_refused():
    archive = seal(b"a" * 100)
    changed = archive.replace(b'"engine": "sqlite"', b'"engine": "sqlitf"')
    assert changed != archive
    with pytest.raises(BackupError, match="altered"):
        unseal(changed)


def test_not_an_archive():
    with pytest.raises(BackupError, match="not a jiceng backup"):
        unseal(b"SQLite format 3\0" + b"\0" * 100)


def test_the_key_is_required_and_checked(tmp_path):
    with pytest.raises(BackupError, match="no backup key"):
        backup.load_key({})
    with pytest.raises(BackupError, match="32 bytes"):
        backup.load_key({"JICENG_BACKUP_KEY": base64.b64encode(b"short").decode()})
    with pytest.raises(BackupError, match="base64"):
        backup.load_key({"JICENG_BACKUP_KEY": "not base64!"})
    key_file = tmp_path / "backup.key"
    key_file.write_text(base64.b64encode(KEY).decode() + "\n")
    assert backup.load_key({"JICENG_BACKUP_KEY_FILE": str(key_file)}) == KEY
    assert len(base64.b64decode(backup.generate_key())) == 32


# ---- a real backup and restore ---------------------------------------------------------------


class Scratch:
    """A database of the suite's engine for `jiceng` child processes."""

    def __init__(self, tmp: Path):
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env.update(
            JICENG_DATA_DIR=str(tmp),
            JICENG_LOG_LEVEL="ERROR",
            JICENG_BACKUP_KEY=base64.b64encode(KEY).decode(),
        )
        db = settings.DATABASES["default"]
        self.vendor = "postgresql" if "postgresql" in db["ENGINE"] else "sqlite"
        if self.vendor == "sqlite":
            self.path = tmp / "jiceng.sqlite3"
            return
        import psycopg

        self.params = {k: db[k.upper()] for k in ("host", "port", "user", "password")}
        self.name = f"jiceng_backup_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
        self.env["DATABASE_URL"] = f"postgres://{auth}{db['HOST']}:{db['PORT']}/{self.name}"
        self.env["JICENG_CONN_MAX_AGE"] = "0"

    def connect(self):
        if self.vendor == "sqlite":
            return sqlite3.connect(self.path)
        import psycopg

        return psycopg.connect(dbname=self.name, **self.params)

    def execute(self, *statements: str) -> None:
        conn = self.connect()
        try:
            for sql in statements:
                conn.execute(sql)
            conn.commit()
        finally:
            conn.close()

    def fingerprint(self) -> dict[str, tuple[int, str]]:
        """Every table: (row count, SHA-256 of all its rows in primary-key order)."""
        conn = self.connect()
        try:
            if self.vendor == "sqlite":
                tables = [
                    r[0]
                    for r in conn.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                    )
                ]
            else:
                tables = [
                    r[0]
                    for r in conn.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "ORDER BY tablename"
                    )
                ]
            out = {}
            for table in tables:
                rows = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
                digest = hashlib.sha256(repr(rows).encode()).hexdigest()
                out[table] = (len(rows), digest)
            return out
        finally:
            conn.close()

    def drop(self) -> None:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def jiceng(db: Scratch, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jiceng.cli", *args],
        env={**db.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_backup_change_restore_gives_back_exactly_the_data(tmp_path):
    db = Scratch(tmp_path)
    try:
        ok(jiceng(db, "migrate", "--noinput", "-v", "0"))
        ok(jiceng(db, "demo", "--scale", "0.002"))
        before = db.fingerprint()
        assert before["members_member"][0] > 100

        archive = tmp_path / "out" / "nightly.jcbak"
        printed = ok(jiceng(db, "backup", "--output", str(archive)))
        assert str(archive) in printed and backup.file_sha256(archive) in printed
        assert oct(archive.stat().st_mode & 0o777) == "0o600"
        assert not list(archive.parent.glob("*.partial"))
        assert b"members_member" not in archive.read_bytes()  # encrypted

        # Damage the database: delete, change and add records.
        db.execute(
            "DELETE FROM members_statuschange",
            "UPDATE members_member SET name = 'changed' WHERE id % 3 = 0",
            "UPDATE orgs_organization SET name = 'changed' WHERE id % 2 = 0",
        )
        changed = db.fingerprint()
        assert changed != before

        # A tampered archive and the wrong key are refused and change nothing.
        tampered = tmp_path / "tampered.jcbak"
        data = bytearray(archive.read_bytes())
        data[len(data) // 2] ^= 0x40
        tampered.write_bytes(bytes(data))
        refused = jiceng(db, "restore", str(tampered), "--yes")
        assert refused.returncode != 0 and "altered" in refused.stderr, refused.stderr
        wrong = base64.b64encode(OTHER_KEY).decode()
        refused = jiceng(db, "restore", str(archive), "--yes", env={"JICENG_BACKUP_KEY": wrong})
        assert refused.returncode != 0 and "wrong key" in refused.stderr, refused.stderr
        keyless = jiceng(db, "restore", str(archive), "--yes", env={"JICENG_BACKUP_KEY": ""})
        assert keyless.returncode != 0 and "no backup key" in keyless.stderr
        unconfirmed = jiceng(db, "restore", str(archive))
        assert unconfirmed.returncode != 0 and "--yes" in unconfirmed.stderr
        if db.vendor == "postgresql":  # a session still connected: the platform is running
            holder = db.connect()
            try:
                busy = jiceng(db, "restore", str(archive), "--yes")
                assert busy.returncode != 0 and "other session" in busy.stderr, busy.stderr
            finally:
                holder.close()
        assert db.fingerprint() == changed

        ok(jiceng(db, "restore", str(archive), "--yes"))
        assert db.fingerprint() == before
        ok(jiceng(db, "rollups", "--check"))
    finally:
        db.drop()


def test_backup_refuses_without_a_key(tmp_path):
    db = Scratch(tmp_path)
    try:
        if db.vendor == "sqlite":
            db.execute("CREATE TABLE t (x)")
        result = jiceng(db, "backup", env={"JICENG_BACKUP_KEY": ""})
        assert result.returncode != 0 and "no backup key" in result.stderr
        assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())
    finally:
        db.drop()


@pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"], reason="SQLite's file only"
)
def test_sqlite_restore_refuses_while_the_database_is_open_elsewhere(tmp_path):
    db = Scratch(tmp_path)
    db.execute("CREATE TABLE t (x)", "INSERT INTO t VALUES (1)")
    archive = tmp_path / "a.jcbak"
    ok(jiceng(db, "backup", "-o", str(archive)))
    db.execute("INSERT INTO t VALUES (2)")
    holder = sqlite3.connect(db.path)  # this test process holds the file open
    try:
        holder.execute("SELECT * FROM t").fetchall()
        result = jiceng(db, "restore", str(archive), "--yes")
        assert result.returncode != 0 and "open in other processes" in result.stderr
    finally:
        holder.close()
    (tmp_path / "jiceng-serve.pid").write_text(str(os.getpid()))  # a live "server"
    result = jiceng(db, "restore", str(archive), "--yes")
    assert result.returncode != 0 and "the platform is running" in result.stderr
    (tmp_path / "jiceng-serve.pid").unlink()
    ok(jiceng(db, "restore", str(archive), "--yes"))
    assert db.fingerprint()["t"][0] == 1
