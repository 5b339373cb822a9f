"""The ``yishi`` command: Django's management commands under yishi's settings.

``yishi demo``, ``yishi serve``, ``yishi worker``, ``yishi migrate``, ``yishi audit verify`` … are all
management commands; this entry point only chooses the settings module.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings.production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yishi", *(sys.argv[1:] if argv is None else argv)])
