"""YAML/JSON text to plain data plus a path-to-position table, loaded safely and within bounds."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

import yaml

from .compose import compose
from .diagnostics import Diagnostic, Path, PolicykitError, Span, shown
from .limits import Limits, current as current_limits

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
}
# Dates and times stay strings: the case loader owns their meaning (offsets, Hijri, local time).
_KEEP_AS_TEXT = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}
_MAP = "tag:yaml.org,2002:map"
# A tag named in a message: YAML's own (`!!python/object/apply:os.system` spelt out), or a local `!name` that looks
# like an id. Anything else is withheld like a value: a tag may be text typed in the wrong place (`!0555…`).
_TAG_SHOWN = re.compile(r"^(tag:yaml\.org,2002:[a-z][a-z/]*(:[a-z_][a-z0-9_.]*)?|![a-z][a-z0-9_]{0,63})$")
_SEQ = "tag:yaml.org,2002:seq"
_INT = "tag:yaml.org,2002:int"
# YAML 1.1 (PyYAML) reads a plain `0042` as octal 34 and `1:30` as 90 (base 60); a person means 42 and the text
# 1:30, as YAML 1.2 reads them. Only these two forms differ in value; the others (0x2A, 1_000) are read as before.
_LEADING_ZEROS = re.compile(r"^[-+]?0[0-9_]+$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+$")


@dataclass
class Document:
    """Plain data read from one file, with the position of every node."""

    data: Any
    file: str
    spans: dict[Path, Span] = field(default_factory=dict)
    # the source text of each integer read from a plain scalar: a case id `0042` is the text 0042, not 42
    texts: dict[Path, str] = field(default_factory=dict)

    def span(self, path: Path) -> Span:
        """The position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.spans:
                return self.spans[path]
            path = path[:-1]
        return self.spans.get((), Span(self.file, 1, 1))


def read_text(file: str | os.PathLike, limits: Limits | None = None) -> str:
    """Read a UTF-8 text file (BOM allowed), refusing oversized or binary content and anything not a regular file."""
    name = str(file)
    limits = limits or current_limits()
    too_large = PolicykitError.single(
        "file-too-large", f"file is larger than the limit of {limits.max_bytes} bytes", Span(name),
        hint="raise POLICYKIT_MAX_FILE_BYTES if the file is genuine")
    try:
        fd = open_regular(name)
        with open(fd, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limits.max_bytes:
                raise PolicykitError.single(
                    "file-too-large", f"file is {size} bytes; the limit is {limits.max_bytes}",
                    Span(name), hint="raise POLICYKIT_MAX_FILE_BYTES if the file is genuine")
            # bounded even when the size lied (a file growing while it is read)
            raw = handle.read(limits.max_bytes + 1)
        if len(raw) > limits.max_bytes:
            raise too_large
    except OSError as exc:  # an I/O error while reading
        raise PolicykitError.single("file-unreadable", exc.strerror or "cannot read the file", Span(name)) from None
    return decode(raw, name)


_FILE_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def open_regular(name: str, flags: int = 0) -> int:
    """A read-only descriptor of the regular file `name`; anything else (a FIFO, a device) is refused unread.

    Opened without blocking, so that a FIFO with no writer cannot hang us, then checked on the descriptor itself
    (fstat), so that what was checked is what is read."""
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | flags)
    except FileNotFoundError:
        raise PolicykitError.single("file-not-found", "no such file", Span(name)) from None
    except IsADirectoryError:
        raise PolicykitError.single("file-not-found", "is a directory, not a file", Span(name)) from None
    except PermissionError:
        raise PolicykitError.single("file-unreadable", "permission denied", Span(name)) from None
    except OSError as exc:  # name too long, too many symlinks (a symlink loop), an I/O error...
        raise PolicykitError.single("file-unreadable", exc.strerror or "cannot read the file", Span(name)) from None
    except ValueError:  # a NUL byte in the path
        raise PolicykitError.single("file-not-found", "not a valid file path", Span(name)) from None
    mode = os.fstat(fd).st_mode
    if stat.S_ISREG(mode):
        return fd
    os.close(fd)
    if stat.S_ISDIR(mode):
        raise PolicykitError.single("file-not-found", "is a directory, not a file", Span(name))
    kind = next((label for test, label in _FILE_KINDS if test(mode)), "not a file")
    raise PolicykitError.single("not-a-regular-file", f"is {kind}, not a regular file; it was not read", Span(name))


def decode(raw: bytes, name: str) -> str:
    """Bytes to text: UTF-8 with an optional BOM; CRLF becomes LF."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise PolicykitError.single("invalid-utf8", "file is UTF-16 encoded; save it as UTF-8",
                                    Span(name, 1, 1))
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        line = raw[:at].count(b"\n") + 1
        col = at - (raw.rfind(b"\n", 0, at) + 1) + 1
        raise PolicykitError.single("binary-file", "file contains NUL bytes; expected UTF-8 text",
                                    Span(name, line, col))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PolicykitError.single("invalid-utf8", f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                                    Span(name, line, col)) from None
    return text.replace("\r\n", "\n")


def load_file(file: str | os.PathLike, limits: Limits | None = None) -> Document:
    """Read and parse a YAML or JSON file into a Document."""
    name = str(file)
    limits = limits or current_limits()
    return parse(read_text(name, limits), name, limits)


def parse(text: str, name: str = "<string>", limits: Limits | None = None) -> Document:
    """Parse YAML (JSON is read by the same safe parser) into plain data with spans."""
    limits = limits or current_limits()
    if len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise PolicykitError.single("file-too-large", f"input exceeds {limits.max_bytes} bytes", Span(name))
    if not text.strip():
        raise PolicykitError.single("empty-file", "file is empty", Span(name, 1, 1))
    try:
        node = compose(text, name, limits)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = Span(name, mark.line + 1, mark.column + 1) if mark else Span(name)
        problem = exc.problem or exc.context or "malformed YAML"
        raise PolicykitError.single("syntax-error", f"malformed YAML/JSON: {problem}", span) from None
    except yaml.reader.ReaderError as exc:
        raise PolicykitError.single("syntax-error", *_unacceptable(text, exc.character, name)) from None
    except yaml.YAMLError as exc:
        raise PolicykitError.single("syntax-error", f"malformed YAML/JSON: {exc}", Span(name)) from None
    if node is None:
        raise PolicykitError.single("empty-file", "file holds no document", Span(name, 1, 1))
    builder = _Builder(name, limits)
    data = builder.build(node, (), 0)
    if builder.errors:
        raise PolicykitError(builder.errors)
    return Document(data, name, builder.spans, builder.texts)


def _tag_shown(tag: str) -> str:
    """A tag quoted for a message when it is YAML's own or id-like; otherwise withheld."""
    return repr(tag) if _TAG_SHOWN.match(tag) else "(tag not shown: it is not an id and may be personal)"


def _unacceptable(text: str, character: int | str, name: str) -> tuple[str, Span]:
    """The message and position of a character YAML refuses (a control character), whichever parser found it.

    The reader's own position counts bytes in libyaml and characters in PyYAML, so the first occurrence of the
    character, which is where both readers stop, is looked up in the text instead.
    """
    char = character if isinstance(character, str) else chr(character)
    at = text.find(char)
    span = Span(name, text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1) if at >= 0 else Span(name)
    return f"malformed YAML/JSON: control or non-character U+{ord(char):04X} is not allowed", span


class _Builder:
    """Turns a composed YAML node tree into plain data, checking keys, tags and bounds."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name = name
        self.limits = limits
        self.spans: dict[Path, Span] = {}
        self.texts: dict[Path, str] = {}
        self.errors: list[Diagnostic] = []
        self.nodes = 0
        self.aliases: set[int] = set()
        self.expansions = 0
        self.constructor = yaml.SafeLoader("")  # only its scalar constructors are used

    def _span(self, node: yaml.Node) -> Span:
        return Span(self.name, node.start_mark.line + 1, node.start_mark.column + 1)

    def _fail(self, code: str, message: str, node: yaml.Node, path: Path) -> None:
        raise PolicykitError([*self.errors, Diagnostic(code, message, self._span(node), path)])

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            self._fail("too-many-nodes", f"more than {self.limits.max_nodes} values (alias expansion?)", node, path)
        if depth > self.limits.max_depth:
            self._fail("too-deep", f"nesting deeper than {self.limits.max_depth} levels", node, path)
        self.spans.setdefault(path, self._span(node))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            identity = getattr(node, "alias_of", id(node))
            if identity in self.aliases:
                self.expansions += 1
                if self.expansions > self.limits.max_aliases:
                    self._fail("too-many-aliases", f"more than {self.limits.max_aliases} alias expansions",
                               node, path)
            self.aliases.add(identity)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self._fail("forbidden-tag", f"tag {_tag_shown(node.tag)} is not allowed (safe YAML only)", node, path)
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        if node.tag != _MAP:
            self._fail("forbidden-tag", f"tag {_tag_shown(node.tag)} is not allowed (safe YAML only)", node, path)
        return self._mapping(node, path, depth)

    def _scalar(self, node: yaml.ScalarNode, path: Path, value: bool = True) -> Any:
        if node.tag in _KEEP_AS_TEXT:
            return node.value
        if node.tag not in _SCALAR_TAGS:
            self._fail("forbidden-tag", f"tag {_tag_shown(node.tag)} is not allowed (safe YAML only)", node, path)
        if node.tag == _INT and not node.style:  # plain (libyaml says "", PyYAML None)
            if value:  # not a key
                self.texts[path] = node.value
            if _SEXAGESIMAL.match(node.value):
                return node.value
            if _LEADING_ZEROS.match(node.value):
                return int(node.value.replace("_", ""), 10)
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError):
            # the value is not echoed: a case file's values may be personal data
            self._fail("invalid-value", f"cannot read this value as {node.tag.rsplit(':', 1)[-1]}", node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._fail("forbidden-tag", "merge keys ('<<') are not supported", key_node, path)
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail("invalid-key", "mapping keys must be plain scalars", key_node, path)
            key = self._scalar(key_node, path, value=False)
            if not isinstance(key, (str, int, bool)) and key is not None:
                self._fail("invalid-key", f"a key must be text, not {type(key).__name__}", key_node, path)
            key = str(key).lower() if isinstance(key, bool) else key
            key = "null" if key is None else key
            if key in out:
                first = self.spans.get((*path, key))
                where = f" (first at line {first.line})" if first else ""
                self.errors.append(Diagnostic("duplicate-key", f"key {shown(key, 'key')} appears twice{where}",
                                              self._span(key_node), (*path, key)))
                continue
            self.spans[(*path, key)] = self._span(key_node)
            out[key] = self.build(value_node, (*path, key), depth + 1)
            # a key's value keeps the key's position: errors point at the line a person edits
        return out
