"""Sign-ins kept on the server: a copied cookie stops working once its browser logs out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.accounts.models import LoginSession, Role, User
from community.accounts.sessions import device_name, open_session
from community.extensions import db
from tests.community.outbox_helpers import link_in, queued_to
from tests.conftest import PASSWORD

SESSION_COOKIE = "portico_session"
REMEMBER_COOKIE = "portico_remember"


def copy_cookies(app, source, names=(SESSION_COOKIE,)):
    """A second browser holding what an attacker copied from `source` at this moment."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name, domain="localhost")
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value, domain="localhost")
    return thief


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def count_sign_ins(app, user) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
        )


def test_a_session_cookie_copied_before_logout_no_longer_opens_the_account(app, make_user):
    user = make_user()
    browser = app.test_client()
    browser.login(user.email)
    thief = copy_cookies(app, browser)
    assert signed_in(thief)

    assert browser.post_form("/logout").status_code == 302

    assert not signed_in(browser)
    assert not signed_in(thief)
    assert count_sign_ins(app, user) == 0


def test_a_remember_me_cookie_copied_before_logout_no_longer_signs_in(app, make_user):
    user = make_user()
    browser = app.test_client()
    browser.post_form("/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    thief = copy_cookies(app, browser, names=(REMEMBER_COOKIE,))
    assert signed_in(thief)  # the remember cookie alone restores the sign-in

    browser.post_form("/logout")

    fresh_thief = copy_cookies(app, thief, names=(REMEMBER_COOKIE,))
    assert not signed_in(fresh_thief)


def test_logging_out_on_one_device_leaves_the_others_signed_in(app, make_user):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    laptop.login(user.email)
    phone.login(user.email)
    assert count_sign_ins(app, user) == 2

    laptop.post_form("/logout")

    assert not signed_in(laptop)
    assert signed_in(phone)


def test_log_out_on_every_device_ends_them_all(app, make_user):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    laptop.login(user.email)
    phone.login(user.email)
    page = laptop.get("/account/").get_data(as_text=True)
    assert "Where you are logged in" in page
    assert page.count("this device") == 1

    response = laptop.post_form("/account/sessions/logout-all")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert not signed_in(laptop)
    assert not signed_in(phone)
    assert count_sign_ins(app, user) == 0


def test_log_out_everywhere_needs_the_form_token(app, make_user):
    """A page elsewhere cannot sign the reader out of everything (CSRF)."""
    user = make_user()
    laptop = app.test_client()
    laptop.login(user.email)

    assert laptop.post("/account/sessions/logout-all").status_code == 400
    assert signed_in(laptop)
    assert count_sign_ins(app, user) == 1


def test_a_password_change_ends_the_other_devices_remembered_sign_ins(app, make_user):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    laptop.login(user.email)
    phone.post_form("/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    remembered = copy_cookies(app, phone, names=(REMEMBER_COOKIE,))
    new = "my new password 2026"

    laptop.post_form(
        "/account/password", {"current_password": PASSWORD, "password": new, "confirm": new}
    )

    assert signed_in(laptop)
    assert not signed_in(phone)
    assert not signed_in(remembered)
    assert count_sign_ins(app, user) == 1


def test_a_password_reset_by_email_ends_every_earlier_sign_in(app, make_user):
    user = make_user()
    old_browser = app.test_client()
    old_browser.login(user.email)
    new_browser = app.test_client()
    new_browser.post_form("/password/forgot", {"email": user.email})
    [mail] = queued_to(app, user.email)
    new = "reset password 2026"

    response = new_browser.post_form(
        link_in(mail.body_text, "/password/reset/"), {"password": new, "confirm": new}
    )

    assert response.status_code == 302
    assert signed_in(new_browser)
    assert not signed_in(old_browser)


def test_disabling_an_account_signs_it_out_everywhere(app, make_user):
    admin = make_user("admin@example.com", roles=[Role.ADMIN])
    user = make_user()
    victim_browser = app.test_client()
    victim_browser.login(user.email)
    admin_browser = app.test_client()
    admin_browser.login(admin.email)

    response = admin_browser.post_form(f"/admin/users/{user.id}", {})

    assert response.status_code in (200, 302)
    assert not signed_in(victim_browser)
    assert count_sign_ins(app, user) == 0


def test_the_database_keeps_only_a_digest_of_the_key(app, make_user):
    """A copy of the database cannot be turned into a working cookie."""
    user = make_user()
    with app.test_request_context():
        person = db.session.get_one(User, user.id)
        open_session(person, "Mozilla/5.0")
        key = person.login_key
        digests = db.session.scalars(select(LoginSession.key_digest)).all()
    assert key and len(key) >= 40
    assert key not in digests
    assert len(digests) == 1 and len(digests[0]) == 64


@pytest.mark.parametrize(
    "session_id",
    [
        "",
        ":",
        "1",
        "1:",
        "1:guess",
        "x:y",
        "-1:abc",
        "99999999999999999999999:abc",
        "1:" + "a" * 500,
    ],
)
def test_a_made_up_session_id_is_a_visitor(app, make_user, session_id):
    make_user()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
    response = client.get("/account/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_expired_sign_in_ends_and_is_removed_at_the_next_sign_in(app, make_user):
    user = make_user()
    browser = app.test_client()
    browser.login(user.email)
    with app.app_context():
        row = db.session.scalars(select(LoginSession)).one()
        row.expires_at = row.created_at - timedelta(seconds=1)
        db.session.commit()

    assert not signed_in(browser)
    app.test_client().login(user.email)
    assert count_sign_ins(app, user) == 1


def test_the_account_page_names_each_device(app, make_user):
    user = make_user()
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0 Mobile Safari/537.36"
    )
    phone.login(user.email)
    page = phone.get("/account/").get_data(as_text=True)
    assert "Chrome on Android" in page


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1",
            "Safari on iPhone",
        ),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/131.0 Safari/537.36 Edg/131.0", "Edge on Windows"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0; rv:133.0) Firefox/133.0",
            "Firefox on macOS",
        ),
        ("Mozilla/5.0 (Linux; Android 14) Chrome/120 MicroMessenger/8.0", "WeChat on Android"),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", "Unknown device"),
    ],
)
def test_device_names(app, user_agent, name):
    with app.test_request_context():
        assert device_name(user_agent) == name
