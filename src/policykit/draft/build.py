"""`draft_policy(source, id)`: a draft policy for a new document, aligned with the known ones."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from ..coverage import arabic_quotations, normalise
from ..template.align import heading_similarity, similarity
from ..template.arabic import fold, folded_words
from ..template.outline import APPROVAL, Line, Outline, Section, is_item
from ..vocabulary import CHANNELS
from .known import ITEM_FIELDS, KnownPolicy, Match, best_match, plain
from .period import Period, find_period

REVIEW = "needs review"
# an Arabic name followed by the English one, with no Arabic after it
_LATIN_TAIL = re.compile(r"^([^A-Za-z]*?)(?:\s+([A-Za-z][^\u0600-\u06FF]*))?$")
EN_REVIEW = "(needs review)"
# how a period the text counts in weeks or months became days: an interpretation, said in the rule's note
_COUNTED = {"day": "", "week": " (weeks counted as 7 calendar days each)",
            "month": " (interpretation: a month counted as 30 calendar days; the text does not say which month length)"}
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_LETTERED = re.compile(r"^\s*([\u0621-\u064A])\s*-\s*")
_YEAR_ONLY = re.compile(r"(?:ل|في\s)?عام\s*([0-9٠-٩]{4})\s*م(?!\w)")
_DATE = r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})"
_SINGULAR = {"channels": "channel", "tools": "tool", "steps": "step", "service_practices": "practice",
             "detailed_goals": "goal", "services": "service", "relationship": "duty", "information_duties": "duty",
             "satisfaction": "method"}
_CHANNEL_NAMES = {cid: folded_words(label["ar"]) for cid, label in CHANNELS.items()}


def draft_policy(text: str, policy_id: str, source_file: str, known: list[KnownPolicy], outline: Outline) -> dict:
    """The draft policy (plain data) of a document `text`, learning from the `known` policies."""
    draft = _Draft(policy_id, source_file, known, outline)
    draft.build()
    draft.account_for_every_line(text)
    return draft.data


class _Draft:
    """The draft being written: the new document's outline matched line by line with the known policies."""

    def __init__(self, policy_id: str, source_file: str, known: list[KnownPolicy], outline: Outline) -> None:
        self.id, self.known, self.outline = policy_id, known, outline
        self.matches: dict[int, Match | None] = {line.number: best_match(line, known) for line in outline.lines}
        self.used: set[int] = set()
        self.ids: set[str] = set()
        self.data: dict[str, Any] = {
            "id": policy_id, "version": "1", "audience": self._audience(),
            "association": {}, "document": {"source_file": source_file},
            "calendar": {"timezone": "Asia/Riyadh", "work_week": ["sun", "mon", "tue", "wed", "thu"], "holidays": "SA",
                         "note": "The document defines neither the work week nor holidays; policykit's default calendar "
                                 "(docs/semantics.md §3) supplies them "
                                 f"({REVIEW})."},
        }
        self.not_encoded: list[dict] = []

    # --- parts -------------------------------------------------------------------------------------

    def build(self) -> None:
        """Every part: letterhead and title, table of contents, sections, approval, rules."""
        self._title_block()
        self._toc()
        for section in self.outline.sections:
            if section.kind == "approval":
                self._approval(section)
            else:
                self._section(section)
        self._rules()
        if self.not_encoded:
            self.data["not_encoded"] = self.not_encoded

    def _audience(self) -> str:
        words = [w for line in self.outline.lines for w in line.folded]
        members = sum("عضو" in w or "اعضاء" in w for w in words) + 5 * sum(
            1 for line in self.outline.title_block if "العموميه" in " ".join(line.folded))
        beneficiaries = sum("مستفيد" in w for w in words)
        return "general_assembly_members" if members > beneficiaries else "beneficiaries"

    def _title_block(self) -> None:
        lines = list(self.outline.title_block)
        title = next((i for i, line in enumerate(lines) if line.folded[:1] == ["سياسه"]), None)
        # the name begins with «جمعية» (or «الجمعية», «لجمعية»); a title's «أعضاء الجمعية العمومية» is not one
        name = next((i for i, line in enumerate(lines) if i != title and line.folded
                     and "جمعيه" in line.folded[0]), None)
        document = self.data["document"]
        if title is not None:
            first = lines[title]
            # a title wrapped over two lines: a short tail («المستفيدين»), or all of it after a bare «سياسة»
            last = lines[title + 1] if title + 1 < len(lines) and title + 1 != name and (
                len(lines[title + 1].folded) <= 2 or len(first.folded) == 1) else None
            text = f"{first.text} {last.text}" if last else first.text
            document["title"] = {"ar": text, "en": self._known_title(text)}
            document["title_clause"] = self._clause("العنوان", first if last is None else _span(first, last), None)
            self.used |= {first.number} | ({last.number} if last else set())
        else:
            document["title"] = {"ar": "سياسة تنظيم العلاقة مع المستفيدين", "en": EN_REVIEW}
        if name is not None:
            line = lines[name]
            tail = lines[name + 1] if name + 1 < len(lines) and name + 1 != title else None
            if tail is not None and len(tail.folded) <= 5 and tail.folded[0].startswith(("لل", "ب")):
                line = _span(line, tail)  # the name runs on: «الجمعية التعاونية» / «للمستشارين في تطوير الاعمال»
            text = re.sub(r"^ل(?=جمعية)", "", line.text)
            # a bilingual letterhead («جمعية حارف … Harif for Productive Families …») prints both names
            both = _LATIN_TAIL.match(text)
            arabic, english = ((both.group(1).strip(" -–|/"), both.group(2).strip(" -–|/"))
                               if both and both.group(2) and both.group(1).strip() else (text, EN_REVIEW))
            self.data["association"] = {"name": {"ar": arabic, "en": english},
                                        "clause": self._clause("الترويسة", line, None)}
            self.used |= {line.number, line.last}
        else:
            self.data["association"] = {"name": {"ar": self.id, "en": EN_REVIEW}}
        for index, line in enumerate(lines):
            if line.number not in self.used and APPROVAL.search(line.text):
                after = lines[index + 1] if index + 1 < len(lines) else None
                if after is not None and after.number not in self.used and after.folded[:1] == ["بناء"]:
                    line = _span(line, after)  # «معتمدة من مجلس الإدارة» / «بناءً على المحضر … لعام ٢٠٢٣ م»
                self._approval(Section(None, [line], kind="approval"))

    def _known_title(self, text: str) -> str:
        for known in self.known:
            title = known.data["document"]["title"]
            if folded_words(title["ar"]) == folded_words(text):
                return title["en"]
        return EN_REVIEW

    def _toc(self) -> None:
        toc = ([self.outline.toc_title] if self.outline.toc_title else []) + [e.line for e in self.outline.toc]
        if toc:
            self.not_encoded.append({"ref": "المحتويات", "text_ar": " ".join(normalise(l.raw) for l in toc),
                                     "reason": "Table of contents: navigation only, it repeats the headings.",
                                     "line": toc[0].number, "end_line": toc[-1].last})
            self.used |= {l.number for l in toc}

    def _section(self, section: Section) -> None:
        """A headed section: its field by what its lines match in the known policies, else by its heading."""
        if not section.lines:
            if section.heading is not None:
                self._leave(section.heading)  # a heading with nothing under it
            return
        votes = Counter(c.field for line in section.lines if (m := self.matches[line.number]) for c in m.cited[:1])
        field = votes.most_common(1)[0][0] if votes else self._field_by_heading(section)
        heading = section.heading.text if section.heading else None
        if section.heading is not None and field is not None:
            self.used.add(section.heading.number)
        if field is None:
            for line in section.lines:
                self._leave(line)
            if section.heading is not None:
                self._leave(section.heading)
            return
        key = self._section_key(section, field)
        if field in ("preamble", "responsibilities"):
            for index, line in enumerate(section.lines, start=1):
                ref = key if len(section.lines) == 1 else f"{key}-{_indic(index)}"
                self._append(field, {"clause": self._clause(ref, line, heading)})
            return
        if field in ("general_goal", "scope"):
            first, rest = section.lines[0], section.lines[1:]
            match = self.matches[first.number]
            passage = {"clause": self._clause(key, first, heading)}
            label = match and match.cited[0].data.get("label")
            passage["label"] = _carried_label(label, match) if label and field == match.cited[0].field else {
                "ar": section.heading.text.rstrip(" :-") if section.heading else REVIEW, "en": EN_REVIEW}
            self.data["document"][field] = passage
            for line in rest:
                self._leave(line)
            return
        if field in ITEM_FIELDS:
            if heading is not None and field in ("channels", "tools", "steps"):
                self.data[f"{field}_section_ar"] = heading
            counters: Counter = Counter()
            listed = any(is_item(line) for line in section.lines)
            for line in section.lines:
                if listed and not is_item(line):
                    self._leave(line)  # a paragraph after the list is not one of its items
                    continue
                # an item the known policies file under another list (practices nested under a goal)
                match = self.matches[line.number]
                own = match.cited[0] if match else None
                target = (own.field if own and own.field != field and own.field in ITEM_FIELDS
                          and match.score >= 0.75 else field)
                counters[target] += 1
                prefix = key if target == field else _ref_head(own.data.get("clause", {}).get("ref", "")) or key
                self._item(target, line, f"{prefix}-{_indic(counters[target])}", heading)
            return
        for line in section.lines:
            self._leave(line)

    def _field_by_heading(self, section: Section) -> str | None:
        if section.heading is None:
            return "preamble" if section.lines and not self.data["document"].get("preamble") else None
        best, score = None, 0.0
        for known in self.known:
            for cited in (c for cs in known.by_line.values() for c in cs if c.heading):
                value = heading_similarity(section.heading.folded, folded_words(cited.heading))
                if value > score:
                    best, score = cited.field, value
        return best if score >= 0.5 else None

    def _section_key(self, section: Section, field: str) -> str:
        lettered = _LETTERED.match(section.heading.raw) if section.heading else None
        if lettered:
            return lettered.group(1)
        refs = Counter()
        for line in section.lines:
            match = self.matches[line.number]
            if match:
                ref = match.cited[0].data.get("clause", {}).get("ref", "")
                head = ref.rsplit("-", 1)[0] if "-" in ref else ref
                if head and not re.fullmatch(r"[\u0621-\u064A]", head):
                    refs[head] += 1
        if refs:
            return refs.most_common(1)[0][0]
        return section.heading.text.split()[0].rstrip(":-") if section.heading else "تمهيد"

    def _item(self, field: str, line: Line, ref: str, heading: str | None) -> None:
        match = self.matches[line.number]
        cited = next((c for c in match.cited if c.field == field), None) if match else None
        item: dict[str, Any] = {}
        if field == "channels":
            channel = self._channel_id(line, cited)
            if channel is None:
                channel = self._unique(f"channel_{_slug(ref)}")
                self.data.setdefault("extra_channels", []).append(
                    {"id": channel, "label": {"ar": _short(line.text), "en": EN_REVIEW},
                     "note": f"Not in the canonical vocabulary: this policy's own id ({REVIEW})."})
                item["note"] = f"A channel the canonical vocabulary lacks: the policy's own id ({REVIEW})."
            label = CHANNELS.get(channel, {"ar": _short(line.text), "en": EN_REVIEW})
            item = {"id": channel, "label": {"ar": label["ar"], "en": label["en"]}, **item}
        elif cited is not None:
            item = {"id": self._unique(cited.data["id"]), "label": _carried_label(cited.data["label"], match)}
            for key in ("events", "machine_checkable", "period"):
                if key in cited.data:
                    item[key] = plain(cited.data[key])
            item["note"] = f"Recognised as {cited.policy}'s «{cited.data['id']}» ({REVIEW})."
        else:
            item = {"id": self._unique(f"{_SINGULAR[field]}_{_slug(ref)}"),
                    "label": {"ar": _short(line.text), "en": EN_REVIEW}, "note": f"Not recognised: {REVIEW}."}
            if field == "satisfaction":
                item["period"] = None
        item["clause"] = self._clause(ref, line, heading)
        self._append(field, item)

    def _channel_id(self, line: Line, cited) -> str | None:
        if cited is not None and cited.data.get("id") in CHANNELS:
            return cited.data["id"]
        words = line.folded
        best = max(CHANNELS, key=lambda cid: similarity(words, _CHANNEL_NAMES[cid]))
        return best if similarity(words, _CHANNEL_NAMES[best]) >= 0.6 else None

    def _approval(self, section: Section) -> None:
        if "approval" in self.data or not section.lines:
            for line in section.lines:
                self._leave(line)
            return
        line = section.lines[0]
        # digits as ASCII, hamza forms folded, the slashes of the dates kept
        folded = " ".join(fold(w) or w for w in re.sub(r"\s*/\s*", " / ", line.text).split())
        approval: dict[str, Any] = {"body": {"ar": "مجلس الإدارة", "en": "Board of directors"}}
        hijri = re.search(_DATE + r"\s*ه(?!\w)", folded)
        gregorian = re.search(_DATE + r"\s*م(?!\w)", folded) or re.search(r"(?:الموافق)\s*" + _DATE, folded)
        dates = re.search(r"[\d٠-٩.]+\s*/.*$", line.text)
        if dates:
            approval["date_as_written"] = dates.group(0).strip()
        if hijri:
            day, month, year = (int(g) for g in hijri.groups())
            approval["date_hijri"] = f"{year:04d}-{month:02d}-{day:02d}"
        if gregorian:
            day, month, year = (int(g) for g in gregorian.groups())
            approval["date_gregorian"] = f"{year:04d}-{month:02d}-{day:02d}"
        year_only = None if (hijri or gregorian or dates) else _YEAR_ONLY.search(line.text)
        if year_only:  # «لعام ٢٠٢٣ م»: a year and no day
            approval["date_as_written"] = year_only.group(0)
            approval["year_gregorian"] = int(year_only.group(1))  # int() reads Arabic-Indic digits
        approval["complete"] = bool(hijri or gregorian) and "..." not in line.text
        approval["clause"] = self._clause("الاعتماد", line, section.heading.text if section.heading else None)
        approval["note"] = f"Read from the approval sentence ({REVIEW})."
        self.data["approval"] = approval
        if section.heading is not None:
            self.used.add(section.heading.number)
        for other in section.lines[1:]:
            self._leave(other)

    # --- rules -------------------------------------------------------------------------------------

    def _rules(self) -> None:
        """Rules carried over where a clause matches a known rule's, and the response deadline as written."""
        rules: list[dict] = []
        cited = {c["line"]: c for c in _clauses(self.data)}
        deadline_seen = False
        for number, clause in cited.items():
            match = self.matches.get(number)
            period = find_period(clause["text_ar"])
            carried = [r for r in (match.rules if match and match.score >= 0.6 else ()) if r["kind"] != "deadline"]
            deadlines = [r for r in (match.rules if match else ()) if r["kind"] == "deadline"]
            for rule in carried:
                rules.append(self._carried(rule, clause, match))
            if period is not None and (deadlines or not deadline_seen):
                rules.insert(0, self._deadline(period, clause, deadlines[0] if deadlines else None, match))
                deadline_seen = True
        seen: set[str] = set()
        for rule in rules:
            base, n = rule["id"], 2
            while rule["id"] in seen:
                rule["id"], n = f"{base}_{n}", n + 1
            seen.add(rule["id"])
        if rules:
            self.data["rules"] = rules

    def _carried(self, rule: dict, clause: dict, match: Match) -> dict:
        copy = {k: plain(v) for k, v in rule.items() if k not in ("note", "clause")}
        copy["clause"] = dict(clause)
        copy["note"] = f"Carried over from {match.policy.id}'s rule «{rule['id']}», whose clause matches this one ({REVIEW})."
        return copy

    def _deadline(self, period: Period, clause: dict, known: dict | None, match: Match | None) -> dict:
        same = known is not None and known["period"] == {"amount": period.amount, "unit": period.unit}
        unit = period.unit.replace("_days", "")
        rule_id = known["id"] if same else f"respond_within_{period.amount}_{unit}_days"
        readings = ({"intended": {"bound": "at_most", "note": f"evident intent: an answer within {period.amount} "
                                                              f"{period.unit.replace('_', ' ')}"},
                     "literal": {"bound": "at_least", "note": "the bound is a minimum; no upper bound"}}
                    if period.bound == "at_least" else
                    {"intended": {"bound": "at_most", "note": f"as written: at most {period.amount} "
                                                              f"{period.unit.replace('_', ' ')}"},
                     "literal": {"bound": "at_most", "note": f"as written: at most {period.amount} "
                                                             f"{period.unit.replace('_', ' ')}"}})
        trigger = period.trigger or (known or {}).get("trigger", {}).get("event") or "request_completed"
        source = f"carried over from {match.policy.id}'s rule «{known['id']}»; " if known and match else ""
        return {"id": rule_id, "kind": "deadline",
                "label": {"ar": "مدة الرد على الطلب", "en": f"Answer within {period.amount} {period.unit.replace('_', ' ')}"},
                "clause": dict(clause), "trigger": trigger, "fulfilled_by": "decision_notified",
                "period": {"amount": period.amount, "unit": period.unit}, "as_written": period.as_written,
                "bound_as_written": period.bound, "readings": readings, "default_reading": "intended",
                "note": f"The period, unit and bound as the document writes them{_COUNTED[period.written_unit]}; "
                        f"{source}trigger and fulfilling event read from the sentence ({REVIEW})."}

    # --- helpers -----------------------------------------------------------------------------------

    def _clause(self, ref: str, line: Line, heading: str | None) -> dict:
        clause: dict[str, Any] = {"ref": ref, "text_ar": line.text}
        if heading:
            clause["section_ar"] = heading
        clause["line"] = line.number
        if line.last != line.number:
            clause["end_line"] = line.last
        self.used |= set(range(line.number, line.last + 1))
        return clause

    def _append(self, field: str, element: dict) -> None:
        target = self.data["document"] if field in ("preamble", "detailed_goals") else self.data
        target.setdefault(field, []).append(element)

    def _leave(self, line: Line) -> None:
        if line.number in self.used:
            return
        self.not_encoded.append({"ref": f"سطر-{_indic(line.number)}", "text_ar": line.text,
                                 "reason": f"Not recognised: {REVIEW}.", "line": line.number,
                                 **({"end_line": line.last} if line.last != line.number else {})})
        self.used |= set(range(line.number, line.last + 1))

    def _unique(self, wanted: str) -> str:
        candidate, n = wanted, 2
        while candidate in self.ids:
            candidate, n = f"{wanted}_{n}", n + 1
        self.ids.add(candidate)
        return candidate

    def account_for_every_line(self, text: str) -> None:
        """Lines nothing cites go under `not_encoded` («needs review»); quotations the source does not hold
        verbatim (a known label of five words or more) are shortened."""
        for line in self.outline.lines:
            self._leave(line)
        if self.not_encoded:
            self.data["not_encoded"] = sorted(self.not_encoded, key=lambda e: e["line"])
        source = normalise(text)
        for parent, key in _string_slots(self.data):
            if any(normalise(q) not in source for _, q in arabic_quotations(parent[key])):
                parent[key] = f"{REVIEW}." if key == "note" else _short(parent[key])


def _carried_label(label: dict, match: Match) -> dict:
    """A known element's label for this one: as it is where the two clauses say the same words, else with
    its English marked (it renders the other document's Arabic, which may say more or less)."""
    if match.score >= 1.0:
        return plain(label)
    return {"ar": label["ar"], "en": f"{label['en']} ({REVIEW}: worded after {match.policy.id}'s clause)"}


def _span(first: Line, last: Line) -> Line:
    return Line(first.number, f"{first.raw} {last.raw}", f"{first.text} {last.text}", last.last)


def _clauses(data: Any):
    if isinstance(data, dict):
        if isinstance(data.get("text_ar"), str) and isinstance(data.get("line"), int) and "reason" not in data:
            yield data
        for key, value in data.items():
            if key != "not_encoded":
                yield from _clauses(value)
    elif isinstance(data, list):
        for value in data:
            yield from _clauses(value)


def _ref_head(ref: str) -> str:
    """The section key of a reference («التعامل-٣» → «التعامل»), '' for a lettered one («ت-٣»)."""
    head = ref.rsplit("-", 1)[0] if "-" in ref else ""
    return "" if re.fullmatch(r"[\u0621-\u064A]", head) else head


def _indic(number: int) -> str:
    return str(number).translate(_INDIC)


def _slug(ref: str) -> str:
    """The item number of a reference in ASCII digits, for an id («القنوات-٣» → «3»)."""
    number = ref.rsplit("-", 1)[-1].translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    return number if number.isascii() and number.isdigit() else "1"


def _short(text: str) -> str:
    """A label from a clause: its first four words (a longer Arabic label would be a quotation)."""
    return " ".join(text.rstrip(" .،:").split()[:4])


def _string_slots(data: Any):
    """(container, key) of every string in plain data."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in list(items):
        if isinstance(value, str):
            yield data, key
        else:
            yield from _string_slots(value)
