"""jiceng backup [--output FILE]: an encrypted archive of the whole database (jiceng.core.backup).

Safe while the platform runs. Needs JICENG_BACKUP_KEY or JICENG_BACKUP_KEY_FILE; without
--output the archive goes to <data dir>/backups/jiceng-<engine>-<time>.jcbak. Prints the
archive's path, size and SHA-256 (for the backup log).
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiceng.core import backup


class Command(BaseCommand):
    help = "Write an encrypted backup of the database (safe while the platform runs)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, help="the archive to write (.jcbak)")
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="print a new random key for JICENG_BACKUP_KEY and exit",
        )

    def handle(self, *args, output, generate_key, **options):
        if generate_key:
            self.stdout.write(backup.generate_key())
            return
        started = time.monotonic()
        try:
            key = backup.load_key()
            path = backup.backup(output, key=key)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = path.stat().st_size
        self.stdout.write(
            f"backup: {path} ({size:,} bytes, {time.monotonic() - started:.1f} s) "
            f"sha256 {backup.file_sha256(path)}"
        )
