"""``python -m confide`` runs the command line."""

from confide.cli import main

main()
