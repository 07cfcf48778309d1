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
    "report": "report",
    "serve": "serve",
}

EXIT_OK, EXIT_BREACH, EXIT_INPUT = 0, 1, 2
EXIT_INTERNAL = 70  # EX_SOFTWARE from sysexits.h: a bug in policykit, not in the input
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a command whose reader went away


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
            # a usage error like any other: one line on stderr, not only the help on stdout
            raise PolicykitError.single("usage", f"policykit: a command is required ({', '.join(COMMANDS)})")
        return int(args.run(args, out, err))
    except PolicykitError as exc:
        _write_diagnostics(exc, err, _language(argv))
        return EXIT_INPUT
    except KeyboardInterrupt:
        err.write("policykit: interrupted\n")
        return 130
    except BrokenPipeError:
        # the reader went away before the output was all written (`batch … | head`): that is not "no breach"
        return _broken_pipe(err, _language(argv))
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback for a user
        from .atomic import write_failure

        failure = write_failure(exc)
        if failure is not None:  # a full disk is told as such, not as a bug
            _write_diagnostics(failure, err, _language(argv))
            return EXIT_INPUT
        err.write(internal_error_line(exc) + "\n")
        if os.environ.get("POLICYKIT_DEBUG"):
            import traceback

            traceback.print_exception(exc, file=err)
        return EXIT_INTERNAL


# Commands whose every file is closed when they return; batch and serve are left out (worker pools, writers and
# stores closed at exit).
_FAST_EXIT = frozenset(COMMANDS) - {"batch", "serve"}


def entry() -> None:
    """Console-script entry point: run, flush, and exit without tearing the interpreter down.

    Finalising pydantic's and every other module's objects takes some 20–40 ms after the work is done, a
    sixth of a `policykit check`; the output is flushed first, so nothing is lost.
    """
    argv = sys.argv[1:]
    command = next((a for a in argv if not a.startswith("-")), None)
    if command == "batch":  # this process is the batch run and nothing else (pyarrow need not import pandas)
        from .batch.process_setup import batch_process

        batch_process()
    code = main(argv)
    if command not in _FAST_EXIT or os.environ.get("POLICYKIT_DEBUG"):
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError) as exc:  # a closed pipe: the reader is gone before the output was all written
        from .atomic import write_failure

        failure = write_failure(exc)  # or stdout is a file on a full disk
        if failure is None:
            code = _broken_pipe(sys.stderr, _language(argv))
        else:
            _write_diagnostics(failure, sys.stderr, _language(argv))
            code = EXIT_INPUT
    os._exit(code)


BROKEN_PIPE = {"en": "policykit: the output was closed before it was all written (broken pipe)",
               "ar": "policykit: أُغلق الإخراج قبل أن تكتمل كتابته (broken pipe)"}


def _broken_pipe(err: TextIO, lang: str = "en") -> int:
    """Say once, in `lang`, that the output was cut short; stdout is pointed at /dev/null so the exit flush is
    quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests, embedding): nothing to quiet
        pass
    try:
        from .terminal import terminal_text

        err.write(terminal_text(BROKEN_PIPE.get(lang, BROKEN_PIPE["en"]), err) + "\n")
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


def _language(argv: Sequence[str]) -> str:
    """`--lang` as the command line gives it (read even when the line does not parse), else POLICYKIT_LANG."""
    for index, word in enumerate(argv):
        if word == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
    return os.environ.get("POLICYKIT_LANG", "en")


def _write_diagnostics(exc: PolicykitError, err: TextIO, lang: str = "en") -> None:
    arabic = lang == "ar"
    if arabic:
        from .diagnostics_ar import render_arabic
        from .terminal import terminal_text
    if not exc.diagnostics:
        err.write("policykit: مدخلات غير صالحة\n" if arabic else "policykit: invalid input\n")
        return
    # one line per problem, every one of them (their number is bounded by the file's own limits)
    for diagnostic in exc.diagnostics:
        err.write((terminal_text(render_arabic(diagnostic), err) if arabic else diagnostic.render()) + "\n")


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
