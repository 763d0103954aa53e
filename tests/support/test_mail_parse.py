"""Reading mail without a database: charsets, encoded words, HTML, structure, robots, and
what of a reply is new. (What becomes of each message is tested, on both databases, in
test_mail_inbound.py and test_mail_threading.py.)"""

from __future__ import annotations

import pytest

from support.mail.parse import NotAMessage, parse_message
from support.mail.text import decode_bytes, decode_header, html_to_text, single_line
from support.mail.trim import trim_reply
from tests.support.mail_helpers import compose, eml


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("朱镕基".encode("gbk"), "gb2312", "朱镕基"),  # GBK characters under a GB2312 label
        ("香港".encode("big5hkscs"), "big5", "香港"),
        ("日本語".encode("iso2022_jp"), None, "日本語"),  # recognised by its escapes
        ("中文".encode(), "us-ascii", "中文"),  # a lying label
        ("中文".encode("gb18030"), None, "中文"),  # no label at all
        (b"caf\xe9", "x-no-such-charset", "café"),
        ("退货".encode("gbk") * 60 + b"\xd6", "gbk", "退货" * 60 + "\ufffd"),  # cut short
        (b"\x81\x8d\x8f", "utf-8", "\ufffd\ufffd\ufffd"),  # nothing fits: replaced, not raised
    ],
)
def test_bytes_are_decoded_best_effort(data, charset, expected):
    """Declared, widened, guessed, or replaced: decoding never raises."""
    assert decode_bytes(data, charset) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?gb2312?B?1tDOxA==?=", "中文"),
        ("=?utf-8?Q?caf=C3=A9?= =?utf-8?Q?_ok?=", "café ok"),
        ("=?utf-8?B?5Lit?= =?utf-8?B?5paH?=", "中文"),
        ("=?utf-8?B?5L?= =?utf-8?B?itlofmlofmlofnlofnlofnlofnlofn?=", None),  # broken: no crash
        ("=?unknown-8bit?B?Y2Fm6Q==?=", "café"),
        ("Plain \udce4\udcb8\udcad", "Plain 中"),  # raw 8-bit UTF-8 in a header
        ("=?utf-8?B?TGluZQpCY2M6IHg=?=", "Line Bcc: x"),  # an encoded line break
        ("a\u2028b\u2029c\x85d\x00e", "a b c de"),
    ],
)
def test_header_words_are_decoded_onto_one_line(raw, expected):
    """RFC 2047, raw 8-bit and injected line breaks all end as one clean line."""
    decoded = decode_header(raw)
    assert "\n" not in decoded and "\r" not in decoded and "\u2028" not in decoded
    if expected is not None:
        assert decoded == expected


def test_single_line_removes_controls_and_direction_overrides():
    """Bidirectional overrides and control characters cannot disguise a name."""
    assert single_line("Eve\u202egnp.exe\x07\tOK") == "Evegnp.exe OK"


def test_html_becomes_text_with_quotes_marked():
    """Paragraphs, breaks, lists, links and quoted blocks survive as plain text."""
    html = (
        "<html><head><style>x{}</style></head><body><p>One<br>Two</p>"
        "<blockquote>Old<br>Older</blockquote><table><tr><td>A</td><td>B</td></tr></table>"
        "<a href='https://example.test/x'>here</a><img src='cid:1' alt='chart'><pre>  a  b</pre>"
        "<?xml version='1.0'?><!-- secret --></body></html>"
    )
    text = html_to_text(html)
    assert text.startswith("One\nTwo")
    assert "> Old\n> Older" in text
    assert "A B" in text
    assert "here (https://example.test/x)" in text
    assert "[chart]" in text
    assert "secret" not in text and "x{}" not in text and "xml" not in text


def test_deeply_nested_html_keeps_its_words():
    """Ten thousand nested elements fall back to plain words instead of crashing."""
    html = "<div>" * 10_000 + "deep words" + "</div>" * 10_000
    assert "deep words" in html_to_text(html)


def test_a_message_is_read_with_its_threading_headers():
    """Message-ID, In-Reply-To and References (with or without brackets) are read."""
    raw = compose(
        message_id="bare-id@customer.test",
        headers={"In-Reply-To": "<a@x.test>", "References": "<r1@x.test>\n <r2@x.test>"},
    )
    mail = parse_message(raw)
    assert mail.message_id == "<bare-id@customer.test>"
    assert mail.thread_ids == ["<a@x.test>", "<r2@x.test>", "<r1@x.test>"]


def test_the_mail_robots_send_is_recognised():
    """Auto-Submitted, Precedence, List-Id, robot senders; a person's mail is not."""
    assert parse_message(compose(headers={"Auto-Submitted": "auto-replied"})).automatic
    assert parse_message(compose(headers={"Precedence": "bulk"})).automatic
    assert parse_message(compose(sender="bounces+123@list.test")).automatic
    assert parse_message(compose(headers={"Return-Path": "<>"})).automatic
    assert parse_message(compose()).automatic is None


def test_a_delivery_report_names_the_address_that_failed():
    """multipart/report; report-type=delivery-status gives the Final-Recipient."""
    mail = parse_message(eml("bounce.eml", number="100001", in_reply_to="<ack@portico.test>"))
    assert mail.bounce and mail.bounced_address == "gone@customer.test"
    assert "<ack@portico.test>" in mail.thread_ids


def test_a_customer_cannot_make_their_mail_a_bounce():
    """A report part inside a person's mail does not make it a bounce."""
    body = (
        "--b\nContent-Type: text/plain\n\nSee the report below.\n"
        "--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; x@y.test\n\n--b--"
    )
    mail = parse_message(compose(body=body, content_type='multipart/mixed; boundary="b"'))
    assert not mail.bounce and mail.bounced_address is None


@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n", b"\x00\x01\x02\x03" * 100, b"no headers here"])
def test_non_mail_is_not_a_message(raw):
    """Empty input and bytes without a single mail header are refused."""
    with pytest.raises(NotAMessage):
        parse_message(raw)


def test_a_mime_bomb_stops_at_the_part_limit():
    """Thousands of parts are cut at the limit, with the reason noted."""
    parts = "".join(f"--b\nContent-Type: text/plain\n\npart {n}\n" for n in range(2_000))
    mail = parse_message(
        compose(body=parts + "--b--", content_type='multipart/mixed; boundary="b"')
    )
    assert mail.problems and "part 0" in mail.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks!\n\nOn Mon, 7 Dec 2026 at 09:00, Ada <a@x.test> wrote:\n> Old", "Thanks!"),
        ("Thanks!\n\nOn Mon, 7 Dec 2026 at 09:00, Ada Agent <a@\nx.test> wrote:\n> Old", "Thanks!"),
        ("好的\n\n在 2026年12月7日 09:00，Ada <a@x.test> 写道：\n> 旧", "好的"),
        ("好的\n\n2026年12月7日(星期一) 上午9:00，Ada 写道:\n> 旧", "好的"),
        ("Sure\n\n-----Original Message-----\nFrom: Ada\nSent: Monday", "Sure"),
        ("收到\n\n-------- 原始邮件 --------\n发件人: Ada", "收到"),
        ("收到\n\n------------------ 原始邮件 ------------------\n发件人: Ada", "收到"),
        ("Hi\n\n________________________________\nFrom: Ada\nSent: Mon\nTo: me\nSubject: x", "Hi"),
        ("你好\n\n发件人: Ada\n发送时间: 2026年12月7日\n收件人: 我\n主题: 退货", "你好"),
        ("Answer\n\n> quoted line\n>another\n\n", "Answer"),
        ("Answer\n-- \nCasey\nCasey Ltd", "Answer"),
        ("Answer\n\nSent from my iPhone", "Answer"),
        ("回答\n\n发自我的iPhone", "回答"),
        ("Answer\n\nGet Outlook for Android", "Answer"),
    ],
)
def test_quoted_history_and_signatures_are_trimmed(text, expected):
    """Attributions, separators, Outlook blocks, '>' lines and signatures are cut."""
    assert trim_reply(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "> all of it is a quote\n> nothing new",
        "From: my own words in the first line\nand nothing that looks like headers",
        "Item -- size M -- colour red",
        "My answer:\n> your question\nmy inline answer",
    ],
)
def test_text_that_only_looks_quoted_is_kept(text):
    """Trimming never empties a message, nor cuts what is not history."""
    assert trim_reply(text) == text
