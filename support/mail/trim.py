"""What of a reply is new: quoted history and signatures trimmed from the text shown.

A customer's reply usually carries our whole previous email below it ("On … wrote:",
"在 … 写道：", Outlook's "From:/Sent:" block, "-----Original Message-----", QQ Mail's
"------------------ 原始邮件 ------------------", trailing "> " lines) and a signature
("-- ", "Sent from my iPhone", "发自我的iPhone"). The request shows only what is new; the whole
text is kept beside it (`SupportMessage.original_text`). When trimming would leave nothing,
nothing is trimmed: a message is never shown empty.
"""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"^\s*("
    r"on\b.{0,300}\bwrote\s*:"  # On Mon, 7 Dec 2026 at 09:00, Ada <ada@example.com> wrote:
    r"|在.{0,300}(写道|寫道)\s*[:：]"  # 在 2026年12月7日 09:00，Ada 写道：
    r"|(于|於).{0,300}(写道|寫道)\s*[:：]"
    r"|le\b.{0,300}\ba écrit\s*:"
    r"|am\b.{0,300}\bschrieb\b.{0,200}:"
    r"|.{0,300}\d{4}年.{0,100}(写道|寫道)\s*[:：]"
    r")\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}|_{2,}|={2,})?\s*("
    r"original message|原始邮件|原始郵件|ursprüngliche nachricht|message d'origine"
    r"|forwarded by .{0,80}"
    r")\s*(-{2,}|_{2,}|={2,})?\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")  # Outlook's line above its header block
_HEADER_FROM = re.compile(r"^\s*\**\s*(from|发件人|寄件者|de|von)\s*\**\s*[:：]", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\s*\**\s*(sent|date|to|cc|subject|发送时间|时间|日期|收件人|抄送|主题|寄件日期|"
    r"收件者|主旨|envoyé|gesendet|an|betreff|objet)\s*\**\s*[:：]",
    re.IGNORECASE,
)
_SIGNATURE_LINES = re.compile(
    r"^\s*("
    r"sent from my .{1,40}|sent from .{1,30} for (windows|mac|ios|android).{0,20}"
    r"|get outlook for .{1,30}|sent via .{1,30}|sent from mobile"
    r"|发自我的.{1,30}|来自我的.{1,30}|从我的.{1,30}发送|寄自我的.{1,30}|發自我的.{1,30}"
    r")\s*$",
    re.IGNORECASE,
)


def trim_reply(text: str) -> str:
    """The text without quoted history and signature (or the whole text, if that is all)."""
    lines = text.split("\n")
    end = _history_start(lines)
    kept = lines[:end]
    kept = _without_trailing_quotes(kept)
    kept = _without_signature(kept)
    trimmed = "\n".join(kept).strip()
    return trimmed if trimmed else text.strip()


def _history_start(lines: list[str]) -> int:
    """The index of the first line of quoted history, or len(lines)."""
    for index, line in enumerate(lines):
        if len(line) > 400:
            continue
        if _ATTRIBUTION.match(line) or (
            re.match(r"^\s*on\b", line, re.IGNORECASE) and _wraps_to_wrote(lines, index)
        ):
            return index
        if _SEPARATOR.match(line):
            return index
        if _HEADER_FROM.match(line) and _header_block(lines, index):
            return index - 1 if index > 0 and _RULE.match(lines[index - 1]) else index
    return len(lines)


def _wraps_to_wrote(lines: list[str], index: int) -> bool:
    """Gmail wraps a long attribution: "On …, Ada <ada@\nexample.com> wrote:"."""
    return any(
        _ATTRIBUTION.match(" ".join(part.strip() for part in lines[index : index + count]))
        for count in (2, 3)
    )


def _header_block(lines: list[str], index: int) -> bool:
    """A "From:" line starts quoted history when two more header lines follow it."""
    following = [line for line in lines[index + 1 : index + 7] if line.strip()]
    return sum(1 for line in following[:5] if _HEADER_OTHER.match(line)) >= 2


def _without_trailing_quotes(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    return lines[:end]


def _without_signature(lines: list[str]) -> list[str]:
    # "-- " is the standard delimiter; a bare "--" counts only near the end.
    for index in range(len(lines) - 1, 0, -1):
        if lines[index] == "-- " or (lines[index].rstrip() == "--" and len(lines) - index <= 12):
            lines = lines[:index]
            break
    end = len(lines)
    while end and (not lines[end - 1].strip() or _SIGNATURE_LINES.match(lines[end - 1])):
        end -= 1
    return lines[:end]
