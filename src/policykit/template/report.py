"""The shared template and each document's deviations from it, as a Markdown page (docs/template.md)."""

from __future__ import annotations

from .align import Template, deviations
from .outline import Outline

HEAD = """# The template four of the documents share

Derived by `policykit.template`: the bundled documents are outlined (headings, items, table of
contents), their lines aligned with one another word by word (`difflib`, on Arabic-aware forms:
hamza and alef forms, ta marbuta, alef maqsura, tatweel, Arabic-Indic digits and punctuation do not
count as differences), and each word of the template is the one most of the documents write there.
A document belongs to the template's family when its text is close enough to another's; harif is not.
`policykit lint` reads its misspellings, broken words and missing sections from this alignment, and
`policykit draft` starts a new association's policy from it.

"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _short(words: list[str], limit: int = 14) -> str:
    return " ".join(words) if len(words) <= limit else " ".join(words[:limit]) + " …"


def template_markdown(template: Template, outlines: list[Outline]) -> str:
    """The page: the template's sections with the lines of each document that say them, then every
    document's deviations (line, what it writes, what the template writes, how many others agree)."""
    lines = [HEAD.rstrip("\n"), "", f"Family: {', '.join(template.names)}.", "", "## Sections and lines", ""]
    names = template.names
    for part in template.parts:
        heading = " ".join(part.heading.words) if part.heading.words else "(approval sentence)"
        where = ", ".join(f"{n} {part.sections[n].heading.number if part.sections[n].heading else part.sections[n].lines[0].number}"
                          for n in names if n in part.sections)
        lines += [f"### «{heading}»", "", f"In: {where or '—'}." + (
            f" Listed in the table of contents of {', '.join(part.listed)}." if part.listed else ""), ""]
        if part.slots:
            lines += ["| template line | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
            for slot in part.slots:
                cells = [str(slot.members[n].number) if n in slot.members else "" for n in names]
                lines.append(f"| {_cell(_short(slot.words))} | " + " | ".join(cells) + " |")
            lines.append("")
    lines += ["## Deviations", "",
              "Where a document's aligned line differs from the template's words (audience words such as "
              "المستخدم/المستفيد/الأعضاء included); `others` is how many other documents write the template's word.", ""]
    for outline in outlines:
        found = deviations(outline, template)
        lines += [f"### {outline.name}", "", "| line | kind | written | template | others |", "|---|---|---|---|---|"]
        lines += [f"| {d.line.number} | {d.kind} | {_cell(_short(list(d.written), 8))} | "
                  f"{_cell(_short(list(d.template), 8))} | {max(d.support, 0)} |" for d in found]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
