"""`python -m policykit` runs the command line."""

from .cli import entry

entry()
