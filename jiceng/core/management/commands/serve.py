"""`jiceng serve`: the platform under gunicorn, static files from WhiteNoise."""

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve jiceng with gunicorn (a real WSGI server), static files via WhiteNoise."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("JICENG_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("JICENG_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("JICENG_THREADS", 4)))

    def handle(self, *args, bind, workers, threads, **options):
        self.stdout.write(f"jiceng: serving on http://{bind}/ with {workers} gunicorn workers")
        self.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "jiceng.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        os.execv(sys.executable, argv)
