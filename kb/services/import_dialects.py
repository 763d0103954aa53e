"""The Markdown of documentation generators, brought to the Markdown Portico renders.

Hugo, MkDocs, Docusaurus, VitePress and Jekyll each add their own syntax. What has a Portico
equivalent is mapped (GitHub's `> [!NOTE]`, `> **Note**`, `:::tip` and `??? note` become
`!!! note` admonitions; MkDocs `=== "Tab"` and Docusaurus `<TabItem label>` become a labelled
section); what has none (shortcodes `{{< … >}}`, Liquid tags `{% … %}`, template variables
`{{ … }}`, MDX imports) is removed with a warning, so a reader never sees it raw. Code blocks
are left exactly as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_TEMPLATE = re.compile(r"\{\{<.*?>\}\}|\{\{%.*?%\}\}|\{%.*?%\}|\{\{.*?\}\}")
_MDX = re.compile(r"^(import\s.+\sfrom\s|import\s+['\"]|export\s+(const|default)\s)")
_ALERT = re.compile(r"^>\s*\[!(\w+)\]\s*(.*)$")
_BOLD_NOTE = re.compile(
    r"^>\s*\*\*(Note|Tip|Warning|Important|Caution|Danger|Info)(?::)?\*\*:?\s*(.*)$", re.I
)
_COLONS = re.compile(r"^:::+\s*(\w+)?\s*(.*)$")
_DETAILS = re.compile(r"^\?\?\?\+?\s+(\w+)(.*)$")
_MKDOCS_TAB = re.compile(r'^===\+?\s+"(.*)"\s*$')
_TAB_ITEM = re.compile(r"^\s*<TabItem\b[^>]*?\blabel=[\"']([^\"']*)[\"'][^>]*>\s*$")
_TAB_WRAPPER = re.compile(r"^\s*</?(Tabs|TabItem)\b[^>]*>\s*$")
_LEADING_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$")
KINDS = {"note", "tip", "info", "warning", "danger", "caution", "important", "success"}


@dataclass
class Normalised:
    body: str
    heading: str = ""  # the body's leading `# Title`, taken out
    warnings: list[str] = field(default_factory=list)


def outside_code(lines: list[str]) -> Iterator[tuple[int, bool]]:
    """Each line's index, and whether it lies outside a fenced code block."""
    fence = ""
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = ""
            yield index, False
        elif match:
            fence = match.group(1)
            yield index, False
        else:
            yield index, True


def _kind(word: str) -> str:
    word = word.lower()
    return word if word in KINDS else "note"


def _quoted_block(lines: list[str], start: int) -> tuple[list[str], int]:
    """The `> ` lines from `start` on, unquoted, and the index after them."""
    body, index = [], start
    while index < len(lines) and lines[index].startswith(">"):
        body.append(re.sub(r"^>\s?", "", lines[index]))
        index += 1
    return body, index


def _admonition(kind: str, title: str, body: list[str]) -> list[str]:
    head = f"!!! {_kind(kind)}" + (f' "{title.strip()}"' if title.strip() else "")
    return [head, *["    " + line if line.strip() else "" for line in body], ""]


def _until_colons(lines: list[str], start: int) -> tuple[list[str], int]:
    body, index = [], start
    while index < len(lines) and not lines[index].strip().startswith(":::"):
        body.append(lines[index])
        index += 1
    return body, index + 1


def _map_blocks(lines: list[str]) -> list[str]:
    """Admonitions and tabs in their many spellings, as `!!!` blocks and labelled sections."""
    out: list[str] = []
    code = {index for index, outside in outside_code(lines) if not outside}
    index = 0
    while index < len(lines):
        line = lines[index]
        alert = None if index in code else (_ALERT.match(line) or _BOLD_NOTE.match(line))
        colons = None if index in code else _COLONS.match(line.strip())
        if alert:
            body, index = _quoted_block(lines, index + 1)
            out += _admonition(alert.group(1), "", [alert.group(2), *body])
            continue
        if colons and colons.group(1):
            body, index = _until_colons(lines, index + 1)
            out += _admonition(colons.group(1), colons.group(2), body)
            continue
        if index not in code and (details := _DETAILS.match(line)):
            line = f"!!! {_kind(details.group(1))}{details.group(2)}"
        elif index not in code and (tab := _MKDOCS_TAB.match(line) or _TAB_ITEM.match(line)):
            line = f"**{tab.group(1)}**\n"
        elif index not in code and _TAB_WRAPPER.match(line):
            line = ""
        out.append(line)
        index += 1
    return _dedent_tabs(out)


def _dedent_tabs(lines: list[str]) -> list[str]:
    """The content of a MkDocs tab is indented by four spaces; as a section it is not."""
    out, in_tab = [], False
    for line in lines:
        if line.startswith("**") and line.endswith("**\n"):
            in_tab = True
        elif in_tab and line.strip() and not line.startswith("    "):
            in_tab = False
        out.append(line[4:] if in_tab and line.startswith("    ") else line)
    return out


def _remove_templates(lines: list[str], warnings: list[str]) -> list[str]:
    removed: list[str] = []
    for index, outside in outside_code(lines):
        if not outside:
            continue
        line = lines[index]
        if _MDX.match(line):
            removed.append(line.strip())
            lines[index] = ""
            continue
        found = _TEMPLATE.findall(line)
        if found:
            removed += found
            lines[index] = _TEMPLATE.sub("", line)
    if removed:
        shown = ", ".join(sorted(set(removed))[:3])
        warnings.append(
            _(
                "%(count)d template tags or shortcodes removed (%(examples)s)",
                count=len(removed),
                examples=shown[:200],
            )
        )
    return lines


def _take_heading(lines: list[str]) -> tuple[str, list[str]]:
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _LEADING_H1.match(line)
        if match:
            return match.group(1).strip(), lines[:index] + lines[index + 1 :]
        break
    return "", lines


def normalise(body: str) -> Normalised:
    """The body in Portico's Markdown, its leading `#` title apart, and what was removed."""
    result = Normalised(body="")
    lines = _remove_templates(body.splitlines(), result.warnings)
    lines = _map_blocks(lines)
    result.heading, lines = _take_heading(lines)
    result.body = "\n".join(lines).strip("\n")
    return result
