"""The platform's settings plus the naive baseline views of bench/naive.py."""

from jiceng.settings import *  # noqa: F403

ROOT_URLCONF = "naive"
DEBUG = False
