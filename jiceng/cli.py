"""The `jiceng` command: Django's management commands plus `demo`, `serve`, `createadmin`.

jiceng migrate          jiceng demo [--replace]      jiceng serve [--bind 127.0.0.1:8000]
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "jiceng"
    from django.conf import settings

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
