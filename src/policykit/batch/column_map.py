"""Map an export's own column headers (Arabic or any other) to policykit's column names (SPEC §12).

`--column case_id="رقم الطلب"` (repeatable) and `--columns MAP.yaml` (a mapping `case_id: رقم الطلب`) both
name the canonical column first and the export's header second; the command line wins over the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from ..diagnostics import PolicykitError, Span, did_you_mean


@dataclass(frozen=True)
class ColumnMap:
    """header -> canonical column name."""

    renames: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.renames)

    def apply(self, names: Sequence[str]) -> list[str]:
        """The column names with the mapped headers renamed."""
        return [self.renames.get(n, n) for n in names]

    def check_targets(self, known: Sequence[str]) -> None:
        """Refuse a mapping to a column policykit does not read (`case-id` for `case_id`)."""
        for name in self.renames.values():
            if name not in known:
                raise PolicykitError.single("unknown-column", f"'{name}' is not a column policykit reads",
                                            Span("--column"), hint=did_you_mean(name, known))

    def check_seen(self, keys: set[str], source: str) -> None:
        """For a log without a header (JSONL, XES): refuse, once it is read, a mapped header no row had (a typo
        would otherwise lose that column in silence); its keys are not listed (a key may be personal data)."""
        missing = [h for h in self.renames if h not in keys]
        if missing:
            raise PolicykitError.single("unknown-column", f"no row of the log has '{missing[0]}' to map to "
                                        f"'{self.renames[missing[0]]}'", Span(source),
                                        hint=did_you_mean(missing[0], sorted(keys)))

    def check(self, names: Sequence[str], source: str) -> None:
        """Refuse a mapped header the log does not have (a typo would otherwise lose a whole column)."""
        present = set(names)
        missing = [h for h in self.renames if h not in present]
        if missing:
            hint = did_you_mean(missing[0], names) or "its columns: " + ", ".join(list(names)[:30])
            raise PolicykitError.single("unknown-column", f"the log has no column '{missing[0]}' to map to "
                                        f"'{self.renames[missing[0]]}'", Span(source, 1), hint=hint)
        clash = next((name for name in self.renames.values() if name in present and name not in self.renames), None)
        if clash is not None:  # two columns would then be read as one
            raise PolicykitError.single("usage", f"the log already has a column '{clash}'; map another header to it "
                                        "only after renaming that one", Span(source, 1))


def build(pairs: Iterable[str] = (), map_file: str | None = None, known: Iterable[str] = ()) -> ColumnMap:
    """The map from `--columns FILE` then each `--column NAME=HEADER`; `known` are the canonical names."""
    known = sorted(set(known))
    canonical_to_header: dict[str, str] = {}
    if map_file:
        canonical_to_header.update(_read_map(map_file))
    for pair in pairs:
        name, sep, header = pair.partition("=")
        if not sep or not name.strip() or not header.strip():
            raise PolicykitError.single("usage", f"--column expects NAME=HEADER, got '{pair}'",
                                        hint='e.g. --column case_id="رقم الطلب"')
        canonical_to_header[name.strip()] = header.strip()
    for name in canonical_to_header:
        if known and name not in known:
            raise PolicykitError.single("unknown-column", f"'{name}' is not a column policykit reads",
                                        Span(map_file or "--column"), hint=did_you_mean(name, known))
    headers = list(canonical_to_header.values())
    twice = next((h for h in headers if headers.count(h) > 1), None)
    if twice is not None:
        raise PolicykitError.single("usage", f"the header '{twice}' is mapped to two columns",
                                    Span(map_file or "--column"))
    return ColumnMap({header: name for name, header in canonical_to_header.items()})


def _read_map(path: str) -> dict[str, str]:
    from ..source import load_file  # the project's safe YAML reader: positions, duplicate keys refused

    document = load_file(path)
    data = document.data
    if not isinstance(data, dict):
        raise PolicykitError.single("invalid-column-map", "a column map is a mapping of column name to header "
                                    "text (case_id: رقم الطلب)", document.span(()))
    for key, value in data.items():
        if not isinstance(value, str) or not value.strip():
            raise PolicykitError.single("invalid-column-map", f"the header mapped to '{key}' must be text",
                                        document.span((key,)))
    return {str(k): v.strip() for k, v in data.items()}
