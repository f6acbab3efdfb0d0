"""jiceng restore FILE [--yes]: replace the database's contents with an encrypted backup
(jiceng.core.backup).

The whole archive is decrypted and verified before anything is changed: a wrong key, a
tampered or truncated archive is refused and the database is left as it was. Stop the platform
(`jiceng serve`, `jiceng worker`) first; restore refuses while it can see them running.
"""

import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiceng.core import backup


class Command(BaseCommand):
    help = "Restore the database from an encrypted backup made by `jiceng backup`."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the archive (.jcbak)")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask: replace the database's contents"
        )

    def handle(self, *args, file, yes, **options):
        try:
            key = backup.load_key()
            header = backup.inspect(file)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        db = settings.DATABASES["default"]
        where = db["NAME"] if "sqlite" in db["ENGINE"] else f"{db['NAME']} on {db['HOST']}"
        self.stdout.write(
            f"restore: {file}, a {header.engine} backup made {header.created_at}, "
            f"into {where}: everything in it now is replaced."
        )
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("not confirmed: pass --yes to restore without a question")
            if input("Type yes to go on: ").strip().lower() != "yes":
                raise CommandError("not confirmed; nothing changed")
        started = time.monotonic()
        try:
            backup.restore(file, key=key)
        except backup.BackupError as exc:
            raise CommandError(f"{exc}; nothing changed") from exc
        self.stdout.write(f"restore: done in {time.monotonic() - started:.1f} s")
