"""Admin pages: who may enter, roles, API tokens, the outbox; and navigation by role."""

from __future__ import annotations

import re

import pytest
from flask import g, jsonify
from sqlalchemy import select

from community.accounts.models import Role, User
from community.api import token_required
from community.api.models import ApiToken
from community.extensions import db
from community.outbox.delivery import deliver_pending
from community.outbox.models import OutboxMessage, OutboxStatus
from tests.community.test_outbox import queue

ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/tokens", "/admin/outbox"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_send_visitors_to_log_in_and_refuse_customers(app, make_user, path):
    """Anonymous visitors are sent to log in; customers and other staff get 403."""
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for roles in ([], [Role.MANAGER], [Role.EDITOR], [Role.MODERATOR]):
        user = make_user(roles=roles)
        client = app.test_client()
        client.login(user.email)
        assert client.get(path).status_code == 403


def test_admin_changes_roles_and_disables_an_account(app, client, make_user):
    """An admin makes a customer an editor and moderator, then disables another account."""
    admin = make_user(roles=[Role.ADMIN])
    customer = make_user("cust@example.com")
    client.login(admin.email)
    assert "cust@example.com" in client.get("/admin/users?q=CUST").get_data(as_text=True)
    response = client.post_form(
        f"/admin/users/{customer.id}", {"roles": ["editor", "moderator"], "is_active": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, customer.id)
        assert saved.roles == {Role.EDITOR, Role.MODERATOR}
    client.post_form(f"/admin/users/{customer.id}", {"roles": []})
    with app.app_context():
        saved = db.session.get(User, customer.id)
        assert saved.roles == frozenset() and not saved.is_active


def test_an_admin_cannot_remove_their_own_admin_role(app, client, make_user):
    """The last word on admin access is not given away by accident."""
    admin = make_user(roles=[Role.ADMIN])
    client.login(admin.email)
    response = client.post_form(f"/admin/users/{admin.id}", {"roles": ["editor"], "is_active": "y"})
    assert response.status_code == 422
    assert "cannot remove your own admin access" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).is_admin


def test_admin_refuses_unknown_roles(app, client, make_user):
    """A forged role value is a form error, never stored."""
    admin = make_user(roles=[Role.ADMIN])
    customer = make_user()
    client.login(admin.email)
    response = client.post_form(
        f"/admin/users/{customer.id}", {"roles": ["superuser"], "is_active": "y"}
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, customer.id).roles == frozenset()


def test_api_token_is_shown_once_and_works_until_revoked(app, client, make_user):
    """The new token is displayed once, authenticates, and stops after revocation."""

    @app.get("/api/v1/test-only/whoami")
    @token_required
    def whoami():
        return jsonify(name=g.api_token.name)

    admin = make_user(roles=[Role.ADMIN])
    client.login(admin.email)
    page = client.post_form("/admin/tokens", {"name": "Warehouse WMS"}).get_data(as_text=True)
    secret = re.search(r"pt_[A-Za-z0-9_-]{40,}", page).group(0)
    assert secret not in client.get("/admin/tokens").get_data(as_text=True)
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash != secret and secret not in token.token_hash
        assert token.created_by_id == admin.id

    api = app.test_client()
    assert api.get("/api/v1/test-only/whoami").status_code == 401
    assert (
        api.get(
            "/api/v1/test-only/whoami", headers={"Authorization": "Bearer pt_wrong"}
        ).status_code
        == 401
    )
    ok = api.get("/api/v1/test-only/whoami", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200 and ok.get_json() == {"name": "Warehouse WMS"}

    client.post_form(f"/admin/tokens/{token.id}/revoke")
    revoked = api.get("/api/v1/test-only/whoami", headers={"Authorization": f"Bearer {secret}"})
    assert revoked.status_code == 401
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_needs_a_name(client, make_user):
    """An empty token name is a form error."""
    admin = make_user(roles=[Role.ADMIN])
    client.login(admin.email)
    response = client.post_form("/admin/tokens", {"name": "   "})
    assert response.status_code == 422


def test_admin_sees_failed_mail_with_its_error_and_can_retry(make_app, make_user):
    """A failed email shows its error; retry puts it back in the queue."""
    app = make_app(MAIL_URL="smtp://127.0.0.1:1", OUTBOX_MAX_ATTEMPTS=1)
    admin = make_user(roles=[Role.ADMIN])
    queue(app, key="admin:1")
    with app.app_context():
        deliver_pending()
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == OutboxStatus.FAILED
    client = app.test_client()
    client.login(admin.email)
    listing = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "cannot reach" in listing
    detail = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Retry now" in detail
    client.post_form(f"/admin/outbox/{message.id}/retry")
    with app.app_context():
        again = db.session.get(OutboxMessage, message.id)
        assert again.status == OutboxStatus.QUEUED and again.attempts == 0


def test_navigation_follows_the_role(app, make_user):
    """Admins see the Admin link; customers do not."""
    admin = make_user(roles=[Role.ADMIN])
    customer = make_user()
    admin_client, customer_client = app.test_client(), app.test_client()
    admin_client.login(admin.email)
    customer_client.login(customer.email)
    assert 'href="/admin/"' in admin_client.get("/").get_data(as_text=True)
    customer_home = customer_client.get("/").get_data(as_text=True)
    assert 'href="/admin/"' not in customer_home
    assert customer.display_name in customer_home
