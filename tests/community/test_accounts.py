"""Accounts end to end through the test client: register, confirm, log in and out, reset."""

from __future__ import annotations

import pytest
from flask_login import current_user
from sqlalchemy import func, select

from community.accounts.models import User
from community.accounts.permissions import confirmed_required
from community.extensions import db
from tests.community.outbox_helpers import link_in, queued_to
from tests.conftest import PASSWORD

REGISTRATION = {
    "display_name": "Wen Zhang",
    "email": "Wen.Zhang@Example.com",
    "password": "a long enough password",
    "confirm": "a long enough password",
    "timezone": "Asia/Shanghai",
}


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_registration_sends_a_confirmation_link_that_confirms(app, client):
    """A new account is unconfirmed until the emailed link is opened."""
    response = client.post_form("/register", REGISTRATION)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "wen.zhang@example.com"))
        assert user is not None and not user.is_confirmed
        assert user.timezone == "Asia/Shanghai"
    [mail] = queued_to(app, "wen.zhang@example.com")
    assert mail.subject == "Confirm your email address"
    assert "Wen Zhang" in mail.body_text
    confirm_path = link_in(mail.body_text, "/account/confirm/")

    response = client.get(confirm_path, follow_redirects=True)
    assert "your email address is confirmed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(
            select(User).where(User.email == "wen.zhang@example.com")
        ).is_confirmed


def test_registration_refuses_an_email_that_differs_only_in_case(app, client, make_user):
    """Emails are unique without regard to case."""
    make_user("wen.zhang@example.com")
    response = client.post_form("/register", REGISTRATION)
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert count_users(app) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"password": "short", "confirm": "short"}, "Use between 10 and 256 characters."),
        ({"confirm": "something else entirely"}, "The passwords differ."),
        ({"display_name": "\u200b\u200b "}, "This field cannot be empty."),
        ({"display_name": "x" * 81}, "Field cannot be longer than 80 characters."),
        ({"timezone": "Mars/Olympus_Mons"}, "Choose a time zone from the list."),
        ({"email": ""}, "This field is required."),
    ],
)
def test_registration_explains_bad_input_and_creates_nothing(app, client, changes, message):
    """Each bad field is named on the form, with a 422, and no account is created."""
    response = client.post_form("/register", {**REGISTRATION, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_users(app) == 0
    assert queued_to(app, "wen.zhang@example.com") == []


def test_forms_without_a_csrf_token_are_refused(app, client, make_user):
    """A state-changing POST without the CSRF token gets 400 and changes nothing."""
    user = make_user()
    assert client.post("/register", data=REGISTRATION).status_code == 400
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 400
    )
    client.login(user.email)
    assert client.post("/logout").status_code == 400
    assert client.get("/account/").status_code == 200  # still logged in
    assert count_users(app) == 1


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user):
    """Login does not reveal which emails have accounts."""
    user = make_user()
    wrong_password = client.post_form("/login", {"email": user.email, "password": "wrong password"})
    unknown_email = client.post_form(
        "/login", {"email": "nobody@example.com", "password": "wrong password"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 422
    message = "The email or password is not correct."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_email.get_data(as_text=True)


def test_login_ignores_email_case_and_remember_me_sets_a_lasting_cookie(app, client, make_user):
    """Log in with any capitalisation; 'keep me logged in' sets the remember cookie."""
    user = make_user("casey@example.com")
    response = client.post_form(
        "/login", {"email": "CASEY@Example.com", "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    assert client.get_cookie("portico_remember", domain="localhost") is not None
    page = client.get("/").get_data(as_text=True)
    assert user.display_name in page
    with app.app_context():
        assert db.session.get(User, user.id).last_login_at is not None


def test_a_disabled_account_cannot_log_in(app, client, make_user):
    """An account an admin disabled is refused like a wrong password."""
    user = make_user()
    with app.app_context():
        db.session.get(User, user.id).is_active_account = False
        db.session.commit()
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 422


def test_logout_is_a_post_and_ends_the_session(client, make_user):
    """GET /logout does nothing; the POST form logs out."""
    user = make_user()
    client.login(user.email)
    assert client.get("/logout").status_code == 405
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 302  # back to the login page


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/%0d%0aSet-Cookie:x=1",
    ],
)
def test_login_never_redirects_off_site(client, make_user, target):
    """An open-redirect attempt in next= lands on the home page instead."""
    user = make_user()
    response = client.post_form(
        f"/login?next={target}", {"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_next_path_on_this_site(client, make_user):
    """After login, the user lands where they were going."""
    user = make_user()
    response = client.post_form(
        "/login?next=/account/profile", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account/profile"


def test_too_many_login_attempts_get_429(make_app, make_user):
    """The login form is rate limited per address."""
    app = make_app(RATELIMIT_ENABLED=True, RATE_LIMIT_LOGIN="3 per minute")
    client = app.test_client()
    statuses = [
        client.post_form("/login", {"email": "a@example.com", "password": "wrong pass"}).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    assert "Too many attempts" in client.post_form(
        "/login", {"email": "a@example.com", "password": "x"}
    ).get_data(as_text=True)


def test_password_reset_by_email_link_works_once(app, client, make_user):
    """The emailed link sets a new password, logs in, and cannot be used again."""
    user = make_user("reset@example.com")
    response = client.post_form("/password/forgot", {"email": "RESET@example.com"})
    assert response.status_code == 302
    [mail] = queued_to(app, "reset@example.com")
    assert mail.subject == "Reset your password"
    reset_path = link_in(mail.body_text, "/password/reset/")

    assert client.get(reset_path).status_code == 200
    new_password = "a brand new password"
    response = client.post_form(reset_path, {"password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200

    reused = client.post_form(
        reset_path, {"password": "another password!", "confirm": "another password!"}
    )
    assert reused.status_code == 302
    assert reused.headers["Location"].endswith("/password/forgot")
    with_new = client.application.test_client()
    assert (
        with_new.post_form("/login", {"email": user.email, "password": new_password}).status_code
        == 302
    )
    with_old = client.application.test_client()
    assert (
        with_old.post_form("/login", {"email": user.email, "password": PASSWORD}).status_code == 422
    )


def test_password_reset_for_an_unknown_email_says_the_same_and_sends_nothing(
    app, client, make_user
):
    """The reset form does not reveal whether an account exists."""
    make_user("known@example.com")
    known = client.post_form(
        "/password/forgot", {"email": "known@example.com"}, follow_redirects=True
    )
    unknown = client.post_form(
        "/password/forgot", {"email": "ghost@example.com"}, follow_redirects=True
    )
    assert "If an account exists for known@example.com" in known.get_data(as_text=True)
    assert "If an account exists for ghost@example.com" in unknown.get_data(as_text=True)
    assert queued_to(app, "ghost@example.com") == []
    assert len(queued_to(app, "known@example.com")) == 1


def test_an_expired_reset_link_is_refused(make_app, make_user):
    """A reset link older than PASSWORD_RESET_MAX_AGE no longer works."""
    app = make_app(PASSWORD_RESET_MAX_AGE=-1)
    client = app.test_client()
    make_user("late@example.com")
    client.post_form("/password/forgot", {"email": "late@example.com"})
    reset_path = link_in(queued_to(app, "late@example.com")[0].body_text, "/password/reset/")
    response = client.get(reset_path, follow_redirects=True)
    assert "This link has expired" in response.get_data(as_text=True)


def test_a_tampered_reset_link_is_refused(client):
    """A forged token is refused, not a 500."""
    response = client.get("/password/reset/not-a-real-token", follow_redirects=True)
    assert response.status_code == 200
    assert "not valid" in response.get_data(as_text=True)


def test_a_password_change_logs_out_other_devices(app, make_user):
    """Changing the password ends every other session."""
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    laptop.login(user.email)
    phone.login(user.email)
    new = "my new password 2026"
    response = laptop.post_form(
        "/account/password", {"current_password": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302


def test_a_password_change_needs_the_current_password(client, make_user):
    """A wrong current password is named on the form."""
    user = make_user()
    client.login(user.email)
    response = client.post_form(
        "/account/password",
        {
            "current_password": "wrong one!",
            "password": "new password 1",
            "confirm": "new password 1",
        },
    )
    assert response.status_code == 422
    assert "Your current password is not correct." in response.get_data(as_text=True)


def test_profile_changes_name_time_zone_and_language(app, client, make_user):
    """The profile form saves; a made-up time zone is refused."""
    user = make_user()
    client.login(user.email)
    response = client.post_form(
        "/account/profile",
        {"display_name": "  Li Na  ", "timezone": "Europe/Paris", "locale": "zh_Hans_CN"},
    )
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.display_name, saved.timezone, saved.locale) == (
            "Li Na",
            "Europe/Paris",
            "zh_Hans_CN",
        )
    bad = client.post_form(
        "/account/profile", {"display_name": "Li Na", "timezone": "Nowhere/Land", "locale": "en"}
    )
    assert bad.status_code == 422
    bad_locale = client.post_form(
        "/account/profile", {"display_name": "Li Na", "timezone": "UTC", "locale": "klingon"}
    )
    assert bad_locale.status_code == 422


def test_unconfirmed_users_can_read_but_not_post(app, make_user):
    """A route guarded by confirmed_required answers 403 until the email is confirmed."""

    @app.post("/test-only/post")
    @confirmed_required
    def post_something():
        return str(current_user.id)

    unconfirmed = make_user(confirmed=False)
    confirmed = make_user()
    client = app.test_client()
    client.login(unconfirmed.email)
    refused = client.post_form("/test-only/post")
    assert refused.status_code == 403
    assert "confirm your email address" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 200
    other = app.test_client()
    other.login(confirmed.email)
    assert other.post_form("/test-only/post").status_code == 200


def test_resend_confirmation_queues_a_new_link(app, client, make_user):
    """An unconfirmed user can ask for the confirmation email again."""
    user = make_user(confirmed=False)
    client.login(user.email)
    client.post_form("/account/confirm/resend")
    client.post_form("/account/confirm/resend")
    assert len(queued_to(app, user.email)) == 2


def test_a_confirmation_link_for_an_old_address_does_nothing(app, client, make_user):
    """A bad confirmation token is refused with a message, not an error page."""
    user = make_user(confirmed=False)
    client.login(user.email)
    response = client.get("/account/confirm/garbage", follow_redirects=True)
    assert "not valid" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(User, user.id).is_confirmed
