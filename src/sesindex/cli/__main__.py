"""``python -m sesindex.cli``."""

from sesindex.cli.app import main

main()
