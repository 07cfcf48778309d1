"""YAML/JSON text to plain data plus a path-to-position table, loaded safely and within bounds."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml

from .diagnostics import Diagnostic, Path, PolicykitError, Span

try:  # libyaml is several times faster; the pure-Python composer is the fallback
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile file from exhausting time or memory."""

    max_bytes: int = 10 * 1024 * 1024
    max_nodes: int = 1_000_000
    max_depth: int = 64
    max_aliases: int = 1_000


DEFAULT_LIMITS = Limits(
    max_bytes=int(os.environ.get("POLICYKIT_MAX_FILE_BYTES", 10 * 1024 * 1024)),
)

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
}
# Dates and times stay strings: the case loader owns their meaning (offsets, Hijri, local time).
_KEEP_AS_TEXT = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


@dataclass
class Document:
    """Plain data read from one file, with the position of every node."""

    data: Any
    file: str
    spans: dict[Path, Span] = field(default_factory=dict)

    def span(self, path: Path) -> Span:
        """The position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.spans:
                return self.spans[path]
            path = path[:-1]
        return self.spans.get((), Span(self.file, 1, 1))


def read_text(file: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a UTF-8 text file (BOM allowed), refusing oversized or binary content."""
    name = str(file)
    try:
        size = os.path.getsize(name)
        if size > limits.max_bytes:
            raise PolicykitError.single(
                "file-too-large", f"file is {size} bytes; the limit is {limits.max_bytes}",
                Span(name), hint="raise POLICYKIT_MAX_FILE_BYTES if the file is genuine")
        raw = FsPath(name).read_bytes()
    except FileNotFoundError:
        raise PolicykitError.single("file-not-found", "no such file", Span(name)) from None
    except IsADirectoryError:
        raise PolicykitError.single("file-not-found", "is a directory, not a file", Span(name)) from None
    except PermissionError:
        raise PolicykitError.single("file-unreadable", "permission denied", Span(name)) from None
    return decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    """Bytes to text: UTF-8 with an optional BOM; CRLF becomes LF."""
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise PolicykitError.single("binary-file", "file contains NUL bytes; expected UTF-8 text",
                                    Span(name, line))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PolicykitError.single("invalid-utf8", f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                                    Span(name, line, col)) from None
    return text.replace("\r\n", "\n")


def load_file(file: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read and parse a YAML or JSON file into a Document."""
    name = str(file)
    return parse(read_text(name, limits), name, limits)


def parse(text: str, name: str = "<string>", limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse YAML (JSON is read by the same safe parser) into plain data with spans."""
    if len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise PolicykitError.single("file-too-large", f"input exceeds {limits.max_bytes} bytes", Span(name))
    if not text.strip():
        raise PolicykitError.single("empty-file", "file is empty", Span(name, 1, 1))
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = Span(name, mark.line + 1, mark.column + 1) if mark else Span(name)
        problem = exc.problem or exc.context or "malformed YAML"
        raise PolicykitError.single("syntax-error", f"malformed YAML/JSON: {problem}", span) from None
    except yaml.YAMLError as exc:
        raise PolicykitError.single("syntax-error", f"malformed YAML/JSON: {exc}", Span(name)) from None
    if node is None:
        raise PolicykitError.single("empty-file", "file holds no document", Span(name, 1, 1))
    builder = _Builder(name, limits)
    data = builder.build(node, (), 0)
    if builder.errors:
        raise PolicykitError(builder.errors)
    return Document(data, name, builder.spans)


class _Builder:
    """Turns a composed YAML node tree into plain data, checking keys, tags and bounds."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name = name
        self.limits = limits
        self.spans: dict[Path, Span] = {}
        self.errors: list[Diagnostic] = []
        self.nodes = 0
        self.aliases: dict[int, int] = {}
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
            seen = self.aliases.get(id(node), 0)
            if seen:
                if sum(self.aliases.values()) > self.limits.max_aliases:
                    self._fail("too-many-aliases", f"more than {self.limits.max_aliases} alias expansions",
                               node, path)
            self.aliases[id(node)] = seen + 1
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self._fail("forbidden-tag", f"tag {node.tag!r} is not allowed (safe YAML only)", node, path)
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        if node.tag != _MAP:
            self._fail("forbidden-tag", f"tag {node.tag!r} is not allowed (safe YAML only)", node, path)
        return self._mapping(node, path, depth)

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        if node.tag in _KEEP_AS_TEXT:
            return node.value
        if node.tag not in _SCALAR_TAGS:
            self._fail("forbidden-tag", f"tag {node.tag!r} is not allowed (safe YAML only)", node, path)
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self._fail("invalid-value", f"cannot read scalar {node.value!r}: {exc}", node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._fail("forbidden-tag", "merge keys ('<<') are not supported", key_node, path)
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail("invalid-key", "mapping keys must be plain scalars", key_node, path)
            key = self._scalar(key_node, path)
            if not isinstance(key, (str, int, bool)) and key is not None:
                self._fail("invalid-key", f"key {key!r} is not a string", key_node, path)
            key = str(key).lower() if isinstance(key, bool) else key
            key = "null" if key is None else key
            if key in out:
                first = self.spans.get((*path, key))
                where = f" (first at line {first.line})" if first else ""
                self.errors.append(Diagnostic("duplicate-key", f"key '{key}' appears twice{where}",
                                              self._span(key_node), (*path, key)))
                continue
            self.spans[(*path, key)] = self._span(key_node)
            out[key] = self.build(value_node, (*path, key), depth + 1)
            # a key's value keeps the key's position: errors point at the line a person edits
        return out
