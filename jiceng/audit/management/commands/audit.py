"""`jiceng audit verify | head | purge`: check, note the end of, or trim the audit chain.

jiceng audit verify [--head SEQ:HASH] [--max-problems N]
    exit 0 and "OK: N rows" when intact; exit 1 and the problems otherwise
jiceng audit head
    "SEQ:HASH" of the newest row; keep it elsewhere and pass it to verify --head later
    to detect deleted newest rows (a chain cannot see its own truncation)
jiceng audit purge --older-than-days N
    delete rows older than N days (N ≥ JICENG_AUDIT_RETENTION_DAYS, at least 180)
"""

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from jiceng.audit import services


def _head(text: str) -> tuple[int, str]:
    seq, sep, digest = text.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise CommandError("--head takes SEQ:HASH as printed by 'jiceng audit head'")
    return int(seq), digest


class Command(BaseCommand):
    help = "Verify the audit log's hash chain, print its newest row, or purge old rows."
    requires_system_checks = []  # a forensic tool: must run even when the project does not

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="walk the chain and report tampering")
        verify.add_argument("--head", type=_head, help="SEQ:HASH of a row that must still exist")
        verify.add_argument("--max-problems", type=int, default=100)
        sub.add_parser("head", help="print SEQ:HASH of the newest row")
        purge = sub.add_parser("purge", help="delete rows older than the retention period")
        purge.add_argument("--older-than-days", type=int, required=True)

    def handle(self, *args, action, **options):
        # An operator's tool, like `jiceng rollups`: English whatever LANGUAGE_CODE says, so
        # its output reads the same in every log and script.
        with translation.override("en"):
            getattr(self, f"_{action}")(**options)

    def _verify(self, *, head=None, max_problems=100, **options):
        walk = services.Walk()
        problems = 0
        for problem in services.iter_problems(expect_head=head, walk=walk):
            problems += 1
            if problems <= max_problems:
                self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"audit log tampered: {problems} problems in {walk.rows} rows")
        self.stdout.write(f"OK: {walk.rows} rows")

    def _head(self, **options):
        newest = services.head()
        if newest is None:
            raise CommandError("the audit log is empty")
        self.stdout.write(f"{newest[0]}:{newest[1]}")

    def _purge(self, *, older_than_days, **options):
        try:
            deleted = services.purge(
                older_than_days, data={"command": "jiceng audit purge", "os_user": _os_user()}
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"purged {deleted} audit rows")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
