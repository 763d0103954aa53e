"""Every page where self-service can run out offers a person: "Contact support"."""

from __future__ import annotations

from community.accounts.models import Role, User
from community.extensions import db
from kb.services.articles import ArticleInput, save_article
from tests.helpers import logged_in

SUPPORT = 'href="/support/new"'


def test_the_navigation_footer_and_home_page_offer_support(client, desk):
    """Every page's header and footer, and a door on the home page."""
    page = client.get("/").text
    assert page.count(SUPPORT) >= 3
    assert 'href="/service"' in page


def test_dead_ends_offer_support(client, desk):
    """A missing page and a search that found nothing both point to a person."""
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and SUPPORT in missing.text.split("<main", 1)[1]
    nothing = client.get("/kb/search?q=zzqxw")
    assert SUPPORT in nothing.text.split("<main", 1)[1]


def test_an_unhelpful_answer_offers_support(app, client, desk, make_user):
    """The "was this helpful?" page of an article points to a person."""
    editor = make_user(roles=[Role.EDITOR])
    with app.app_context():
        article = save_article(
            None, ArticleInput(title="Descaling the kettle", body="Use vinegar."),
            by=db.session.get(User, editor.id), publish=True,
        )  # fmt: skip
        slug = article.slug
    page = logged_in(app, desk.customer).get(f"/kb/articles/{slug}/feedback?helpful=no").text
    assert SUPPORT in page
