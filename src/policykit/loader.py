"""Find, read, merge and validate policy files into Policy models, reporting every problem."""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any, Iterator

from .diagnostics import Diagnostic, PolicykitError, Span, did_you_mean, shown
from .source import Document, load_file
from . import policy_cache

if TYPE_CHECKING:
    from .model import Policy
    from .records import PolicyRecord

BUNDLED_IDS = ("green_energy", "saddad", "khairat_albaha", "harif", "suqya")
_META_KEYS = ("extends", "versions", "abstract")


def policies_dir() -> FsPath:
    """Where the bundled policies are: inside the installed package, else the source checkout."""
    return _bundled("policies", ("policies",))


def sources_dir() -> FsPath:
    """Where the copies of the source documents are."""
    return _bundled("sources", ("docs", "sources"))


@functools.lru_cache(maxsize=None)
def _bundled(packaged: str, in_checkout: tuple[str, ...]) -> FsPath:
    # the wheel installs these as plain files beside this module (never zipped), so no importlib.resources (~3 ms)
    here = FsPath(__file__).resolve().parent
    if (here / packaged).is_dir():
        return here / packaged
    return here.parents[1].joinpath(*in_checkout)


def bundled_ids() -> list[str]:
    """Ids of the bundled, loadable policies (bases and test fixtures excluded)."""
    return [pid for pid in BUNDLED_IDS if (policies_dir() / f"{pid}.yaml").is_file()]


def resolve(id_or_path: str | os.PathLike) -> FsPath:
    """A bundled id or a file path to the file to read."""
    text = str(id_or_path)
    if _names_a_file(text):
        return FsPath(text)
    bundled = policies_dir() / f"{text}.yaml"
    if _is_file(bundled):
        return bundled
    known = [p.stem for p in policies_dir().glob("*.yaml")]
    raise PolicykitError.single("unknown-policy", f"no bundled policy {shown(text)} and no such file",
                                hint=did_you_mean(text, known) or f"bundled: {', '.join(bundled_ids())}")


# directories a case file's policy (and the bases it extends) must stay inside; None: no boundary (operator's choice)
Roots = tuple[str, ...] | None
POLICY_PATH = "POLICYKIT_POLICY_PATH"
REFUSED = (f"a case's policy must be a bundled id or a relative path inside the case file's directory or "
           f"{POLICY_PATH}; not read")
REFUSED_BASE = f"'extends' must stay inside the case file's directory or {POLICY_PATH}; not read"


def case_policy(ref: str, case_dir: str | os.PathLike | None) -> tuple[str, Roots]:
    """Where a case's `policy:` may lead (SPEC §15): what to load, and the directories its bases must stay in.

    A bundled id, or a relative path that resolves inside `case_dir` (the case file's directory; None for data
    that came from no file) or a directory of POLICYKIT_POLICY_PATH. Anything else, absolute paths, `..` and
    symlinks leading out included, is policy-path-refused (raised without a position: the caller gives its own)."""
    if not _names_a_file(ref):
        return ref, None
    roots = tuple(_absolute(d) for d in (
        [case_dir] if case_dir is not None else []) + policy_path())
    if FsPath(ref).is_absolute() or not roots:
        raise PolicykitError.single("policy-path-refused", REFUSED, hint=_POLICY_PATH_HINT)
    inside = False
    for root in roots:
        try:
            target = os.path.realpath(os.path.join(root, ref))
        except (OSError, ValueError):  # a NUL byte
            break
        if _inside(target, root):
            inside = True
            if _is_file(FsPath(target)):
                return target, roots
    if not inside:
        raise PolicykitError.single("policy-path-refused", REFUSED, hint=_POLICY_PATH_HINT)
    raise PolicykitError.single("file-not-found", f"no such policy file in the case file's directory or {POLICY_PATH}")


_POLICY_PATH_HINT = f"copy the policy beside the case, list its directory in {POLICY_PATH}, or pass --policy"


def policy_path() -> list[str]:
    """The directories listed in POLICYKIT_POLICY_PATH (os.pathsep between them)."""
    return [entry for entry in os.environ.get(POLICY_PATH, "").split(os.pathsep) if entry.strip()]


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _inside_any(path: str, roots: tuple[str, ...]) -> bool:
    return any(_inside(path, root) for root in roots)


def policy_file(id_or_path: str | os.PathLike) -> str | None:
    """The file a policy reference names, or None when it names none (e.g. to keep outputs off it)."""
    try:
        return str(resolve(id_or_path))
    except PolicykitError:
        return None


def _names_a_file(text: str) -> bool:
    """Whether a policy reference is a path (it has a policy file's suffix or a directory part), not an id."""
    return FsPath(text).suffix in (".yaml", ".yml", ".json") or os.sep in text or "/" in text


def _lexists(path: FsPath) -> bool:
    """Whether anything is at `path` (a dangling or looping symlink included)."""
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False


def _is_file(path: FsPath) -> bool:
    """Whether `path` is a file; a path the OS cannot even look up (too long, NUL byte) is not."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def load_policy(id_or_path: str | os.PathLike, within: Roots = None) -> Policy:
    """Load a bundled policy by id, or a policy file by path; the latest version carries all versions.

    A policy is read once per process and once per content (policy_cache); an edit of the file or of a base
    it extends is seen on the next call. With `within`, every file read must be inside those directories."""
    absolute = _absolute_path(id_or_path)
    held = _loaded.get(absolute)
    if held is not None and policy_cache.current(held[1]) and _stamps_within(held[1], within):
        return held[0]
    found = policy_cache.read(absolute)
    if found is None or not _stamps_within(found[1], within):
        policy, files = read_policy_files(absolute, within)
        found = policy, policy_cache.write(absolute, policy, files)
    if len(_loaded) >= 64:
        _loaded.pop(next(iter(_loaded)))
    _loaded[absolute] = found
    return found[0]


def load_policy_records(id_or_path: str | os.PathLike, within: Roots = None) -> "Policy | PolicyRecord":
    """`load_policy` for the check path: from a warm cache, plain records read without importing pydantic.

    A cold cache, or one that is off, gives the validated model (records and model read alike)."""
    found = policy_cache.read_records(_absolute_path(id_or_path))
    if found is not None and _stamps_within(found[1], within):
        return found[0]
    return load_policy(id_or_path, within)


def _stamps_within(stamps, within: Roots) -> bool:
    """Whether every file a policy was read from is inside `within` (always, when there is no boundary)."""
    return within is None or all(_inside_any(file, within) for file, _ in stamps)


def _absolute_path(id_or_path: str | os.PathLike) -> str:
    path = resolve(id_or_path)
    try:
        # os.path.realpath, not Path.resolve: on Python 3.11 that raises RuntimeError on a symlink loop (a loop is
        # left in place here, and opening the file then says "too many levels of symbolic links")
        return os.path.realpath(path)
    except (OSError, ValueError):  # a NUL byte in the path
        raise PolicykitError.single("file-not-found", "not a valid file path", Span(str(path))) from None


# absolute path -> (policy, the digest of each file it was read from)
_loaded: dict[str, tuple[Policy, tuple[tuple[str, str | None], ...]]] = {}


def _absolute(file: str | os.PathLike) -> str:
    try:
        return os.path.realpath(file)
    except (OSError, ValueError):
        return str(file)


def load_policy_file(path: str | os.PathLike) -> Policy:
    """Read one policy file (following `extends`) and validate every version of it."""
    return read_policy_files(path)[0]


def read_policy_files(path: str | os.PathLike, within: Roots = None) -> tuple[Policy, tuple[str, ...]]:
    """The policy in `path`, and every file it was read from (the file, then the bases it extends).

    With `within` (directories), a base the policy extends must be inside one of them (policy-path-refused)."""
    # validation is imported here, not at the top: a warm `policykit check` reads policies from policy_cache
    from pydantic import ValidationError

    from . import checks
    from .model import Policy
    from .salvage import partial_policy
    from .validation import diagnostics_from

    doc = load_file(path)
    if not isinstance(doc.data, dict):
        raise PolicykitError.single("wrong-type", "a policy file must be a mapping", doc.span(()))
    if "case_id" in doc.data and "id" not in doc.data:
        raise PolicykitError.single("not-a-policy", "this is a case file (it has case_id), not a policy",
                                    doc.span(("case_id",)), ("case_id",), hint="judge it with: policykit check FILE")
    data, docs = _with_base(doc, seen=(_absolute(path),), within=within)
    versions_raw = data.pop("versions", None) or []
    data.pop("abstract", None)
    errors: list[Diagnostic] = []
    layers = [(data, ())]
    current = data
    if not isinstance(versions_raw, list):
        raise PolicykitError.single("wrong-type", "'versions' must be a list", doc.span(("versions",)),
                                    ("versions",))
    for index, layer in enumerate(versions_raw):
        if not isinstance(layer, dict):
            errors.append(Diagnostic("wrong-type", "a version must be a mapping",
                                     doc.span(("versions", index)), ("versions", index)))
            continue
        current = merge(current, layer)
        layers.append((current, ("versions", index)))
    built: list[Policy] = []
    for merged, prefix in layers:
        located = _located(docs, prefix, merged)
        try:
            policy = Policy.model_validate(merged)
            built.append(policy)
        except ValidationError as exc:
            errors.extend(diagnostics_from(exc, located, Policy, (), echo_values=True))
            policy = partial_policy(merged)  # reference problems are reported alongside schema ones
        errors.extend(checks.check_policy(policy, located))
    if len(built) == len(layers):
        errors.extend(checks.check_versions(built, docs[0]))
    if errors:
        raise PolicykitError(_dedupe(errors))
    latest = built[-1]
    if len(built) > 1:
        latest._earlier = tuple(built[:-1])  # type: ignore[misc]
    return latest, tuple(_absolute(d.file) for d in docs)


def merge(base: Any, override: Any) -> Any:
    """Deep-merge `override` onto `base`: mappings by key, lists of mappings with ids by id."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(override, list) and _all_have_ids(base) and _all_have_ids(override):
        out = [copy.deepcopy(x) for x in base]
        index = {item["id"]: i for i, item in enumerate(out)}
        for item in override:
            if item.get("remove") is True:
                out = [x for x in out if x["id"] != item["id"]]
                index = {x["id"]: i for i, x in enumerate(out)}
            elif item["id"] in index:
                out[index[item["id"]]] = merge(out[index[item["id"]]], item)
            else:
                index[item["id"]] = len(out)
                out.append(copy.deepcopy(item))
        return out
    return copy.deepcopy(override)


def _all_have_ids(items: list) -> bool:
    # Only string ids merge by id; any other id falls through to replacement so validation can name it.
    return bool(items) and all(isinstance(x, dict) and isinstance(x.get("id"), str) for x in items)


def _with_base(doc: Document, seen: tuple[str, ...], within: Roots) -> tuple[dict, list[Document]]:
    """The document's data merged over the base it extends, and the documents involved."""
    data = dict(doc.data)
    base_ref = data.pop("extends", None)
    if base_ref is None:
        return data, [doc]
    if not isinstance(base_ref, str):
        raise PolicykitError.single("wrong-type", "'extends' must name a policy file", doc.span(("extends",)),
                                    ("extends",))
    try:
        base_path = (FsPath(doc.file).parent / base_ref)
        if not base_path.suffix:
            base_path = base_path.with_suffix(".yaml")
    except ValueError:  # a name such as '.' has no suffix to add
        raise PolicykitError.single("unresolved-reference", "'extends' must name a policy file",
                                    doc.span(("extends",)), ("extends",)) from None
    real = _absolute(base_path)
    if within is not None and (FsPath(base_ref).is_absolute() or not _inside_any(real, within)):
        # the base is not read: nothing of a file outside the allowed directories may reach a message
        raise PolicykitError.single("policy-path-refused", REFUSED_BASE, doc.span(("extends",)), ("extends",))
    if real in seen:
        raise PolicykitError.single("circular-extends", f"'{base_ref}' extends itself", doc.span(("extends",)),
                                    ("extends",))
    if not _lexists(base_path):
        raise PolicykitError.single("unresolved-reference", f"base policy '{base_ref}' not found",
                                    doc.span(("extends",)), ("extends",))
    base_doc = load_file(base_path)  # a directory, a FIFO, a symlink loop: refused there, with its reason
    if not isinstance(base_doc.data, dict):
        raise PolicykitError.single("wrong-type", "a policy file must be a mapping", base_doc.span(()))
    base_data, docs = _with_base(base_doc, (*seen, real), within)
    base_data.pop("abstract", None)
    base_data.pop("versions", None)
    return merge(base_data, data), [doc, *docs]


class _located(Document):
    """A view that finds a path's position in the file that wrote it: the version layer, the child, then its bases.

    Lists of items with ids are merged by id, so an item's index in the merged data is translated to its
    index in each file before looking it up.
    """

    def __init__(self, docs: list[Document], prefix: tuple, data: Any) -> None:
        super().__init__(data, docs[0].file, docs[0].spans)
        self.docs = docs
        self.prefix = prefix

    def _sources(self) -> Iterator[tuple[Document, tuple, Any]]:
        if self.prefix:
            yield self.docs[0], self.prefix, _follow(self.docs[0].data, self.prefix)
        for doc in self.docs:
            yield doc, (), doc.data

    def span(self, path: tuple) -> Span:
        path = tuple(path)
        for length in range(len(path), -1, -1):
            for doc, prefix, data in self._sources():
                translated = _translate(path[:length], self.data, data)
                if translated is not None and (*prefix, *translated) in doc.spans:
                    return doc.spans[(*prefix, *translated)]
        return self.docs[0].span(())


def _follow(data: Any, path: tuple) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _translate(path: tuple, merged: Any, data: Any) -> tuple | None:
    """`path` into the merged data, as a path into one file's `data` (None when that file lacks it)."""
    out: list = []
    for part in path:
        if isinstance(merged, list) and isinstance(part, int) and 0 <= part < len(merged):
            item = merged[part]
            same_place = (isinstance(data, list) and part < len(data) and isinstance(data[part], dict)
                          and isinstance(item, dict) and data[part].get("id") == item.get("id"))
            if not same_place and isinstance(item, dict) and "id" in item and isinstance(data, list):
                part = next((j for j, x in enumerate(data) if isinstance(x, dict) and x.get("id") == item["id"]),
                            None)
                if part is None:
                    return None
            merged = item
        elif isinstance(merged, dict) and part in merged:
            merged = merged[part]
        else:
            merged = None
        out.append(part)
        data = _follow(data, (part,))
    return tuple(out)


def _dedupe(errors: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[str] = set()
    out = []
    for err in errors:
        if err.render() not in seen:
            seen.add(err.render())
            out.append(err)
    return out


def iter_bundled() -> Iterator[Policy]:
    """Every bundled policy, loaded."""
    for pid in bundled_ids():
        yield load_policy(pid)
