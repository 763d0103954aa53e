"""What Chinese needs beyond segmentation: function words, pinyin, and telling languages apart.

- Function words (的, 了, 我, 吗, 怎么, 多久…) carry the grammar of a question, not its subject:
  a customer's long sentence is mostly made of them. They stay in the index (a query made of
  nothing else still answers) but leave every other query, its scores and its highlights.
  English question words get the same treatment, beside the stop words the index drops.
- Pinyin: customers on a phone type `tuihuo` or just `th` for 退货. Titles and tags are
  indexed under the full pinyin and the initials of each word (pypinyin picks the reading of
  a polyphone from the words around it: 银行 is yinhang, 行李 xingli), and homophone typos
  (发漂 for 发票) are corrected by pinyin against the index's own words.
- Language: the share of Han characters decides a document's, at indexing time; the same
  rule gives articles, forum categories and VIP announcements their stored language when
  the writer does not choose one (`kb.languages`).
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_CHARACTER = re.compile(f"[{HAN}]")
LATIN_LETTER = re.compile(f"[^\\W\\d_{HAN}]")

# Split from text: one word list a Chinese reader can check at a glance.
FUNCTION_WORDS = frozenset(
    """
    的 地 得 了 着 过 吗 嘛 呢 吧 啊 呀 哦 哈 啦 么 喔 噢 哇 嗯 呗
    我 你 您 他 她 它 我们 你们 他们 她们 咱们 自己 我的 你的 他的 人家
    是 在 有 没 没有 不 不是 也 都 就 还 还是 又 很 太 再 才 只 刚 刚刚 已经 一直 总是
    和 与 跟 及 或 或者 而 但 但是 可是 因为 所以 如果 的话 然后 那么 这样 那样 这么
    把 被 给 让 对 从 到 向 为 往 于 由 用 要 想 能 会 可以 可 能不能 可不可以 会不会 是不是
    这 那 这个 那个 哪个 这些 那些 一个 一下 一些 有点 有些 什么 啥 咋 哪 哪里 哪儿 谁
    怎么 怎么办 怎么样 怎样 如何 为什么 为啥 多久 多长时间 多少 几 几天 什么时候 何时
    请问 请 麻烦 帮 帮忙 帮我 一下子 谢谢 你好 您好 急 求 问 问下 问一下
    """.split()  # noqa: SIM905
)
ENGLISH_QUESTION_WORDS = frozenset(
    """
    i im me my mine myself do does did doing done how what whats why where which who
    whom whose should would could shall there here please pls help hi hello thanks
    want wants need needs still long much many some any very just got
    """.split()  # noqa: SIM905
)

_PINYIN_CACHE_LIMIT = 200_000
_full: dict[str, str] = {}
_initials: dict[str, str] = {}


def is_function_word(word: str) -> bool:
    return word in FUNCTION_WORDS or word in ENGLISH_QUESTION_WORDS


def _remember(cache: dict[str, str], word: str, value: str) -> str:
    if len(cache) >= _PINYIN_CACHE_LIMIT:
        cache.clear()
    cache[word] = value
    return value


def full_pinyin(word: str) -> str:
    """退货 → tuihuo (toneless, the way it is typed; ü as v)."""
    found = _full.get(word)
    if found is None:
        found = _remember(_full, word, "".join(lazy_pinyin(word, errors="ignore")))
    return found


def pinyin_initials(word: str) -> str:
    """退货 → th."""
    found = _initials.get(word)
    if found is None:
        letters = lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore")
        found = _remember(_initials, word, "".join(letters))
    return found


def pinyin_terms(word: str) -> list[str]:
    """What a Han word is found by when typed in pinyin: full, and initials of 2+ syllables."""
    terms = []
    full = full_pinyin(word)
    if len(full) >= 2:
        terms.append(full)
    initials = pinyin_initials(word)
    if len(word) >= 2 and len(initials) >= 2 and initials != full:
        terms.append(initials)
    return terms


def language_of(text: str) -> str:
    """ "zh" when Han characters make up at least a third of the letters, else "en"."""
    han = len(HAN_CHARACTER.findall(text))
    if not han:
        return "en"
    latin = len(LATIN_LETTER.findall(text))
    return "zh" if han * 3 >= han + latin else "en"
