"""YAML text to a node tree, composed from libyaml's event stream with depth and size bounds."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from .diagnostics import PolicykitError, Span, shown
from .limits import Limits

try:  # libyaml is several times faster; the pure-Python parser is the fallback
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


def compose(text: str, name: str, limits: Limits) -> yaml.Node | None:
    """Compose the single document iteratively, refusing nesting past the bound.

    libyaml's own composer recurses in C and crashes the interpreter on deeply nested input,
    so nodes are built here from its (iterative) event stream instead.
    """
    try:
        return _compose_with(_Loader, text, name, limits)
    except yaml.MarkedYAMLError as exc:
        # Newer libyaml scanners refuse flow nesting past their own limit while reading ahead, before
        # our bound is reached in the event stream; the pure-Python scanner reads lazily, so it reaches
        # our bound (and its position) first, whatever the installed PyYAML.
        if _Loader is yaml.SafeLoader or "nesting depth" not in str(exc.problem or ""):
            raise
        return _compose_with(yaml.SafeLoader, text, name, limits)


def _compose_with(loader_class: Any, text: str, name: str, limits: Limits) -> yaml.Node | None:
    loader = loader_class(text)
    try:
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # document start
        root = _compose_document(loader, name, limits)
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise yaml.composer.ComposerError(None, None, "expected a single document, found another",
                                              event.start_mark)
        return root
    finally:
        loader.dispose()


def _compose_document(loader: Any, name: str, limits: Limits) -> yaml.Node:
    anchors: dict[str, yaml.Node] = {}
    stack: list[yaml.Node] = []
    pending_key: list[yaml.Node | None] = []
    root: yaml.Node | None = None
    composed = 0
    while root is None:
        event = loader.get_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise yaml.composer.ComposerError(None, None, f"found undefined alias {shown(event.anchor, 'alias')}",
                                                  event.start_mark)
            node, opened = _alias_use(anchors[event.anchor], event.start_mark), False
        elif isinstance(event, yaml.ScalarEvent):
            composed += 1
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node, opened = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style), False
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            kind = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(kind, None, event.implicit)
            if len(stack) >= limits.max_depth:
                mark = event.start_mark
                raise PolicykitError.single("too-deep", f"nesting deeper than {limits.max_depth} levels",
                                            Span(name, mark.line + 1, mark.column + 1))
            node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
            opened = True
            composed += 1
        else:  # sequence or mapping end
            node = stack.pop()
            pending_key.pop()
            node.end_mark = event.end_mark
            if not stack:
                root = node
            continue
        if composed > limits.max_nodes:
            mark = event.start_mark
            raise PolicykitError.single("too-many-nodes", f"more than {limits.max_nodes} values",
                                        Span(name, mark.line + 1, mark.column + 1))
        if event.anchor is not None and not isinstance(event, yaml.AliasEvent):
            anchors[event.anchor] = node
        if stack:
            _attach(stack[-1], pending_key, node)
        if opened:
            stack.append(node)
            pending_key.append(None)
        elif not stack:
            root = node
    return root


def _alias_use(target: yaml.Node, mark: Any) -> yaml.Node:
    """A node standing for one use of an alias: the target's content, positioned where the alias is written."""
    use = copy.copy(target)
    use.start_mark = mark
    use.alias_of = getattr(target, "alias_of", id(target))  # type: ignore[attr-defined]
    return use


def _attach(parent: yaml.Node, pending_key: list[yaml.Node | None], node: yaml.Node) -> None:
    if isinstance(parent, yaml.SequenceNode):
        parent.value.append(node)
    elif pending_key[-1] is None:
        pending_key[-1] = node
    else:
        parent.value.append((pending_key[-1], node))
        pending_key[-1] = None
