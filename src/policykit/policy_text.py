"""Render a whole policy for a person (text, Arabic or English) or a program (JSON, YAML)."""

from __future__ import annotations

import io
import textwrap
from typing import Any

import yaml
from rich.console import Console
from rich.markup import escape
from rich.text import Text
from rich.tree import Tree

from .counting import arabic_digits
from .model import AllCondition, AnyCondition, Clause, Condition, FactCondition, Item, NotCondition, Policy
from .neutralise import json_document, terminal
from .policy_labels import (CONTACT_KINDS, HEADINGS, HOLIDAYS, TIMEZONES, WEEKDAYS, WORDS, describe_rule,
                            event_label, kind_label)
from .vocabulary import CHANNELS, FACTS

FORMATS = ("text", "json", "yaml")
LANGS = ("ar", "en")

def render_policy(policy: Policy, fmt: str = "text", lang: str = "en", width: int = 100) -> str:
    """The whole policy in `fmt` (text, json, yaml); text is in `lang` (ar or en)."""
    if fmt == "json":
        return json_document(policy_data(policy))
    if fmt == "yaml":
        return yaml.safe_dump(policy_data(policy), allow_unicode=True, sort_keys=False, width=width)
    return _PolicyText(policy, lang, width).render()


def policy_data(policy: Policy) -> dict[str, Any]:
    """The policy as plain data, keys as written in policy files, empty fields left out."""
    return policy.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=False)


class _PolicyText:
    """Builds the text form of one policy, section by section."""

    def __init__(self, policy: Policy, lang: str, width: int) -> None:
        self.policy = policy
        self.lang = lang
        self.width = width
        self.buffer = io.StringIO()
        self.console = Console(file=self.buffer, width=width, color_system=None, highlight=False,
                               emoji=False, soft_wrap=False)

    def render(self) -> str:
        """The whole text."""
        for section in (self._header, self._association, self._approval, self._document, self._calendar,
                        self._channels, self._items_sections, self._steps, self._rules, self._compensation,
                        self._complaints, self._more_sections, self._not_encoded):
            section()
        # plain text (no colour): every line neutralised, so a policy file's labels cannot drive the terminal
        return "\n".join(terminal(line) for line in self.buffer.getvalue().split("\n"))

    # --- helpers -------------------------------------------------------------------------------

    def w(self, key: str) -> str:
        return WORDS[key][self.lang]

    def heading(self, key: str, section_ar: str | None = None) -> None:
        title = HEADINGS[key][self.lang]
        if section_ar and self.lang == "en":
            title += f"  ({section_ar})"
        elif section_ar:
            title = section_ar
        self.console.print()
        self.console.print(f"[bold]{escape(title)}[/bold]")
        self.console.print("─" * min(60, max(10, len(title))))

    def line(self, text: str, indent: int = 0) -> None:
        pad = " " * indent
        for paragraph in text.splitlines() or [""]:
            wrapped = textwrap.fill(paragraph, self.width, initial_indent=pad, subsequent_indent=pad,
                                    break_long_words=False, break_on_hyphens=False)
            self.console.print(Text(wrapped), soft_wrap=True)

    @property
    def ar(self) -> bool:
        """Arabic output: no English ids, notes or terms in it."""
        return self.lang == "ar"

    def note(self, text: str | None, indent: int) -> None:
        """An interpretive note (written in English): shown in English output only."""
        if text and not self.ar:
            self.line(f"※ {text}", indent)

    def ident(self, item_id: str) -> str:
        """`  <id>` in English output, nothing in Arabic (the labels say it)."""
        return "" if self.ar else f"  <{item_id}>"

    def label(self, item: Any) -> str:
        return getattr(item.label, self.lang) if getattr(item, "label", None) else ""

    def clause(self, clause: Clause | None, indent: int = 4, quote: bool | None = None) -> None:
        if clause is None:
            return
        show_text = self.lang == "ar" if quote is None else quote
        if show_text:
            self.line(f"[{clause.ref}] «{clause.text_ar}»", indent)

    def item(self, item: Item, extra: str = "", checkable_matters: bool = False) -> None:
        mark = "" if item.machine_checkable or not checkable_matters else f"  ({self.w('not_checkable')})"
        self.line(f"• [{item.clause.ref}] {self.label(item)}{extra}{mark}", 2)
        self.clause(item.clause)
        if item.reading and not self.ar:
            self.line(f"{self.w('reading')}: {item.reading}", 4)
        self.note(item.note, 4)

    # --- sections ------------------------------------------------------------------------------

    def _header(self) -> None:
        p = self.policy
        self.console.print(f"[bold]{escape(getattr(p.association.name, self.lang))}[/bold]")
        self.line(getattr(p.document.title, self.lang))
        when = f" · {self.w('effective_from')} {p.effective_from}" if p.effective_from else ""
        ident = "" if self.ar else f"{p.id} · "
        self.line(f"{ident}{self.w('version')} {p.version}{when} · {self.w('audience')}: {self.w(p.audience)}")
        if self.ar:
            self.line(self.w("english_notes"))

    def _association(self) -> None:
        a = self.policy.association
        self.heading("association")
        other = "en" if self.lang == "ar" else "ar"
        self.line(a.name.ar if self.ar else f"{getattr(a.name, self.lang)} — {getattr(a.name, other)}", 2)
        if a.short_name:
            self.line(f"{getattr(a.short_name, self.lang)}", 2)
        if a.registration:
            self.line(f"{self.w('registration')}: {a.registration.number} "
                      f"({getattr(a.registration.authority, self.lang)})", 2)
        for contact in a.contacts:
            self.line(f"{CONTACT_KINDS[contact.kind][self.lang]}: {contact.value}", 2)
        self.note(a.note, 2)

    def _approval(self) -> None:
        ap = self.policy.approval
        self.heading("approval")
        if ap is None:
            self.line(self.w("none_stated"), 2)
            return
        parts = [getattr(ap.body, self.lang) if ap.body else "", ap.meeting or "", ap.session or ""]
        self.line(" · ".join(x for x in parts if x), 2)
        from .report.board import mismatch

        flag = mismatch(ap.date_hijri, ap.date_gregorian and ap.date_gregorian.isoformat(), self.lang)
        dates = [d for d in (ap.date_as_written, ap.date_hijri and f"{ap.date_hijri} {self.w('hijri')}",
                             ap.date_gregorian and f"{ap.date_gregorian}" + (f" {flag}" if flag else ""),
                             ap.year_gregorian and str(ap.year_gregorian)) if d]
        incomplete = "" if ap.complete else f" ({self.w('incomplete')})"
        self.line(" · ".join(dates) + incomplete, 2)
        self.clause(ap.clause, 2, quote=True)
        self.note(ap.note, 2)

    def _document(self) -> None:
        d = self.policy.document
        self.heading("document")
        self.line(d.title.ar if self.ar else f"{d.title.ar} — {d.title.en}", 2)
        for key, passages in (("preamble", d.preamble), ("scope", (d.scope,) if d.scope else ()),
                              ("general_goal", (d.general_goal,) if d.general_goal else ())):
            for passage in passages:
                label = getattr(passage.label, self.lang) if passage.label else ""
                self.line(f"{self.w(key)}: {label}" if label and label != self.w(key) else self.w(key), 2)
                self.clause(passage.clause, 4, quote=True)
        if d.detailed_goals:
            self.line(self.w("detailed_goals") + ":", 2)
            for goal in d.detailed_goals:
                self.item(goal)
        self.note(d.note, 2)

    def _calendar(self) -> None:
        c = self.policy.calendar
        self.heading("calendar")
        zone = TIMEZONES.get(c.timezone, c.timezone) if self.ar else c.timezone
        days = ("، " if self.ar else ", ").join(WEEKDAYS[d][self.lang] for d in c.work_week)
        self.line(f"{self.w('timezone')}: {zone} · {self.w('work_week')}: {days} · "
                  f"{self.w('holidays')}: {HOLIDAYS[c.holidays][self.lang]}", 2)
        if c.extra_closures:
            self.line(", ".join(str(d) for d in c.extra_closures), 2)
        self.note(c.note, 2)

    def _channels(self) -> None:
        if not self.policy.channels:
            return
        self.heading("channels", self.policy.channels_section_ar)
        for channel in self.policy.channels:
            self.item(channel, self.ident(channel.id))

    def _items_sections(self) -> None:
        p = self.policy
        for key, items, section in (("tools", p.tools, p.tools_section_ar), ("services", p.services, None),
                                    ("service_practices", p.service_practices, None)):
            if items:
                self.heading(key, section or items[0].clause.section_ar)
                for item in items:
                    self.item(item)

    def _steps(self) -> None:
        if not self.policy.steps:
            return
        self.heading("steps", self.policy.steps_section_ar)
        for number, step in enumerate(self.policy.steps, start=1):
            events = ("، " if self.ar else ", ").join(f"{event_label(e, self.lang)}{self.ident(e).replace('  ', ' ')}"
                                                     for e in step.events)
            self.item(step, f"  ({arabic_digits(number) if self.ar else number})", checkable_matters=True)
            if events:
                self.line(f"{self.w('events')}: {events}", 4)

    def _rules(self) -> None:
        if not self.policy.rules:
            return
        self.heading("rules")
        for rule in self.policy.rules:
            ident = "" if self.ar else f"{rule.id} "
            self.line(f"• {ident}({kind_label(rule, self.lang)}) [{rule.clause.ref}] "
                      f"{getattr(rule.label, self.lang)}", 2)
            self.line(describe_rule(rule, self.lang), 4)
            self.clause(rule.clause, 4, quote=True)
            self.note(rule.note, 4)

    def _compensation(self) -> None:
        comp = self.policy.compensation
        if comp is None:
            return
        self.heading("compensation", comp.section_ar)
        tree = Tree(escape(HEADINGS["compensation"][self.lang]))
        self._condition_tree(comp.condition, tree)
        self.console.print(tree)
        for item in comp.conditions:
            self.item(item, checkable_matters=True)
        if comp.procedure:
            self.line(self.w("procedure") + ":", 2)
            for item in comp.procedure:
                self.item(item, checkable_matters=True)
        for text in (comp.reading, comp.note):
            self.note(text, 2)

    def _condition_tree(self, cond: Condition, tree: Tree) -> None:
        if isinstance(cond, FactCondition):
            ref = f" [{cond.clause_ref}]" if cond.clause_ref else ""
            tree.add(escape(f"{FACTS.get(cond.fact, {}).get(self.lang, cond.fact)}{self.ident(cond.fact)}{ref}"))
        elif isinstance(cond, (AllCondition, AnyCondition)):
            key = "all" if isinstance(cond, AllCondition) else "any"
            branch = tree.add(self.w(key))
            for sub in getattr(cond, key):
                self._condition_tree(sub, branch)
        elif isinstance(cond, NotCondition):
            self._condition_tree(cond.not_, tree.add(self.w("not")))

    def _complaints(self) -> None:
        c = self.policy.complaints
        if c is None:
            return
        self.heading("complaints", c.section_ar)
        names = ("، " if self.ar else ", ").join(CHANNELS.get(cid, {}).get(self.lang, cid) for cid in c.channels)
        self.line(f"{HEADINGS['channels'][self.lang]}: {names}", 2)
        if c.handler:
            self.line(f"{self.w('handler')}: {getattr(c.handler, self.lang)}", 2)
        for item in c.items:
            self.item(item, checkable_matters=True)
        if c.unspecified and not self.ar:
            self.line(f"{self.w('unspecified')}: " + "; ".join(c.unspecified), 2)
        self.note(c.note, 2)

    def _more_sections(self) -> None:
        p = self.policy
        for key, items in (("relationship", p.relationship), ("information_duties", p.information_duties)):
            if items:
                self.heading(key, items[0].clause.section_ar)
                for item in items:
                    self.item(item)
        if p.satisfaction:
            self.heading("satisfaction", p.satisfaction[0].clause.section_ar)
            for method in p.satisfaction:
                self.item(method, f" — {self.w('period')}: {method.period or self.w('no_period')}")
        for passage in p.responsibilities:
            self.heading("responsibilities", passage.clause.section_ar)
            if passage.label:
                self.line(getattr(passage.label, self.lang), 2)
            self.clause(passage.clause, 2, quote=True)

    def _not_encoded(self) -> None:
        if not self.policy.not_encoded:
            return
        self.heading("not_encoded")
        for entry in self.policy.not_encoded:
            self.line(f"• [{entry.ref}]" + ("" if self.ar else f" {entry.reason}"), 2)
            self.line(f"«{entry.text_ar}»", 4)
