"""Tracking pages: the public lookup leaks nothing; owners see only their own things."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.extensions import db
from tests.tracking.conftest import event
from tracking.models import AlertContact

ALL = ["shipped", "exception", "eta_changed", "out_for_delivery", "delivered"]


@pytest.fixture
def owned(make_user, make_shipment, record):
    """A shipment of Olive Owner's, in transit, with one contact."""
    owner = make_user("olive@example.com", display_name="Olive Owner")
    shipment = make_shipment(
        owner,
        contacts=[("Carl Contact", "carl@example.com", ["delivered"])],
        origin="Origintown, CN",
        destination="Destinationville, US",
        delivery_address="77 Secret Lane, Tacoma",
    )
    record(event(shipment.number, "picked_up", 1), event(shipment.number, "in_transit", 2))
    return owner, shipment


PRIVATE = [
    "olive@example.com",
    "Olive Owner",
    "Carl Contact",
    "carl@example.com",
    "77 Secret Lane",
    "Origintown",
    "Destinationville",
]


def test_the_public_page_shows_the_timeline_and_nothing_private(client, owned):
    """Status, progress and events are shown; owner, contacts and addresses never are."""
    _owner, shipment = owned
    for url in (
        f"/track/{shipment.number}",
        f"/track/{shipment.number}/live",
        f"/track/{shipment.number}/row",
        f"/track?numbers={shipment.number}",
    ):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "In transit" in html
        for secret in PRIVATE:
            assert secret not in html, f"{secret!r} leaked on {url}"
    page = client.get(f"/track/{shipment.number}").get_data(as_text=True)
    assert 'class="trk-steps"' in page and "Picked up" in page and "Memphis, US" in page


def test_an_unknown_tracking_number_is_a_404_page(client):
    """A number nobody has gets the not-found page, saying which number."""
    response = client.get("/track/NOPE1234")
    assert response.status_code == 404
    assert "NOPE1234" in response.get_data(as_text=True)


def test_a_lower_case_number_redirects_to_the_canonical_page(client, owned):
    """Numbers are case-insensitive; the page lives at the upper-case address."""
    _owner, shipment = owned
    response = client.get(f"/track/{shipment.number.lower()}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/track/{shipment.number}")


def test_lookup_shows_a_row_per_number_and_says_which_do_not_exist(client, owned):
    """Found and unknown numbers each get their own row, in the order pasted."""
    _owner, shipment = owned
    response = client.get(f"/track?numbers={shipment.number.lower()},+NOPE1234%0Abad!")
    html = response.get_data(as_text=True).split("<table", 1)[1]
    assert response.status_code == 200
    assert html.index(shipment.number) < html.index("NOPE1234") < html.index("BAD!")
    assert "We have no shipment with this number" in html
    assert "This is not a tracking number" in html
    heading = response.get_data(as_text=True).split('id="results-title">', 1)[1].split("</h2>")[0]
    assert "1 shipment found" in heading and "2 numbers not found" in heading


def test_one_found_number_opens_its_shipment_and_one_unknown_says_so(client, owned):
    """Looking up one number shows that shipment, not a table of one row."""
    _owner, shipment = owned
    response = client.get(f"/track?numbers={shipment.number.lower()}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/track/{shipment.number}")
    unknown = client.get("/track?numbers=NOPE1234").get_data(as_text=True)
    assert "0 shipments found" in unknown and "1 number not found" in unknown
    assert "We have no shipment with this number" in unknown


def test_the_home_page_has_a_tracking_box_for_everyone(client):
    home = client.get("/").get_data(as_text=True)
    assert 'action="/track"' in home and 'name="numbers"' in home


def test_lookup_takes_30_numbers_and_refuses_31(client):
    """Thirty numbers are looked up; the thirty-first is refused with a clear message."""
    thirty = " ".join(f"PT{n:08d}" for n in range(30))
    assert client.get(f"/track?numbers={thirty}").status_code == 200
    response = client.get(f"/track?numbers={thirty} PT99999999")
    assert response.status_code == 422
    assert "at most 30 numbers at a time; you entered 31" in response.get_data(as_text=True)


def test_an_empty_lookup_asks_for_a_number(client):
    """Submitting nothing says what is missing."""
    response = client.get("/track?numbers=+")
    assert response.status_code == 422
    assert "Enter at least one tracking number" in response.get_data(as_text=True)


def test_the_cached_public_page_changes_when_an_event_arrives(make_app, make_shipment, record):
    """With the page cache on, a new event shows at once (the cache key is the version)."""
    app = make_app(CACHE_TYPE="SimpleCache")
    client = app.test_client()
    shipment = make_shipment()
    assert "Collected" not in client.get(f"/track/{shipment.number}").get_data(as_text=True)
    record(event(shipment.number, "picked_up", 1, description="Collected at the depot"))
    assert "Collected at the depot" in client.get(f"/track/{shipment.number}").get_data(
        as_text=True
    )


def test_the_owners_page_shares_the_timeline_copy_and_follows_each_event(
    make_app, make_user, make_shipment, record
):
    """The owner's page takes its progress and timeline from the copy every reader of the
    version shares: a new event shows at once, and nothing of the owner's is in that copy."""
    app = make_app(CACHE_TYPE="SimpleCache")
    owner = make_user("olive@example.com", display_name="Olive Owner")
    shipment = make_shipment(
        owner, contacts=[("Carl Contact", "carl@example.com", ["delivered"])],
        delivery_address="77 Secret Lane, Tacoma",
    )  # fmt: skip
    record(event(shipment.number, "picked_up", 1, description="Collected at the depot"))
    member = app.test_client()
    member.login(owner.email)
    page = member.get(f"/account/shipments/{shipment.number}").get_data(as_text=True)
    assert "Collected at the depot" in page and "77 Secret Lane" in page
    stranger = app.test_client()  # another member, in the same zone: the same copy
    stranger.login(make_user("sam@example.com").email)
    shared = stranger.get(f"/track/{shipment.number}/live").get_data(as_text=True)
    assert shared.strip() and shared.strip() in page, "the owner's page holds the shared copy"
    for secret in PRIVATE:
        assert secret not in shared
    record(event(shipment.number, "out_for_delivery", 2, description="With the driver now"))
    page = member.get(f"/account/shipments/{shipment.number}").get_data(as_text=True)
    assert "With the driver now" in page
    live = stranger.get(f"/track/{shipment.number}/live").get_data(as_text=True)
    assert "With the driver now" in live and "77 Secret Lane" not in live


def test_exceptions_show_help_articles_and_the_forum_link_only_when_it_exists(
    client, owned, record, monkeypatch
):
    """An exception shows the knowledge base's articles for its code; no forum, no link."""
    _owner, shipment = owned
    asked = []

    def articles_tagged(tag, *, limit=5):
        asked.append(tag)
        return [type("Link", (), {"title": "Customs hold: what to do", "url": "/kb/customs"})()]

    monkeypatch.setattr("tracking.help.articles_tagged", articles_tagged)
    html = client.get(f"/track/{shipment.number}").get_data(as_text=True)
    assert "Customs hold" not in html and asked == []
    record(event(shipment.number, "exception", 3))
    html = client.get(f"/track/{shipment.number}").get_data(as_text=True)
    assert asked == ["exception"]
    assert '<a href="/kb/customs">Customs hold: what to do</a>' in html
    assert ("Ask in the community forum" in html) == (
        "forum.index" in client.application.view_functions
    )


# Owner pages -------------------------------------------------------------------------------


def test_owners_see_their_own_orders_and_shipments_only(
    client, make_user, make_order, make_shipment, owned
):
    """The lists show the signed-in customer's things and nobody else's."""
    owner, shipment = owned
    make_order(owner, "PO-OLIVE")
    stranger = make_user()
    other_shipment = make_shipment(stranger)
    make_order(stranger, "PO-STRANGER")
    client.login(owner.email)
    shipments = client.get("/account/shipments").get_data(as_text=True)
    assert shipment.number in shipments and other_shipment.number not in shipments
    orders = client.get("/account/orders").get_data(as_text=True)
    assert "PO-OLIVE" in orders and "PO-STRANGER" not in orders


def test_the_owner_sees_details_contacts_and_the_address(client, owned):
    """The owner's page has the address, origin, destination and contacts."""
    owner, shipment = owned
    client.login(owner.email)
    html = client.get(f"/account/shipments/{shipment.number}").get_data(as_text=True)
    for private in ("77 Secret Lane", "Origintown", "Carl Contact", "carl@example.com"):
        assert private in html
    public = client.get(f"/track/{shipment.number}").get_data(as_text=True)
    assert "Details and alerts" in public


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "", {}),
        ("post", "/alerts", {"owner-events": ["delivered"]}),
        ("post", "/alerts/resume", {}),
        (
            "post",
            "/contacts",
            {
                "contact-name": "Eve",
                "contact-email": "eve@example.com",
                "contact-events": ["delivered"],
            },
        ),
        ("post", "/contacts/{contact}", {"c{contact}-events": ["delivered"]}),
        ("post", "/contacts/{contact}/remove", {}),
    ],
)
def test_someone_elses_shipment_is_a_404_for_every_page_and_form(
    app, client, make_user, owned, method, path, data
):
    """Another customer gets 404 (as for a missing number), and nothing changes."""
    _owner, shipment = owned
    with app.app_context():
        contact = db.session.scalar(select(AlertContact.id))
    stranger = make_user()
    client.login(stranger.email)
    url = f"/account/shipments/{shipment.number}" + path.format(contact=contact)
    data = {key.format(contact=contact): value for key, value in data.items()}
    response = client.get(url) if method == "get" else client.post_form(url, data)
    assert response.status_code == 404
    with app.app_context():
        contacts = db.session.scalars(select(AlertContact)).all()
        assert [(c.name, c.events) for c in contacts] == [("Carl Contact", "delivered")]


def test_a_contact_of_someone_elses_shipment_is_a_404_through_ones_own(
    app, client, make_user, make_shipment, owned
):
    """A stranger's contact id cannot be edited or removed through one's own shipment."""
    owner, _shipment = owned
    stranger = make_user()
    make_shipment(stranger, contacts=[("Sue", "sue@example.com", ["delivered"])])
    mine = make_shipment(owner)
    with app.app_context():
        theirs = db.session.scalar(select(AlertContact.id).where(AlertContact.name == "Sue"))
    client.login(owner.email)
    base = f"/account/shipments/{mine.number}/contacts/{theirs}"
    assert client.post_form(base + "/remove").status_code == 404
    assert client.post_form(base, {f"c{theirs}-events": ["exception"]}).status_code == 404
    with app.app_context():
        assert db.session.get(AlertContact, theirs).events == "delivered"


def test_signed_out_visitors_are_sent_to_log_in(client, owned):
    """The account pages need a login."""
    _owner, shipment = owned
    for url in ("/account/orders", "/account/shipments", f"/account/shipments/{shipment.number}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unconfirmed_account_cannot_see_shipments(client, make_user, make_shipment):
    """Whoever registered an address without proving it owns it sees no shipments (403)."""
    owner = make_user(confirmed=False)
    shipment = make_shipment(owner)
    client.login(owner.email)
    assert client.get("/account/shipments").status_code == 403
    assert client.get(f"/account/shipments/{shipment.number}").status_code == 403


def _contact_form(name, email, events=ALL):
    return {"contact-name": name, "contact-email": email, "contact-events": list(events)}


def test_adding_contacts_through_the_form_up_to_three(app, client, make_user, make_shipment):
    """Three contacts are added; the fourth is refused on the page with 422 and a message."""
    owner = make_user("olive@example.com")
    shipment = make_shipment(owner)
    client.login(owner.email)
    url = f"/account/shipments/{shipment.number}/contacts"
    for n in range(3):
        response = client.post_form(url, _contact_form(f"Person {n}", f"p{n}@example.com"))
        assert response.status_code == 302
    page = client.get(f"/account/shipments/{shipment.number}").get_data(as_text=True)
    assert "already alerts 3 people" in page
    response = client.post_form(url, _contact_form("Person 4", "p4@example.com"))
    assert response.status_code == 422
    assert "at most 3 people besides you" in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(AlertContact)).all()) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_contact_form("Ana", "not an email"), "Enter a valid email address."),
        (_contact_form("Ana", "CARL@example.com"), "already a contact"),
        (_contact_form("Ana", "olive@example.com"), "owner&#39;s own address"),
        (_contact_form("   ", "ana@example.com"), "This field"),
        (_contact_form("Ana", "ana@example.com", events=[]), "Choose at least one kind of alert."),
    ],
)
def test_bad_contacts_are_refused_on_the_form(app, client, owned, data, message):
    """A bad or duplicate email, the owner's own, no name or no alerts: 422 on the page."""
    owner, shipment = owned
    client.login(owner.email)
    response = client.post_form(f"/account/shipments/{shipment.number}/contacts", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(AlertContact)).all()) == 1


def test_owner_changes_a_contacts_events_and_removes_them(app, client, owned):
    """Events chosen per contact are saved; removing stops their alerts."""
    owner, shipment = owned
    client.login(owner.email)
    with app.app_context():
        contact = db.session.scalar(select(AlertContact.id))
    base = f"/account/shipments/{shipment.number}/contacts/{contact}"
    response = client.post_form(base, {f"c{contact}-events": ["exception", "delivered"]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(AlertContact, contact).events == "exception,delivered"
    assert client.post_form(base, {}).status_code == 422
    assert client.post_form(base + "/remove").status_code == 302
    with app.app_context():
        assert db.session.get(AlertContact, contact) is None


def test_owner_chooses_their_own_alerts(app, client, owned):
    """The owner's checkboxes are saved; choosing none is allowed."""
    owner, shipment = owned
    client.login(owner.email)
    url = f"/account/shipments/{shipment.number}/alerts"
    assert client.post_form(url, {"owner-events": ["delivered"]}).status_code == 302
    with app.app_context():
        from tracking.services import find_shipment

        assert find_shipment(shipment.number).owner_alerts == "delivered"
    assert client.post_form(url, {}).status_code == 302
    with app.app_context():
        assert find_shipment(shipment.number).owner_alerts == ""


def test_the_track_link_and_account_links_are_in_the_navigation(client, owned):
    """'Track' is in the main navigation; 'Your orders' and 'Your shipments' on the account page."""
    owner, _shipment = owned
    assert 'href="/track"' in client.get("/").get_data(as_text=True)
    client.login(owner.email)
    account = client.get("/account/").get_data(as_text=True)
    assert "Your orders" in account and "Your shipments" in account


def test_the_home_page_lists_the_customers_shipments_on_the_way(
    client, owned, make_shipment, record
):
    """Signed in, the home page shows shipments not yet delivered; visitors see none."""
    owner, shipment = owned
    delivered = make_shipment(owner)
    record(event(delivered.number, "delivered", 3))
    assert "Your shipments on the way" not in client.get("/").get_data(as_text=True)
    client.login(owner.email)
    home = client.get("/").get_data(as_text=True)
    assert "Your shipments on the way" in home
    assert shipment.number in home and delivered.number not in home


def test_the_knowledge_base_articles_tagged_with_the_code_are_linked(app, client, owned, record):
    """A published article tagged `attempt_failed` appears on a shipment with a failed attempt."""
    from kb.search import engine
    from kb.services.articles import ArticleInput, save_article

    _owner, shipment = owned
    with app.test_request_context():
        engine(app).ensure_started()
        for title, tags, publish in [
            ("We missed you: rebooking a delivery", ["attempt_failed"], True),
            ("Draft about missed deliveries", ["attempt_failed"], False),
            ("Customs holds", ["exception"], True),
        ]:
            save_article(
                None,
                ArticleInput(title=title, body="What to do next.", tags=tags),
                by=None,
                publish=publish,
                check_editor=False,
            )
    record(event(shipment.number, "attempt_failed", 3))
    html = client.get(f"/track/{shipment.number}").get_data(as_text=True)
    assert "We missed you: rebooking a delivery" in html
    assert "Draft about missed deliveries" not in html and "Customs holds" not in html
