"""Encrypted backups of the whole database: `jiceng backup` and `jiceng restore`.

What is dumped: SQLite through its online backup API (a consistent copy while the platform
runs and writes); PostgreSQL with `pg_dump -Fc` (a consistent snapshot; restored with
`pg_restore --clean --if-exists --single-transaction`).

The archive (`.jcbak`), format 1:

    b"JCBAK\\x00" | u32 header length | header (JSON, UTF-8) | frames...
    frame = u8 final (0/1) | u32 ciphertext length | ciphertext (AES-256-GCM, 16-byte tag)

The header says the format, the engine, when, the chunk size, a random 16-byte salt and the
key's id (so a wrong key is named as such). Each archive gets its own AES-256 key, derived
with HKDF-SHA256 from the backup key and the salt, so a nonce never repeats under one key:
chunk i is sealed with the nonce i (96 bits, big-endian) and the associated data
`header bytes | u64 i | final flag`. So a changed header, a changed, reordered, dropped or
added chunk, a cut-off end or data after the end all fail authentication. The dump is read,
encrypted and written 1 MiB at a time (a multi-GB database never sits in memory); pg_dump's
output is encrypted straight from its pipe. The archive is written as `NAME.partial`, synced,
then renamed, so a file with the final name is always complete.

`restore` decrypts the whole archive into a private temporary directory first and verifies
every chunk before it touches the database: a tampered or truncated archive, or the wrong key,
changes nothing. SQLite is then written through the backup API into the configured file (safe
with its WAL files), after refusing if the platform is running (`jiceng serve`'s pid file, or
another process holding the database file open); PostgreSQL is refused while other sessions
are connected to the database.

The key: JICENG_BACKUP_KEY (base64 of 32 random bytes; `jiceng backup --generate-key` prints
one) or JICENG_BACKUP_KEY_FILE (a file holding that). Keep it away from the archives: whoever
holds both reads every member's record.
"""

from __future__ import annotations

import base64
import contextlib
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils import timezone

MAGIC = b"JCBAK\x00"
FORMAT = 1
CHUNK = 1 << 20
TAG = 16
MAX_HEADER = 64 * 1024
ENGINES = {"django.db.backends.sqlite3": "sqlite", "django.db.backends.postgresql": "postgresql"}


class BackupError(Exception):
    """Anything that stops a backup or a restore; the message is for the operator."""


# ---- the key ---------------------------------------------------------------------------------


def generate_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def load_key(environ=os.environ) -> bytes:
    raw = environ.get("JICENG_BACKUP_KEY", "").strip()
    path = environ.get("JICENG_BACKUP_KEY_FILE", "").strip()
    if not raw and path:
        try:
            raw = Path(path).read_text().strip()
        except OSError as exc:
            raise BackupError(f"cannot read JICENG_BACKUP_KEY_FILE {path}: {exc}") from exc
    if not raw:
        raise BackupError(
            "no backup key: set JICENG_BACKUP_KEY (base64 of 32 random bytes) or "
            "JICENG_BACKUP_KEY_FILE; `jiceng backup --generate-key` prints a new one"
        )
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise BackupError("the backup key is not base64") from exc
    if len(key) != 32:
        raise BackupError(f"the backup key must be 32 bytes (it has {len(key)})")
    return key


def key_id(key: bytes) -> str:
    return _hkdf(key, b"", b"jiceng backup key id", 8).hex()


def _hkdf(key: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt or None, info=info).derive(key)


# ---- the archive format ----------------------------------------------------------------------


@dataclass
class Header:
    engine: str
    created_at: str
    salt: bytes
    key_id: str
    chunk_size: int = CHUNK
    format: int = FORMAT

    def to_bytes(self) -> bytes:
        body = {
            "format": self.format,
            "engine": self.engine,
            "created_at": self.created_at,
            "chunk_size": self.chunk_size,
            "cipher": "AES-256-GCM, key per archive by HKDF-SHA256, chunked",
            "salt": base64.b64encode(self.salt).decode(),
            "key_id": self.key_id,
        }
        return json.dumps(body, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Header:
        try:
            body = json.loads(data)
            return cls(
                engine=body["engine"],
                created_at=body["created_at"],
                salt=base64.b64decode(body["salt"]),
                key_id=body["key_id"],
                chunk_size=int(body["chunk_size"]),
                format=int(body["format"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError("not a jiceng backup (unreadable header)") from exc


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


def _aad(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">QB", index, 1 if final else 0)


def _read_exact(source: BinaryIO, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        part = source.read(size - len(data))
        if not part:
            break
        data += part
    return bytes(data)


def _chunks(source: BinaryIO, size: int) -> Iterator[tuple[bytes, bool]]:
    """(chunk, is_last) over a stream, reading one chunk ahead; at least one (maybe empty)."""
    current = _read_exact(source, size)
    while True:
        following = _read_exact(source, size) if len(current) == size else b""
        last = not following
        yield current, last
        if last:
            return
        current = following


def encrypt_stream(
    source: BinaryIO, target: BinaryIO, key: bytes, engine: str, chunk_size: int = CHUNK
) -> Header:
    header = Header(
        engine=engine,
        created_at=timezone.now().isoformat(timespec="seconds"),
        salt=os.urandom(16),
        key_id=key_id(key),
        chunk_size=chunk_size,
    )
    head = header.to_bytes()
    prefix = MAGIC + struct.pack(">I", len(head)) + head
    target.write(prefix)
    aead = AESGCM(_hkdf(key, header.salt, b"jiceng backup v1"))
    for index, (chunk, last) in enumerate(_chunks(source, header.chunk_size)):
        sealed = aead.encrypt(_nonce(index), chunk, _aad(prefix, index, last))
        target.write(struct.pack(">BI", 1 if last else 0, len(sealed)))
        target.write(sealed)
    return header


def read_header(source: BinaryIO) -> tuple[Header, bytes]:
    magic = _read_exact(source, len(MAGIC))
    if magic != MAGIC:
        raise BackupError("not a jiceng backup (no JCBAK signature)")
    size = _read_exact(source, 4)
    length = struct.unpack(">I", size)[0] if len(size) == 4 else 0
    if not 0 < length <= MAX_HEADER:
        raise BackupError("not a jiceng backup (bad header length)")
    head = _read_exact(source, length)
    header = Header.from_bytes(head)
    if header.format != FORMAT:
        raise BackupError(f"backup format {header.format} is not supported (this is {FORMAT})")
    if not 0 < header.chunk_size <= 64 * CHUNK:
        raise BackupError("not a jiceng backup (bad chunk size)")
    return header, magic + struct.pack(">I", length) + head


def decrypt_stream(source: BinaryIO, target: BinaryIO, key: bytes) -> Header:
    """Decrypt and verify the whole archive into `target`; raises BackupError on any change to
    the archive, a wrong key or a missing end."""
    header, prefix = read_header(source)
    if header.key_id != key_id(key):
        raise BackupError(
            f"wrong key: the archive was made with key id {header.key_id}, "
            f"the configured key has id {key_id(key)}"
        )
    aead = AESGCM(_hkdf(key, header.salt, b"jiceng backup v1"))
    index = 0
    while True:
        frame = _read_exact(source, 5)
        if len(frame) < 5:
            raise BackupError("the archive is truncated (its last part is missing)")
        final, length = struct.unpack(">BI", frame)
        if final not in (0, 1) or not TAG <= length <= header.chunk_size + TAG:
            raise BackupError(f"the archive is damaged or altered (chunk {index})")
        sealed = _read_exact(source, length)
        if len(sealed) < length:
            raise BackupError("the archive is truncated (its last part is missing)")
        try:
            target.write(aead.decrypt(_nonce(index), sealed, _aad(prefix, index, final == 1)))
        except InvalidTag as exc:
            raise BackupError(f"the archive is damaged or altered (chunk {index})") from exc
        index += 1
        if final:
            break
    if source.read(1):
        raise BackupError("the archive has data after its end: altered")
    return header


# ---- the database ----------------------------------------------------------------------------


def engine_of(db: dict) -> str:
    engine = ENGINES.get(db["ENGINE"])
    if engine is None:
        raise BackupError(f"cannot back up a {db['ENGINE']} database")
    return engine


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: JICENG_PG_BIN, else the newest /usr/lib/postgresql/*/bin (Debian
    installs the client there; a newer client reads and writes older servers), else PATH."""
    configured = os.environ.get("JICENG_PG_BIN", "")
    candidates = [str(Path(configured) / name)] if configured else []

    def version(path: str) -> tuple:
        return tuple(int(p) for p in Path(path).parent.parent.name.split(".") if p.isdigit())

    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} not found (install the PostgreSQL client, or set JICENG_PG_BIN)")


def _pg_args(db: dict) -> tuple[list[str], dict]:
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _private_dir(near: Path) -> tempfile.TemporaryDirectory:
    """A temporary directory only this user can read (mkdtemp makes it 0700), on the data
    directory's disk: it holds a plaintext copy of the database for a moment."""
    near.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="jiceng-backup-", dir=near)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def default_output(engine: str) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.DATA_DIR) / "backups" / f"jiceng-{engine}-{stamp}.jcbak"


def backup(output: Path | None = None, *, key: bytes, db: dict | None = None) -> Path:
    """Write an encrypted archive of the database; returns its path."""
    db = db or settings.DATABASES["default"]
    engine = engine_of(db)
    output = Path(output) if output else default_output(engine)
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = output.with_name(output.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as target:
            if engine == "sqlite":
                _backup_sqlite(Path(db["NAME"]), target, key)
            else:
                _backup_postgres(db, target, key)
            target.flush()
            os.fsync(target.fileno())
        os.replace(partial, output)
        _fsync_dir(output.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    return output


def _backup_sqlite(path: Path, target: BinaryIO, key: bytes) -> None:
    if not path.exists():
        raise BackupError(f"there is no database at {path}")
    with _private_dir(Path(settings.DATA_DIR)) as tmp:
        copy = Path(tmp) / "copy.sqlite3"
        source = sqlite3.connect(path, timeout=60)  # only read; WAL needs a writable -shm
        dest = sqlite3.connect(copy)
        try:
            source.backup(dest)  # one step: a consistent snapshot; writers go on (WAL)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dest.close()
            source.close()
        with open(copy, "rb") as plain:
            encrypt_stream(plain, target, key, "sqlite")


def _backup_postgres(db: dict, target: BinaryIO, key: bytes) -> None:
    args, env = _pg_args(db)
    command = [pg_tool("pg_dump"), "--format=custom", *args, "--dbname", str(db["NAME"])]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env)
        try:
            encrypt_stream(proc.stdout, target, key, "postgresql")
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()
            raise BackupError(f"pg_dump failed ({code}): {message}")


# ---- restore ---------------------------------------------------------------------------------


def inspect(path: Path) -> Header:
    with open(path, "rb") as source:
        return read_header(source)[0]


def restore(path: Path, *, key: bytes, db: dict | None = None) -> Header:
    """Verify the whole archive, then replace the database's contents with it."""
    db = db or settings.DATABASES["default"]
    engine = engine_of(db)
    with _private_dir(Path(settings.DATA_DIR)) as tmp:
        plain = Path(tmp) / "restore.dump"
        with open(path, "rb") as source, open(plain, "wb") as target:
            header = decrypt_stream(source, target, key)
        if header.engine != engine:
            raise BackupError(
                f"this is a {header.engine} backup; the configured database is {engine}"
            )
        if engine == "sqlite":
            _restore_sqlite(plain, Path(db["NAME"]))
        else:
            _restore_postgres(plain, db)
    return header


def serve_pid_file() -> Path:
    return Path(settings.DATA_DIR) / "jiceng-serve.pid"


def _running_server() -> int | None:
    try:
        pid = int(serve_pid_file().read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def processes_using(path: Path) -> list[int]:
    """Other processes holding the file (or its -wal/-shm) open (Linux /proc; [] elsewhere)."""
    names = {str(path.resolve()) + suffix for suffix in ("", "-wal", "-shm")}
    found = []
    for entry in glob.glob("/proc/[0-9]*/fd/*"):
        with contextlib.suppress(OSError):
            if os.readlink(entry) in names:
                pid = int(entry.split("/")[2])
                if pid != os.getpid() and pid not in found:
                    found.append(pid)
    return found


def _restore_sqlite(plain: Path, path: Path) -> None:
    check = sqlite3.connect(f"file:{plain}?mode=ro", uri=True)
    try:
        # quick_check: the pages and b-trees (integrity_check also compares every index with
        # its table: ten times slower, and the archive's authentication already rules out
        # damage after the backup was made).
        result = check.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the backup is not a readable SQLite database: {exc}") from exc
    finally:
        check.close()
    if result != "ok":
        raise BackupError(f"the backup's SQLite database is damaged: {result}")
    pid = _running_server()
    if pid is not None:
        raise BackupError(f"the platform is running (jiceng serve, pid {pid}): stop it first")
    users = processes_using(path) if path.exists() else []
    if users:
        raise BackupError(
            f"the database {path} is open in other processes ({', '.join(map(str, users))}): "
            "stop the platform and its worker first"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{plain}?mode=ro", uri=True)
    dest = sqlite3.connect(path, timeout=60)
    try:
        dest.execute("PRAGMA journal_mode=WAL")
        dest.execute("PRAGMA synchronous=FULL")
        # The backup API writes every page through SQLite's own locking and WAL, in one
        # transaction: a crash midway leaves the old database, never a mixture.
        source.backup(dest)
        dest.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        dest.close()
        source.close()


def _restore_postgres(plain: Path, db: dict) -> None:
    import psycopg

    params = {
        "dbname": db["NAME"],
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        others = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    if others:
        raise BackupError(
            f"{others} other session(s) are connected to database {db['NAME']}: "
            "stop the platform and its worker first"
        )
    args, env = _pg_args(db)
    command = [
        pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        *args,
        "--dbname",
        str(db["NAME"]),
        str(plain),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed ({result.returncode}): {result.stderr.strip()}")


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
