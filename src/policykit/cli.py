"""Command line: argument parsing and exit codes only; each command lives in policykit.commands."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence, TextIO

from .diagnostics import PolicykitError

# command name -> module under policykit.commands exposing `register(parser)` and `run(args, out, err) -> int`
COMMANDS = {
    "list": "policies",
    "show": "policies",
    "schema": "policies",
    "coverage": "coverage",
    "check": "check",
    "compare": "compare",
    "diff": "diff",
    "lint": "lint",
    "draft": "draft",
    "batch": "batch",
}

EXIT_OK, EXIT_BREACH, EXIT_INPUT = 0, 1, 2
EXIT_INTERNAL = 70  # EX_SOFTWARE from sysexits.h: a bug in policykit, not in the input


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors become one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise PolicykitError.single("usage", f"{self.prog}: {message}")

    def _get_formatter(self):
        # argparse builds a formatter for every add_argument, and its default width imports shutil (~3 ms)
        return self.formatter_class(prog=self.prog, width=_terminal_width())


def _terminal_width() -> int:
    """What argparse's default would be: shutil.get_terminal_size()'s columns, less 2."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command (or only `only`, to keep start-up light)."""
    parser = _Parser(prog="policykit", description="Check cases against associations' service policies.")
    parser.add_argument("--version", action="version", version=f"policykit {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in COMMANDS.items():
        if only is not None and name != only:
            continue
        try:
            module = importlib.import_module(f"policykit.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"policykit.commands.{module_name}":
                raise
            continue  # a command group not shipped in this build
        module.register(sub, name)
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command line; returns the exit code (SPEC §8)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
        parser = build_parser(command if command in COMMANDS else None)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version
            return int(exc.code or 0)
        if not getattr(args, "command", None):
            parser.print_help(out)
            return EXIT_INPUT
        return int(args.run(args, out, err))
    except PolicykitError as exc:
        _write_diagnostics(exc, err)
        return EXIT_INPUT
    except KeyboardInterrupt:
        err.write("policykit: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback for a user
        err.write(internal_error_line(exc) + "\n")
        if os.environ.get("POLICYKIT_DEBUG"):
            import traceback

            traceback.print_exception(exc, file=err)
        return EXIT_INTERNAL


# Commands whose every file is closed when they return; batch is left out (worker pools, writers at exit).
_FAST_EXIT = frozenset(COMMANDS) - {"batch"}


def entry() -> None:
    """Console-script entry point: run, flush, and exit without tearing the interpreter down.

    Finalising pydantic's and every other module's objects takes some 20–40 ms after the work is done, a
    sixth of a `policykit check`; the output is flushed first, so nothing is lost.
    """
    argv = sys.argv[1:]
    code = main(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command not in _FAST_EXIT or os.environ.get("POLICYKIT_DEBUG"):
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):  # a closed pipe: the reader is gone, as main() already accepts
        pass
    os._exit(code)


def _write_diagnostics(exc: PolicykitError, err: TextIO) -> None:
    if not exc.diagnostics:
        err.write("policykit: invalid input\n")
        return
    for diagnostic in exc.diagnostics[:20]:
        err.write(diagnostic.render() + "\n")
    if len(exc.diagnostics) > 20:
        err.write(f"... and {len(exc.diagnostics) - 20} more problems\n")


def internal_error_line(exc: BaseException) -> str:
    """One line naming the exception type and where in policykit it arose, never its message.

    The message is left out because it may quote input data, which can be personal.
    """
    import traceback  # only on the error path: it costs ~4 ms of every start-up

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "policykit" in f.filename]
    where = ""
    if frames:
        last = frames[-1]
        where = f" in {last.filename.rsplit('policykit', 1)[-1].lstrip('/')}:{last.lineno}"
    return (f"policykit: internal error: {type(exc).__name__}{where}; this is a bug in policykit, not in "
            f"your input: please report it with the command you ran (POLICYKIT_DEBUG=1 shows the traceback)")


def _version() -> str:
    from . import __version__

    return __version__
