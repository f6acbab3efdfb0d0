"""`jiceng serve`: the platform under gunicorn, static files from WhiteNoise, and a background
worker (`jiceng worker`, for imports) beside it unless --no-worker.

Both run as child processes; stopping `jiceng serve` (Ctrl-C, SIGTERM) stops both, and if
either dies the other is stopped too, so the demo never runs half up.

Before starting, the system checks run with the database ones, so the platform refuses to
start on a database that is not crash-safe (jiceng.core.durability).
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from jiceng.core.backup import serve_pid_file


class Command(BaseCommand):
    help = "Serve jiceng with gunicorn (a real WSGI server) and a background worker."

    def get_check_kwargs(self, options):
        return {**super().get_check_kwargs(options), "databases": [DEFAULT_DB_ALIAS]}

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("JICENG_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("JICENG_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("JICENG_THREADS", 4)))
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background worker (run `jiceng worker` elsewhere)",
        )

    def handle(self, *args, bind, workers, threads, no_worker, **options):
        web = [
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
            "--timeout",
            "120",  # a city-wide export takes ~10 s; leave room on a slow machine
        ]
        # `jiceng restore` refuses to replace the database while this file names a live process.
        pid_file = serve_pid_file()
        pid_file.write_text(str(os.getpid()))
        children = [subprocess.Popen(web)]
        self.stdout.write(f"jiceng: serving on http://{bind}/ with {workers} gunicorn workers")
        if not no_worker:
            worker = [sys.executable, "-m", "jiceng.cli", "worker", "--no-reload", "-v", "1"]
            children.append(subprocess.Popen(worker))
            self.stdout.write("jiceng: background worker started (imports)")
        self.stdout.flush()

        def stop(*_args):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    child.kill()

        def on_signal(*_args):
            stop()
            pid_file.unlink(missing_ok=True)
            sys.exit(0)

        # Both, explicitly: a shell's background job starts with SIGINT ignored.
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        stop()
        pid_file.unlink(missing_ok=True)
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        sys.exit(1 if failed else 0)
