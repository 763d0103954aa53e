"""The club page, the manager's pages and the admin's assignments, through HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.accounts.models import Role, User
from community.db import utcnow
from community.extensions import db
from tests.community.outbox_helpers import queued_to
from tests.helpers import logged_in
from tests.vip.conftest import assign, conversation_row, make_overdue, messages_in, post
from vip.models import ManagerProfile, VipAnnouncement


def badge(html: str) -> int:
    match = re.search(r'data-badge="vip".*?data-badge-count[^>]*>(\d+)<', html, re.S)
    assert match, "the Messages badge is missing"
    return int(match.group(1))


# The club page --------------------------------------------------------------------------


def test_an_anonymous_visitor_sees_what_the_club_offers(client):
    """No error: the offer, the promises per tier, and how to reach the company."""
    response = client.get("/vip/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "What members get" in page and "support@portico.localhost" in page
    assert "1 hour" in page and "15 minutes" in page and "4 hours" in page
    assert "data-vip-chat" not in page and "Log in to your club" in page


def test_a_customer_without_a_tier_sees_the_offer_not_a_conversation(app, make_user):
    """A non-VIP gets the club's description and no conversation, and none is created."""
    page = logged_in(app, make_user()).get("/vip/").get_data(as_text=True)
    assert "How to reach us" in page and "data-vip-chat" not in page
    assert 'action="/vip/messages"' not in page


def test_a_non_vip_cannot_post_into_the_club(app, make_user):
    """The plain form's endpoint refuses a customer with 403."""
    response = logged_in(app, make_user()).post_form("/vip/messages", {"body": "let me in"})
    assert response.status_code == 403


def test_the_vip_page_shows_card_announcements_and_the_conversation(app, pair, make_user):
    """Manager's name, working hours, promise, typical reply; the news; the messages."""
    with app.app_context():
        db.session.add(
            ManagerProfile(
                user_id=pair.manager.id, title="Senior manager", working_hours="Mon–Fri 9–17"
            )
        )
        db.session.add(
            VipAnnouncement(
                title="Priority shipping", body="x", body_html="<p>Same-day dispatch</p>"
            )
        )
        db.session.commit()
    start = utcnow() - timedelta(days=1)
    post(app, pair.client, pair.conversation_id, "Where is my order?", at=start)
    post(app, pair.manager, pair.conversation_id, "On its way.", at=start + timedelta(minutes=7))

    page = logged_in(app, pair.client).get("/vip/").get_data(as_text=True)
    assert pair.manager.display_name in page and "Senior manager" in page
    assert "Mon–Fri 9–17" in page
    assert "A first reply within 1 hour" in page
    assert "7 minutes (median over the last 30 days)" in page
    assert "Priority shipping" in page and "Same-day dispatch" in page
    assert "Where is my order?" in page and "On its way." in page
    assert f'data-conversation="{pair.conversation_id}"' in page


def test_without_javascript_the_form_posts_and_the_page_shows_the_history(app, pair):
    """POST, 303 back to the page, and the message is there on reload."""
    client = logged_in(app, pair.client)
    response = client.post_form("/vip/messages", {"body": "Sent *without* JavaScript"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/vip/#latest")
    assert "Sent <em>without</em> JavaScript" in client.get("/vip/").get_data(as_text=True)
    assert len(messages_in(app, pair.conversation_id)) == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [("   ", "Write a message first."), ("x" * 4001, "Field cannot be longer than 4000")],
    ids=["blank", "too-long"],
)
def test_a_bad_message_from_the_form_is_a_422_with_the_error(app, pair, body, error):
    """The page comes back with the error and the text; nothing is stored."""
    response = logged_in(app, pair.client).post_form("/vip/messages", {"body": body})
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert messages_in(app, pair.conversation_id) == []


def test_the_form_needs_a_csrf_token(app, pair):
    """A forged cross-site post is refused."""
    response = logged_in(app, pair.client).post("/vip/messages", data={"body": "forged"})
    assert response.status_code == 400
    assert messages_in(app, pair.conversation_id) == []


def test_the_form_is_rate_limited_like_the_socket(make_app, make_user):
    """Past VIP_MESSAGE_RATE_LIMIT the plain form answers 429 with the reason."""
    app = make_app(RATELIMIT_ENABLED=True, VIP_MESSAGE_RATE_LIMIT="2 per minute")
    client = make_user(vip_tier="gold")
    manager = make_user(roles=[Role.MANAGER])
    conversation_id = assign(app, client, manager)
    http = logged_in(app, client)
    statuses = [http.post_form("/vip/messages", {"body": f"n{n}"}).status_code for n in range(3)]
    assert statuses == [303, 303, 429]
    assert len(messages_in(app, conversation_id)) == 2


def test_older_history_pages_by_link_without_javascript(app, pair):
    """With more than a page of messages, `?before=` shows the older ones."""
    start = utcnow() - timedelta(hours=2)
    for number in range(35):
        post(app, pair.client, pair.conversation_id, f"message {number:02d}",
             at=start + timedelta(minutes=number))  # fmt: skip
    client = logged_in(app, pair.client)
    latest = client.get("/vip/").get_data(as_text=True)
    assert "message 34" in latest and "message 04" not in latest
    older = re.search(r'href="(/vip/\?before=\d+)#conversation"', latest).group(1)
    page = client.get(older).get_data(as_text=True)
    assert "message 04" in page and "message 00" in page and "message 34" not in page


def test_opening_the_page_reads_the_messages_and_the_badge_counts_unread(app, pair):
    """The badge in the navigation shows unread messages on every page until they are read."""
    post(app, pair.manager, pair.conversation_id, "Invoice ready")
    post(app, pair.manager, pair.conversation_id, "And the delivery note")
    client = logged_in(app, pair.client)
    assert badge(client.get("/").get_data(as_text=True)) == 2
    assert badge(client.get("/account/").get_data(as_text=True)) == 2
    client.get("/vip/")
    assert badge(client.get("/").get_data(as_text=True)) == 0
    assert all(m.read_at for m in messages_in(app, pair.conversation_id))


def _message(html: str, message_id: int) -> str:
    match = re.search(rf'<li class="vip-msg[^"]*" id="m{message_id}".*?</li>', html, re.S)
    assert match, f"message {message_id} is not on the page"
    return match.group(0)


def test_kept_messages_follow_reads_and_renames_and_each_side_sees_its_own(app, pair):
    """Messages come from the fragment cache: "Seen" appears once read, a renamed manager's
    new name shows, and "mine" is always the reader's own side."""
    asked = post(app, pair.client, pair.conversation_id, "Can you resend the invoice?")
    client, manager = logged_in(app, pair.client), logged_in(app, pair.manager)
    mine = _message(client.get("/vip/").text, asked)
    assert "vip-msg-mine" in mine and re.search(r"data-seen hidden", mine)
    staff_page = manager.get(f"/manager/conversations/{pair.conversation_id}").text
    assert "vip-msg-mine" not in _message(staff_page, asked)  # the manager has now read it
    mine = _message(client.get("/vip/").text, asked)
    assert "data-seen>" in mine and "data-seen hidden" not in mine
    answered = post(app, pair.manager, pair.conversation_id, "Sent again just now.")
    with app.app_context():
        db.session.get_one(User, pair.manager.id).display_name = "Morgan Renamed"
        db.session.commit()
    page = client.get("/vip/").text
    assert "Morgan Renamed" in _message(page, answered)
    assert "vip-msg-mine" not in _message(page, answered)
    staff_page = manager.get(f"/manager/conversations/{pair.conversation_id}").text
    assert "vip-msg-mine" in _message(staff_page, answered)


def test_the_messages_badge_leads_clients_and_managers_to_their_place(app, pair, make_user):
    """`/vip/inbox` sends a client to the conversation and a manager to the dashboard."""
    assert (
        logged_in(app, pair.client)
        .get("/vip/inbox")
        .headers["Location"]
        .endswith("/vip/#conversation")
    )
    assert logged_in(app, pair.manager).get("/vip/inbox").headers["Location"].endswith("/manager/")
    assert logged_in(app, make_user()).get("/vip/inbox").headers["Location"].endswith("/vip/")


def test_navigation_shows_the_club_to_all_and_the_dashboard_to_managers(app, pair, make_user):
    """ "VIP club" for everyone; "Manager" only for managers."""
    anonymous = app.test_client().get("/").get_data(as_text=True)
    assert 'href="/vip/"' in anonymous and 'href="/manager/"' not in anonymous
    customer = logged_in(app, make_user()).get("/").get_data(as_text=True)
    assert 'href="/manager/"' not in customer
    manager = logged_in(app, pair.manager).get("/").get_data(as_text=True)
    assert 'href="/manager/"' in manager


# The manager's pages --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/manager/", "/manager/card", "/manager/announcements", "/manager/conversations/1"],
)
def test_manager_pages_need_the_manager_duty(app, make_user, path):
    """Anonymous: to the login page. Customers, VIPs and editors: 403."""
    response = app.test_client().get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for user in (make_user(), make_user(vip_tier="gold"), make_user(roles=[Role.EDITOR])):
        assert logged_in(app, user).get(path).status_code == 403


def test_the_dashboard_lists_clients_by_wait_and_marks_past_the_promise(app, make_user):
    """Longest wait first, past the promise marked, and the manager's median reply."""
    manager = make_user(roles=[Role.MANAGER])
    patient = make_user(vip_tier="silver", display_name="Patient Pat")
    urgent = make_user(vip_tier="platinum", display_name="Urgent Uma")
    for client in (patient, urgent):
        assign(app, client, manager, tier=client_tier(app, client))
    now = utcnow()
    post(app, patient, conversation_of(app, patient), "no hurry", at=now - timedelta(minutes=20))
    post(app, urgent, conversation_of(app, urgent), "urgent!", at=now - timedelta(minutes=40))

    page = logged_in(app, manager).get("/manager/").get_data(as_text=True)
    assert page.index("Urgent Uma") < page.index("Patient Pat")
    assert "past the promise by 25 minutes" in page
    assert page.count("within the promise") == 1


def client_tier(app, client) -> str:
    with app.app_context():
        return db.session.get(User, client.id).vip_tier


def conversation_of(app, client) -> int:
    with app.app_context():
        from vip.services import existing_conversation

        return existing_conversation(db.session.get(User, client.id)).id


def test_a_manager_cannot_open_another_managers_client(app, make_pair):
    """404: the conversation is none of their business."""
    a, b = make_pair(), make_pair()
    client = logged_in(app, a.manager)
    assert client.get(f"/manager/conversations/{b.conversation_id}").status_code == 404
    reply = client.post_form(f"/manager/conversations/{b.conversation_id}/messages", {"body": "x"})
    assert reply.status_code == 404
    assert messages_in(app, b.conversation_id) == []


def test_the_backup_opens_and_answers_only_after_the_promise(app, pair):
    """403 with the reason before; afterwards the page says so and the reply is marked."""
    post(app, pair.client, pair.conversation_id, "Is anyone there?")
    backup = logged_in(app, pair.backup)
    early = backup.get(f"/manager/conversations/{pair.conversation_id}")
    assert early.status_code == 403 and "backup manager" in early.get_data(as_text=True)
    refused = backup.post_form(
        f"/manager/conversations/{pair.conversation_id}/messages", {"body": "early"}
    )
    assert refused.status_code == 403

    make_overdue(app, pair.conversation_id)
    page = backup.get(f"/manager/conversations/{pair.conversation_id}").get_data(as_text=True)
    assert "You are answering as the backup manager" in page
    response = backup.post_form(
        f"/manager/conversations/{pair.conversation_id}/messages", {"body": "Covering for them"}
    )
    assert response.status_code == 303
    assert messages_in(app, pair.conversation_id)[-1].by_backup
    client_page = logged_in(app, pair.client).get("/vip/").get_data(as_text=True)
    assert "backup manager" in client_page


def test_the_manager_answers_with_the_plain_form(app, pair):
    """The reply is stored, ends the wait and shows on the client's page."""
    post(app, pair.client, pair.conversation_id, "Question")
    manager = logged_in(app, pair.manager)
    response = manager.post_form(
        f"/manager/conversations/{pair.conversation_id}/messages", {"body": "Answer"}
    )
    assert response.status_code == 303
    assert conversation_row(app, pair.conversation_id).waiting_since is None
    bad = manager.post_form(f"/manager/conversations/{pair.conversation_id}/messages", {"body": ""})
    assert bad.status_code == 422


def test_a_manager_edits_their_card_and_only_https_photos_are_taken(app, pair):
    """An http photo address is a 422; a valid card shows on the client's page."""
    manager = logged_in(app, pair.manager)
    bad = manager.post_form(
        "/manager/card",
        {"title": "Lead", "working_hours": "9–5", "photo_url": "http://example.com/me.png"},
    )
    assert bad.status_code == 422 and "https://" in bad.get_data(as_text=True)
    good = manager.post_form(
        "/manager/card",
        {"title": "Lead manager", "working_hours": "Tue–Sat 10–18", "photo_url": ""},
    )
    assert good.status_code == 302
    page = logged_in(app, pair.client).get("/vip/").get_data(as_text=True)
    assert "Lead manager" in page and "Tue–Sat 10–18" in page


def test_managers_publish_announcements_that_only_vips_see(app, pair, make_user):
    """Markdown is sanitised; VIPs see it; customers do not; customers cannot publish."""
    manager = logged_in(app, pair.manager)
    response = manager.post_form(
        "/manager/announcements",
        {"title": "Stock reserved", "body": "**Blue model** back <script>alert(1)</script>"},
    )
    assert response.status_code == 302
    vip_page = logged_in(app, pair.client).get("/vip/").get_data(as_text=True)
    assert "<strong>Blue model</strong>" in vip_page and "alert(1)" not in vip_page
    customer = logged_in(app, make_user())
    assert "Stock reserved" not in customer.get("/vip/").get_data(as_text=True)
    forged = customer.post_form("/manager/announcements", {"title": "x", "body": "y"})
    assert forged.status_code == 403
    with app.app_context():
        item = db.session.scalar(select(VipAnnouncement))
    edited = manager.post_form(
        f"/manager/announcements/{item.id}/edit", {"title": "Stock reserved", "body": "Updated"}
    )
    assert edited.status_code == 302
    manager.post_form(f"/manager/announcements/{item.id}/delete")
    with app.app_context():
        assert db.session.scalar(select(VipAnnouncement)) is None


# The admin's assignments ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/vip", "/admin/vip/clients/1"])
def test_assignments_are_for_admins_only(app, make_user, path):
    """Anonymous to the login page; customers and managers 403."""
    response = app.test_client().get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for user in (make_user(), make_user(roles=[Role.MANAGER]), make_user(vip_tier="gold")):
        assert logged_in(app, user).get(path).status_code == 403
        assert logged_in(app, user).post_form(path, {"tier": "gold"}).status_code == 403


def test_an_admin_makes_a_customer_vip_and_sees_each_managers_load(app, make_user):
    """The form assigns tier, manager and backup; both people are emailed; counts show."""
    admin = make_user(roles=[Role.ADMIN])
    customer = make_user("ana@example.com", display_name="Ana Wang")
    manager = make_user(roles=[Role.MANAGER], display_name="Mo Manager")
    backup = make_user(roles=[Role.MANAGER], display_name="Bea Backup")
    client = logged_in(app, admin)
    page = client.get("/admin/vip").get_data(as_text=True)
    assert "Mo Manager" in page and 'aria-current="page"' in page

    response = client.post_form(
        "/admin/vip",
        {
            "email": "ANA@example.com",
            "tier": "platinum",
            "manager": str(manager.id),
            "backup": str(backup.id),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, customer.id).vip_tier == "platinum"
    assert len(queued_to(app, customer.email)) == 1
    assert len(queued_to(app, manager.email)) == 1 and len(queued_to(app, backup.email)) == 1
    page = client.get("/admin/vip").get_data(as_text=True)
    row = re.search(r"Mo Manager</a>.*?<td>(\d+)</td>\s*<td>(\d+)</td>", page, re.S)
    assert row.groups() == ("1", "0")
    assert "Ana Wang" in page


def test_the_admin_form_refuses_unknown_people_and_forged_choices(app, make_user):
    """Unknown email, a manager id that is no manager, backup equal to manager: 422."""
    admin = make_user(roles=[Role.ADMIN])
    customer = make_user()
    manager = make_user(roles=[Role.MANAGER])
    client = logged_in(app, admin)
    cases = [
        {"email": "nobody@example.com", "tier": "gold", "manager": str(manager.id)},
        {"email": customer.email, "tier": "gold", "manager": str(customer.id)},
        {"email": customer.email, "tier": "diamond", "manager": str(manager.id)},
        {"email": customer.email, "tier": "gold", "manager": ""},
        {
            "email": customer.email,
            "tier": "gold",
            "manager": str(manager.id),
            "backup": str(manager.id),
        },
    ]
    for data in cases:
        assert client.post_form("/admin/vip", data).status_code == 422, data
    with app.app_context():
        assert db.session.get(User, customer.id).vip_tier is None


def test_an_admin_reassigns_and_the_history_stays(app, pair, make_user):
    """Changing the manager on the client's page keeps every message."""
    post(app, pair.client, pair.conversation_id, "old message")
    admin = make_user(roles=[Role.ADMIN])
    newcomer = make_user(roles=[Role.MANAGER])
    client = logged_in(app, admin)
    page = client.get(f"/admin/vip/clients/{pair.client.id}").get_data(as_text=True)
    assert f'<option selected value="{pair.manager.id}"' in page
    response = client.post_form(
        f"/admin/vip/clients/{pair.client.id}",
        {"tier": "gold", "manager": str(newcomer.id), "backup": ""},
    )
    assert response.status_code == 302
    row = conversation_row(app, pair.conversation_id)
    assert row.manager_id == newcomer.id and row.backup_manager_id is None
    newcomer_page = logged_in(app, newcomer).get(f"/manager/conversations/{pair.conversation_id}")
    assert "old message" in newcomer_page.get_data(as_text=True)


def test_admin_edit_of_an_unknown_user_is_404(app, make_user):
    """No such user, no page."""
    assert (
        logged_in(app, make_user(roles=[Role.ADMIN])).get("/admin/vip/clients/999").status_code
        == 404
    )


def test_health_reports_the_club(app):
    """`/healthz` carries the VIP state."""
    report = app.test_client().get("/healthz").get_json()
    assert report["vip"]["ok"] is True and report["vip"]["message_queue"] == "none"


def test_the_home_page_tells_a_vip_about_unread_messages(app, pair, make_user):
    """A panel on the home page for club members; none for other customers."""
    post(app, pair.manager, pair.conversation_id, "News for you")
    assert "You have 1 unread message." in logged_in(app, pair.client).get("/").get_data(
        as_text=True
    )
    assert "vip-home-panel" not in logged_in(app, make_user()).get("/").get_data(as_text=True)


def test_live_messages_use_the_zone_of_the_page_times(app, pair):
    """The chat tells its script the zone the server rendered in (the reader's profile zone),
    so live and scrolled-in messages show the same clock as the rest of the conversation."""
    with app.app_context():
        db.session.execute(
            db.update(User).where(User.id == pair.client.id).values(timezone="Asia/Shanghai")
        )
        db.session.commit()
    post(app, pair.manager, pair.conversation_id, "Your parcel left the warehouse.")
    page = logged_in(app, pair.client).get("/vip/").get_data(as_text=True)
    assert 'data-timezone="Asia/Shanghai"' in page
