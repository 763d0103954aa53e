"""Mail in, one message at a time: real mail's shapes and hostile input become requests with
clean text and checked files, or are refused with their reason, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from community.accounts.models import User
from community.extensions import db
from support.mail import inbound
from support.mail.inbound import Outcome
from support.models import InboundMail, SupportRequest, ThreadId
from support.services import links
from tests.support.mail_helpers import (
    CASEY,
    attachments_of,
    compose,
    eml,
    inbound_rows,
    messages_of,
    outbox_to,
    receive,
    request_rows,
)

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea7d6a1d60000000049454e44ae426082"
)


def department_key(app, request: SupportRequest) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.get(SupportRequest, request.id).department.key


def test_a_plain_message_opens_an_acknowledged_request(app, desk):
    """A new message becomes a request by email, acknowledged, its row pointing at it."""
    received = receive(app, eml("plain.eml"))
    assert received.outcome == Outcome.REQUEST
    assert received.describe().startswith(f"new request {received.number}")
    [request] = request_rows(app)
    assert request.number == received.number
    assert request.channel == "email"
    assert request.subject == "The kettle arrived broken"
    assert request.requester_email == CASEY
    assert request.requester_name == "Casey Customer"
    [message] = messages_of(app, request.id)
    assert message.body_text.startswith("Hello,\n\nThe lid of the kettle")
    assert message.email_message_id == "<plain-1@customer.test>"
    assert message.body_html.startswith("<p>Hello,</p><p>The lid of the kettle")
    [row] = inbound_rows(app)
    assert (row.outcome, row.request_id, row.raw) == ("request", request.id, None)
    assert row.message_id == "<plain-1@customer.test>"
    [ack] = outbox_to(app, CASEY)
    assert f"[#{request.number}]" in ack.subject


def test_mail_is_plain_text_never_markdown(app, desk):
    """Stars, hashes and HTML in a mail stay literal text (escaped), never formatting."""
    receive(app, compose(body="# Not a heading\n*not emphasis* <b>not bold</b>"))
    [message] = messages_of(app, request_rows(app)[0].id)
    assert "<h1>" not in message.body_html and "<em>" not in message.body_html
    assert "*not emphasis* &lt;b&gt;not bold&lt;/b&gt;" in message.body_html


def test_an_unknown_sender_gets_no_account_and_the_follow_link(app, desk):
    """Someone without an account is the requester by address, followed by a signed link."""
    receive(app, compose(sender="Sam Stranger <sam@elsewhere.test>"))
    [request] = request_rows(app)
    assert request.requester_id is None
    with app.app_context():
        url = links.follow_url(db.session.get(SupportRequest, request.id))
    assert "/account/requests/" not in url  # a signed link, not the account page
    [ack] = outbox_to(app, "sam@elsewhere.test")
    assert url in ack.body_text


def test_a_confirmed_account_becomes_the_requester(app, desk):
    """Mail from the address of a confirmed account is that customer's request."""
    receive(app, compose(sender=f"Someone <{desk.customer.email.upper()}>"))
    [request] = request_rows(app)
    assert request.requester_id == desk.customer.id


def test_an_unconfirmed_account_is_not_trusted(app, desk, make_user):
    """An address nobody proved is not enough to attach mail to an account."""
    make_user("pending@customer.test", confirmed=False)
    receive(app, compose(sender="pending@customer.test"))
    [request] = request_rows(app)
    assert request.requester_id is None
    assert request.requester_email == "pending@customer.test"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"To": "billing@portico.localhost"}, "billing"),
        ({"To": "Billing <BILLING@Portico.Localhost>"}, "billing"),
        ({"To": "support+billing@portico.localhost"}, "billing"),
        ({"To": "support@portico.localhost"}, "returns"),
        ({"To": "billing@elsewhere.test"}, "returns"),
        ({"To": "nobody@portico.localhost", "Cc": "billing@portico.localhost"}, "billing"),
        (
            {"To": "undisclosed-recipients:;", "Delivered-To": "billing@portico.localhost"},
            "billing",
        ),
    ],
)
def test_the_address_written_to_picks_the_department(app, desk, headers, expected):
    """Department addresses and plus-addressing route; anything else goes to the first."""
    extra = {name: value for name, value in headers.items() if name != "To"}
    receive(app, compose(to=headers["To"], headers=extra))
    [request] = request_rows(app)
    assert department_key(app, request) == expected


def test_ten_thousand_recipients_are_routed_and_stored_briefly(app, desk):
    """A message to 10,000 addresses still lands, routed by ours, the list kept short."""
    crowd = ", ".join(f"Person {n} <p{n}@crowd.test>" for n in range(10_000))
    receive(app, compose(to=crowd + ", billing@portico.localhost"))
    [request] = request_rows(app)
    assert department_key(app, request) == "billing"
    [row] = inbound_rows(app)
    assert len(row.to_addresses) <= 2000
    assert "more)" in row.to_addresses


def test_html_only_mail_is_shown_as_text(app, desk):
    """HTML becomes readable text: no tags, scripts or styles; links and lists kept."""
    receive(app, eml("html_only.eml"))
    [request] = request_rows(app)
    [message] = messages_of(app, request.id)
    text = message.body_text
    assert "I returned the kettle two weeks ago.\nNo refund yet." in text
    assert "- Order 1001" in text
    assert "https://carrier.example/track/PX123" in text
    for hidden in ("<", "alert", "color: red", "ignored title", "comment"):
        assert hidden not in text
    assert "We received your parcel" not in text  # the quoted history is trimmed…
    assert "We received your parcel" in message.original_text  # …and kept


def test_of_two_alternatives_the_plain_text_is_shown(app, desk):
    """multipart/alternative shows the plain version, not both."""
    receive(app, eml("alternative.eml"))
    [message] = messages_of(app, request_rows(app)[0].id)
    assert message.body_text == "The plain version says the blender is too loud."


def test_files_are_checked_one_by_one(app, desk):
    """Good files are kept; a lying or refused file is dropped alone and named."""
    received = receive(app, eml("attachments.eml"))
    assert received.outcome == Outcome.REQUEST
    [request] = request_rows(app)
    names = [attachment.filename for attachment in attachments_of(app, request.id)]
    assert names == ["invoice.pdf", "照片.png"]
    [row] = inbound_rows(app)
    assert "receipt.pdf" in row.reason and "tool.exe.scr" in row.reason
    [message] = messages_of(app, request.id)
    assert message.body_text.startswith("The invoice charges shipping twice.")
    assert "Not attached: receipt.pdf" in message.body_text


def test_an_inline_image_is_kept_as_a_file(app, desk):
    """A pasted screenshot (cid: image) is stored with the message."""
    receive(app, eml("inline_image.eml"))
    [request] = request_rows(app)
    [image] = attachments_of(app, request.id)
    assert image.content_type == "image/png"
    assert image.filename.endswith(".png")


def test_a_file_over_the_limit_is_dropped_and_the_message_lands(app, desk):
    """A file larger than SUPPORT_ATTACHMENT_MAX_BYTES is dropped alone."""
    app.config["SUPPORT_ATTACHMENT_MAX_BYTES"] = 50
    receive(app, eml("attachments.eml"))
    [request] = request_rows(app)
    assert [item.filename for item in attachments_of(app, request.id)] == []
    assert "invoice.pdf" in inbound_rows(app)[0].reason


def test_more_files_than_allowed_keeps_the_first_ten(app, desk):
    """Twelve images: ten are kept, two are named as not attached."""
    parts = [
        "--b\nContent-Type: text/plain\n\nTwelve photos.",
        *(
            f"--b\nContent-Type: image/png\nContent-Disposition: attachment; filename=p{n}.png\n"
            f"Content-Transfer-Encoding: base64\n\n{base64.b64encode(PNG).decode()}"
            for n in range(12)
        ),
        "--b--",
    ]
    raw = compose(body="\n".join(parts), content_type='multipart/mixed; boundary="b"')
    receive(app, raw)
    [request] = request_rows(app)
    assert len(attachments_of(app, request.id)) == 10
    assert "p11.png" in inbound_rows(app)[0].reason


@pytest.mark.parametrize(
    ("name", "subject", "text", "sender_name"),
    [
        ("gbk.eml", "唱片没有收到 镕喆", "朱镕基和陶喆的唱片没有收到", "张伟"),
        ("big5.eml", "包裹還沒有到", "我的包裹還沒有到，請幫忙查詢。", "陳小明"),
        ("iso2022jp.eml", "商品が届きません", "注文した商品が届きません。", "山田太郎"),
        ("utf8_rfc2047.eml", "退货申请 – return", "Grüße – 我想退货。", "Renée Müller"),
        (
            "wrong_charset.eml",
            "Wrong charsets",
            "Café order arrived cold.\n\n第二部分",
            "Casey Customer",
        ),
        ("missing_charset.eml", "没有字符集", "这封邮件没有声明字符集。", "Casey Customer"),
    ],
)
def test_charsets_are_decoded(app, desk, name, subject, text, sender_name):
    """GBK/GB2312, Big5, ISO-2022-JP, RFC 2047 words, wrong and missing charsets."""
    receive(app, eml(name))
    [request] = request_rows(app)
    assert request.subject == subject
    assert request.requester_name == sender_name
    [message] = messages_of(app, request.id)
    assert text in message.body_text


def test_chinese_mail_from_a_stranger_is_acknowledged_in_chinese(app, desk):
    """The acknowledgement's language follows what the stranger wrote."""
    receive(app, eml("gbk.eml"))
    assert request_rows(app)[0].locale.startswith("zh")


def test_nul_bytes_and_control_characters_are_removed(app, desk):
    """NULs, bells and escape codes never reach the database."""
    receive(app, eml("nul_control.eml"))
    [request] = request_rows(app)
    [message] = messages_of(app, request.id)
    assert request.subject == "Control characters here"
    for stored in (request.subject, request.requester_name, message.body_text):
        assert not any(ord(char) < 32 and char not in "\n\t" for char in stored)
        assert "\x7f" not in stored


def test_header_injection_in_subject_and_name_is_flattened(app, desk):
    """CR, LF and U+2028/U+2029 in encoded headers end up as spaces on one line."""
    receive(app, eml("header_injection.eml"))
    [request] = request_rows(app)
    for value in (request.subject, request.requester_name):
        assert not any(char in value for char in "\r\n\u2028\u2029")
    assert request.subject == "Refund Bcc: victim@example.com X-Evil: 1"
    assert outbox_to(app, "victim@example.com") == []
    [ack] = outbox_to(app, "mallory@example.net")
    assert "\n" not in ack.subject and "\r" not in ack.subject


def test_broken_mime_still_lands(app, desk):
    """An unclosed multipart with broken base64 keeps what can be read."""
    received = receive(app, eml("broken_mime.eml"))
    assert received.outcome == Outcome.REQUEST
    [message] = messages_of(app, request_rows(app)[0].id)
    assert "The text is still here." in message.body_text


def test_absurdly_nested_mime_is_read_within_limits(app, desk):
    """A MIME bomb (hundreds of nested multiparts) costs little and never crashes."""
    depth = 300
    opening = "".join(
        f'--b{n}\nContent-Type: multipart/mixed; boundary="b{n + 1}"\n\n' for n in range(depth)
    )
    closing = "".join(f"--b{n}--\n" for n in reversed(range(depth + 1)))
    body = opening + f"--b{depth}\nContent-Type: text/plain\n\nDeep inside.\n" + closing
    received = receive(app, compose(body=body, content_type='multipart/mixed; boundary="b0"'))
    assert received.outcome in (Outcome.REQUEST, Outcome.REFUSED)
    assert len(inbound_rows(app)) == 1


def test_a_message_without_text_or_files_is_refused_with_its_reason(app, desk):
    """An empty body is kept as a refusal (with its bytes), not a request."""
    received = receive(app, compose(body="   \n\u200b\n"))
    assert received.outcome == Outcome.REFUSED
    assert request_rows(app) == []
    [row] = inbound_rows(app)
    assert row.outcome == "refused" and row.reason and row.raw
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ThreadId)) == 0


def test_a_message_with_only_a_file_becomes_a_request(app, desk):
    """No text but an attachment: the request says so and keeps the file."""
    body = (
        "--b\nContent-Type: image/png\nContent-Disposition: attachment; filename=shot.png\n"
        f"Content-Transfer-Encoding: base64\n\n{base64.b64encode(PNG).decode()}--b--"
    )
    receive(app, compose(body=body, content_type='multipart/mixed; boundary="b"'))
    [request] = request_rows(app)
    assert len(attachments_of(app, request.id)) == 1
    assert "attachments" in messages_of(app, request.id)[0].body_text


@pytest.mark.parametrize(
    ("subject", "expected"),
    [("", "(no subject)"), ("\u200b\u200b", "(no subject)"), ("x" * 500, "x" * 199 + "…")],
)
def test_missing_or_overlong_subjects_are_made_usable(app, desk, subject, expected):
    """No subject gets "(no subject)"; a 500-character one is shortened, not refused."""
    receive(app, compose(subject=subject))
    assert request_rows(app)[0].subject == expected


def test_a_very_long_text_is_shortened_and_kept_whole(app, desk):
    """A body over the message limit is shown shortened; the original keeps it all."""
    receive(app, compose(body="word " * 20_000))
    [message] = messages_of(app, request_rows(app)[0].id)
    assert len(message.body_text) <= 50_000
    assert len(message.original_text) >= 99_000


def test_a_message_over_the_size_limit_is_refused_unread(app, desk):
    """SUPPORT_MAX_MESSAGE_BYTES: refused from its headers, the bytes not stored."""
    app.config["SUPPORT_MAX_MESSAGE_BYTES"] = 2_000
    received = receive(app, compose(body="x" * 5_000))
    assert received.outcome == Outcome.REFUSED
    assert request_rows(app) == []
    [row] = inbound_rows(app)
    assert (row.outcome, row.raw, row.from_address) == ("refused", None, CASEY)
    assert "too large" in row.reason and row.size > 5_000


def test_without_a_department_the_message_is_refused_and_nothing_half_written(app):
    """A service refusal rolls back the request and its row, then records the reason."""
    received = receive(app, eml("plain.eml"))
    assert received.outcome == Outcome.REFUSED
    assert request_rows(app) == []
    [row] = inbound_rows(app)
    assert row.outcome == "refused" and "department" in row.reason
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ThreadId)) == 0


@pytest.mark.parametrize("raw", [b"", b"\n\n", bytes(range(256)) * 8, b"just some text\n"])
def test_input_that_is_not_a_message_is_refused_outright(app, desk, raw):
    """Empty input and garbage without headers raise NotAMessage and store nothing."""
    with app.app_context(), pytest.raises(inbound.NotAMessage):
        inbound.receive(raw)
    assert inbound_rows(app) == []


def test_a_sender_without_a_valid_address_is_refused(app, desk):
    """No usable From address: nobody to answer, so the refusal is recorded."""
    received = receive(app, compose(sender="Nobody <not an address>"))
    assert received.outcome == Outcome.REFUSED
    assert inbound_rows(app)[0].reason == "no sender address"


def test_the_row_and_the_request_are_one_commit(app, desk):
    """Every request by mail has exactly one InboundMail row naming it, with its id set."""
    for number in range(3):
        receive(app, compose(message_id=f"<commit-{number}@customer.test>"))
    with app.app_context():
        pairs = db.session.execute(select(InboundMail.message_id, InboundMail.request_id)).all()
        requests = db.session.scalars(select(SupportRequest.id)).all()
        assert sorted(request_id for _id, request_id in pairs) == sorted(requests)
        assert db.session.get(User, desk.customer.id) is not None
