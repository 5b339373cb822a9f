#!/usr/bin/env python
"""Django's command-line utility; ``yishi`` is the same thing, installed as a console script."""

from yishi.cli import main

if __name__ == "__main__":
    main()
