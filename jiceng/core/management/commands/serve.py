"""`jiceng serve`: the platform under gunicorn, static files from WhiteNoise, and a background
worker (`jiceng worker`, for imports) beside it unless --no-worker.

Both run as child processes; stopping `jiceng serve` (Ctrl-C, SIGTERM) stops both, and if
either dies the other is stopped too, so the demo never runs half up.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve jiceng with gunicorn (a real WSGI server) and a background worker."

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

        signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        stop()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        sys.exit(1 if failed else 0)
