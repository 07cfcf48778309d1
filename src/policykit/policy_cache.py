"""Validated policies kept on disk, so a warm `policykit check` skips YAML parsing and pydantic validation.

An entry is used only when every file the policy was read from (the file and the bases it extends) still has
the content recorded (by digest: a modification time can stay the same across an edit on coarse file systems),
and policykit and Python are the versions that wrote it.
An entry is plain JSON (data only: reading one can run no code, SPEC §15) holding the policy as records
(policykit.records: what a warm `policykit check` reads, without importing pydantic); `load_policy` validates
those records back into the pydantic model. Entries are read only as cachedir allows: the user's own files in
the user's own directory, which nobody else can write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import sys
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from . import __version__
from .cachedir import cache_dir, read_entry, write_entry
from .records import PolicyRecord, Record

if TYPE_CHECKING:
    from .model import Policy

_FORMAT = 3
_HERE = FsPath(__file__).resolve().parent


Stamps = tuple[tuple[str, "str | None"], ...]


def read(path: str) -> "tuple[Policy, Stamps] | None":
    """The cached policy model of the file at absolute `path` and its files' digests, if it is still current."""
    found = read_records(path)
    if found is None:
        return None
    try:
        return model_of(found[0]), found[1]
    except Exception:  # noqa: BLE001 - records the model no longer accepts: a miss, read from the YAML again
        return None


def read_records(path: str) -> "tuple[PolicyRecord, Stamps] | None":
    """The cached policy of `path` as plain records (no pydantic imported), if it is still current."""
    entry = _entry(path)
    if entry is None:
        return None
    data = read_entry(entry)
    if data is None:
        return None
    try:
        header = json.loads(data, object_hook=_decode)
        stamps = tuple((str(file), stamp) for file, stamp in header["files"])
        if header.get("runtime") != _runtime() or not stamps or stamps[0][0] != path or not current(stamps):
            return None
        policy = header["policy"]
        return (policy, stamps) if isinstance(policy, PolicyRecord) else None
    except Exception:  # noqa: BLE001 - a stale or damaged entry is a cache miss, never an error
        return None


def current(stamps: Stamps) -> bool:
    """Whether every file still has the content it had."""
    return all(digest(file) == stamp for file, stamp in stamps)


def write(path: str, policy: "Policy", files: tuple[str, ...]) -> Stamps:
    """Keep `policy`, read from `files` (the first is `path`), for the next process; the files' digests."""
    from .records import record_of

    stamps = tuple((file, digest(file)) for file in files)
    entry = _entry(path)
    if entry is None:
        return stamps
    try:
        data = json.dumps({"runtime": _runtime(), "files": stamps, "policy": _encode(record_of(policy))},
                          ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):  # a value JSON cannot hold: the policy is simply not cached
        return stamps
    write_entry(entry, data.encode("utf-8"))
    return stamps


def model_of(record: PolicyRecord) -> "Policy":
    """The pydantic model (validated again) of a policy record, with its earlier versions."""
    from .model import Policy

    policy = Policy.model_validate(_plain(record))
    if record._earlier:
        policy._earlier = tuple(model_of(version) for version in record._earlier)  # type: ignore[misc]
    return policy


def _plain(value: Any) -> Any:
    """Records as the mappings they were validated from (field names; the models accept them)."""
    if isinstance(value, Record):
        return {name: _plain(item) for name, item in value.__dict__.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


# JSON forms: a tuple is an array; a record, a mapping, a date an object with a tag key; a list (no model field is
# one) is not cached
def _encode(value: Any) -> Any:
    if isinstance(value, PolicyRecord):
        return {"$policy": value._model, "fields": _encode(value.__dict__)["$map"],
                "earlier": [_encode(version) for version in value._earlier]}
    if isinstance(value, Record):
        return {"$record": value._model, "fields": _encode(value.__dict__)["$map"]}
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("only text keys")
        return {"$map": {key: _encode(item) for key, item in value.items()}}
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, dt.datetime):  # before date: a datetime is a date
        raise TypeError("no datetimes in a policy")
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(obj: dict) -> Any:
    """json's object_hook: a tagged object back to its value (arrays inside become tuples)."""
    if "$record" in obj:
        return Record(str(obj["$record"]), _fields(obj["fields"]))
    if "$policy" in obj:
        return PolicyRecord(str(obj["$policy"]), _fields(obj["fields"]), tuple(obj["earlier"]))
    if "$map" in obj:
        return _fields(obj["$map"])
    if "$date" in obj:
        return dt.date.fromisoformat(obj["$date"])
    return obj


def _fields(obj: dict) -> dict:
    return {key: _tuples(item) for key, item in obj.items()}


def _tuples(value: Any) -> Any:
    return tuple(_tuples(item) for item in value) if type(value) is list else value


def _entry(path: str) -> FsPath | None:
    root = cache_dir()
    if root is None:
        return None
    name = hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return root / "policies" / f"{name}.json"


def _runtime() -> list:
    """What must match for an entry to be read back: the format, our version, Python's, the model and record code,
    and the rule kinds registered with the files defining them (each kind defines its rule's model)."""
    from .judge.kinds import KINDS

    kinds = [[name, digest(type(kind).decide.__code__.co_filename)] for name, kind in sorted(KINDS.items())]
    return [_FORMAT, __version__, list(sys.version_info[:2]), digest(str(_HERE / "model.py")),
            digest(str(_HERE / "records.py")), kinds]


def digest(file: str) -> str | None:
    """A digest of the regular file's content (None when it cannot be read, or is a FIFO or a device)."""
    try:
        # without blocking: a policy file swapped for a FIFO must not hang a warm check
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError):
        return None
    with open(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
        except OSError:
            return None
