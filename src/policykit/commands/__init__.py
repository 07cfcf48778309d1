"""One module per command group; each exposes `register(subparsers, name)` and sets `run` on its parser."""
