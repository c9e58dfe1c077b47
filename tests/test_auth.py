"""Issue 10, findings 2, 7, 8 and 9: sessions end on the server, logins are throttled by
address and account without an attacker-triggered lock-out, every failed login looks and
costs the same, and passwords are strong, changeable and never travel in the session."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from cddh.models import LoginFailure, Role, UnitCategory, User, UserSession, db, utcnow
from cddh.services import DomainError, accounts
from cddh.services.accounts import authenticate, check_password_strength, hash_password

from .conftest import CSRF_RE, TEST_PASSWORD, make_unit, make_user

NEW_PASSWORD = "Sông-Hàm-Luông-7"


# --- helpers -------------------------------------------------------------------------------

def _csrf(client, path="/login", **kw) -> str:
    return CSRF_RE.search(client.get(path, **kw).get_data(as_text=True)).group(1)


def login(client, username, password=TEST_PASSWORD, address="10.0.0.1", agent="Trình duyệt A",
          token=None):
    env = {"REMOTE_ADDR": address}
    headers = {"User-Agent": agent}
    token = token or _csrf(client, environ_base=env, headers=headers)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}, environ_base=env, headers=headers)


def post(client, path, data=None):
    data = dict(data or {})
    data["csrf_token"] = _csrf(client, "/account/password/")
    return client.post(path, data=data)


def logged_in(client) -> bool:
    resp = client.get("/tasks/")
    return resp.status_code == 200


def alert(resp) -> str:
    match = re.search(r'<div class="alert alert-danger" role="alert">(.*?)</div>',
                      resp.get_data(as_text=True), re.S)
    return match.group(1) if match else ""


@pytest.fixture
def people(app):
    """An admin and two unit users with the test password; returns their usernames."""
    with app.app_context():
        office = make_unit("VP", UnitCategory.office)
        unit = make_unit("SA")
        make_user(Role.admin, office, username="quantri")
        make_user(Role.unit_staff, unit, username="canbo.a")
        make_user(Role.unit_staff, unit, username="canbo.b")
        db.session.commit()
    return "quantri", "canbo.a", "canbo.b"


def _user(app, username) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        db.session.expunge(user)
        return user


# --- finding 2: sessions ------------------------------------------------------------------

def test_logout_ends_the_session_on_the_server(app, people):
    client = app.test_client()
    assert login(client, "canbo.a").status_code == 302
    cookie = client.get_cookie("session").value
    assert logged_in(client)
    assert post(client, "/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    resp = replay.get("/tasks/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_activity_does_not_extend_a_session(app, people):
    client = app.test_client()
    login(client, "canbo.a")
    with app.app_context():
        first = db.session.scalar(sa.select(UserSession))
        created, expires = first.created_at, first.expires_at
    assert expires - created == dt.timedelta(hours=app.config["SESSION_HOURS"])
    client.get("/tasks/")  # the first page after login stores a CSRF token in the session
    for _ in range(3):
        resp = client.get("/tasks/")
        assert resp.status_code == 200
        assert "session=" not in resp.headers.get("Set-Cookie", "")  # the cookie is not renewed
    with app.app_context():
        assert db.session.scalar(sa.select(UserSession.expires_at)) == expires
        # the absolute lifetime runs out: the same cookie no longer logs in
        db.session.execute(sa.update(UserSession).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    resp = client.get("/tasks/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def _session_ids(app, username):
    with app.app_context():
        return list(db.session.scalars(
            sa.select(UserSession.id).join(User).where(User.username == username,
                                                       UserSession.revoked_at.is_(None))
            .order_by(UserSession.id)))


def test_a_user_sees_and_ends_only_their_own_sessions(app, people):
    first, second, other = app.test_client(), app.test_client(), app.test_client()
    login(first, "canbo.a", agent="Máy văn phòng")
    login(second, "canbo.a", agent="Điện thoại cá nhân")
    login(other, "canbo.b", agent="Máy của người khác")
    page = first.get("/account/sessions/").get_data(as_text=True)
    assert "Máy văn phòng" in page and "Điện thoại cá nhân" in page
    assert "Máy của người khác" not in page
    assert page.count("trình duyệt này") == 1  # the session this page is read from
    mine, theirs = _session_ids(app, "canbo.a"), _session_ids(app, "canbo.b")
    # another user's session id is refused and left alone
    post(first, "/account/sessions/action/", {"action": "end", "rowid": theirs})
    assert logged_in(other)
    assert first.get(f"/account/sessions/details/?id={theirs[0]}").status_code in (302, 404)
    # ending my other session logs that browser out, not this one
    post(first, "/account/sessions/action/", {"action": "end", "rowid": mine[1]})
    assert not logged_in(second)
    assert logged_in(first)
    page = first.get("/account/sessions/").get_data(as_text=True)
    assert "Điện thoại cá nhân" not in page and "Máy văn phòng" in page


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, people):
    first, second = app.test_client(), app.test_client()
    login(first, "canbo.a")
    login(second, "canbo.a")
    resp = post(first, "/account/password/", {"current": TEST_PASSWORD, "password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD})
    assert resp.status_code == 302
    assert logged_in(first) and not logged_in(second)
    assert login(app.test_client(), "canbo.a", NEW_PASSWORD).status_code == 302


def test_a_reset_and_a_deactivation_end_every_session(app, people, browser):
    victim = app.test_client()
    login(victim, "canbo.a")
    admin = browser(_user(app, "quantri"))
    user_id = _user(app, "canbo.a").id
    resp = admin.post("/users/action/", data={"action": "reset_password", "rowid": user_id})
    assert resp.status_code == 200
    assert not logged_in(victim)
    login(victim, "canbo.b")
    admin.post("/users/action/", data={"action": "deactivate",
                                       "rowid": _user(app, "canbo.b").id})
    assert not logged_in(victim)


# --- finding 7: throttling ----------------------------------------------------------------

def test_fifty_wrong_passwords_from_one_address_across_ten_accounts_are_held_back(app):
    with app.app_context():
        unit = make_unit("SA")
        names = [make_user(Role.unit_staff, unit, username=f"nguoi{i}").username for i in range(10)]
        db.session.commit()
    client = app.test_client()
    token = _csrf(client)
    for i in range(50):
        resp = login(client, names[i % 10], f"Doan-sai-{i}x", address="203.0.113.9", token=token)
        assert resp.status_code == 401
    with app.app_context():
        guesses = db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure))
    # Past the free attempts each guess waits twice as long as the one before (1 s, 2 s, 4 s…):
    # the other attempts were refused without their password being judged.
    assert guesses < app.config["LOGIN_ADDRESS_FREE"] + 8, guesses
    # the same user from their own address gets in
    assert login(app.test_client(), names[3], address="198.51.100.7").status_code == 302


def test_right_after_a_burst_even_the_right_password_waits(ctx, app):
    """The same burst at one instant (no clock in between): the next try waits, even with
    the right password; it is a back-off, not a lock-out."""
    unit = make_unit("SA")
    names = [make_user(Role.unit_staff, unit, username=f"nguoi{i}").username for i in range(10)]
    db.session.commit()
    now = utcnow()
    for i in range(50):
        with pytest.raises(DomainError):
            authenticate(names[i % 10], f"Doan-sai-{i}x", address="203.0.113.9", now=now)
        db.session.commit()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == \
            app.config["LOGIN_ADDRESS_FREE"]
    wait = app.config["LOGIN_BACKOFF_SECONDS"]
    with pytest.raises(DomainError):
        authenticate(names[3], TEST_PASSWORD, address="203.0.113.9",
                     now=now + dt.timedelta(seconds=wait - 1))
    assert authenticate(names[3], TEST_PASSWORD, address="198.51.100.7", now=now).username == names[3]
    later = now + dt.timedelta(seconds=wait + 1)
    assert authenticate(names[4], TEST_PASSWORD, address="203.0.113.9", now=later).username == names[4]


def test_five_posts_do_not_lock_the_admin_out(app, people):
    attacker = app.test_client()
    token = _csrf(attacker)
    for i in range(5):
        login(attacker, "quantri", f"Sai-mat-khau-{i}", address="203.0.113.66", token=token)
    assert login(attacker, "quantri", address="203.0.113.66", token=token).status_code == 401
    assert login(app.test_client(), "quantri", address="10.0.0.5").status_code == 302


def test_failures_from_many_addresses_slow_new_addresses_but_not_a_known_one(app, people):
    assert login(app.test_client(), "quantri", address="10.0.0.5").status_code == 302
    for i in range(app.config["LOGIN_ACCOUNT_WIDE_FREE"] + 5):
        login(app.test_client(), "quantri", "Sai-mat-khau-9", address=f"203.0.113.{i + 1}")
    assert login(app.test_client(), "quantri", address="198.51.100.200").status_code == 401
    assert login(app.test_client(), "quantri", address="10.0.0.5").status_code == 302


def test_the_back_off_ends_by_itself(ctx, app):
    user = make_user(Role.unit_staff, make_unit("SA"), username="canbo.c")
    db.session.commit()
    start = utcnow()
    free = app.config["LOGIN_ACCOUNT_FREE"]
    for i in range(free + 3):
        with pytest.raises(DomainError):
            authenticate("canbo.c", "Sai-roi-nhe-1", address="10.1.1.1",
                         now=start + dt.timedelta(milliseconds=i))
        db.session.commit()
    soon = start + dt.timedelta(seconds=1)
    with pytest.raises(DomainError):
        authenticate("canbo.c", TEST_PASSWORD, address="10.1.1.1", now=soon)
    later = start + dt.timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"])
    assert authenticate("canbo.c", TEST_PASSWORD, address="10.1.1.1", now=later) == user


# --- finding 8: one answer, the same work -------------------------------------------------

def test_every_failed_login_answers_the_same(app, people, browser):
    admin = browser(_user(app, "quantri"))
    admin.post("/users/action/", data={"action": "deactivate", "rowid": _user(app, "canbo.b").id})
    attempts = {
        "unknown user": ("khong.co.ai", TEST_PASSWORD, "10.2.0.1"),
        "wrong password": ("canbo.a", "Sai-mat-khau-1", "10.2.0.2"),
        "deactivated, right password": ("canbo.b", TEST_PASSWORD, "10.2.0.3"),
        "deactivated, wrong password": ("canbo.b", "Sai-mat-khau-1", "10.2.0.4"),
    }
    answers = {}
    for what, (name, password, address) in attempts.items():
        resp = login(app.test_client(), name, password, address=address)
        answers[what] = (resp.status_code, alert(resp))
    for i in range(app.config["LOGIN_ACCOUNT_FREE"] + 1):
        resp = login(app.test_client(), "canbo.a", f"Sai-{i}-mat-khau", address="10.2.0.9")
    resp = login(app.test_client(), "canbo.a", address="10.2.0.9")
    answers["throttled, right password"] = (resp.status_code, alert(resp))
    assert len(set(answers.values())) == 1, answers
    status, text = answers["unknown user"]
    assert status == 401 and text


@pytest.fixture
def hash_calls(monkeypatch):
    calls = {"check": 0, "make": 0}
    real_check, real_make = accounts.check_password_hash, accounts.generate_password_hash

    def check(*a, **kw):
        calls["check"] += 1
        return real_check(*a, **kw)

    def make(*a, **kw):
        calls["make"] += 1
        return real_make(*a, **kw)

    monkeypatch.setattr(accounts, "check_password_hash", check)
    monkeypatch.setattr(accounts, "generate_password_hash", make)
    return calls


@pytest.mark.parametrize("case", ["unknown", "wrong", "deactivated", "deactivated_right",
                                  "no_password", "throttled", "success"])
def test_every_login_path_checks_exactly_one_hash(ctx, app, hash_calls, case):
    unit = make_unit("SA")
    user = make_user(Role.unit_staff, unit, username="canbo.d")
    if case.startswith("deactivated"):
        user.active = False
    if case == "no_password":
        user.password_hash = ""
    db.session.commit()
    accounts._dummy_hash()  # made once per process, before any login needs it
    now = utcnow()
    if case == "throttled":
        for i in range(app.config["LOGIN_ACCOUNT_FREE"]):
            with pytest.raises(DomainError):
                authenticate("canbo.d", f"Sai-{i}-nua-roi", address="10.3.0.1", now=now)
    hash_calls.update(check=0, make=0)
    name = "khong.ai" if case == "unknown" else "canbo.d"
    password = TEST_PASSWORD if case in ("success", "deactivated_right", "throttled") else "Sai-1-lan"
    if case == "success":
        authenticate(name, password, address="10.3.0.1", now=now)
    else:
        with pytest.raises(DomainError) as err:
            authenticate(name, password, address="10.3.0.1", now=now)
        assert err.value.message == accounts.login_failed_message()
    assert hash_calls == {"check": 1, "make": 0}


# --- finding 9: passwords -----------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "password12", " " * 10 + "1", "1" + " " * 10, "Password2026!", "qwerty12345", "1234567890",
    "aaaaaaaaaa1", "abcabcabcabc1", "matkhau2026", "Mat-khau-2026", "canbo.moi", "Canbo.Moi-2026",
    "iom.obnac-77", "short1!", "   ab12cd   ",
], ids=repr)
def test_weak_passwords_are_refused(ctx, password):
    with pytest.raises(DomainError):
        check_password_strength(password, "canbo.moi")


@pytest.mark.parametrize("password", [NEW_PASSWORD, "Xuân-hạ-thu-đông-4", "ngựa ô phi 9 dặm"],
                         ids=repr)
def test_good_passwords_are_accepted(ctx, password):
    check_password_strength(password, "canbo.moi")


def test_the_password_page_refuses_wrong_current_mismatch_and_weak(app, people):
    client = app.test_client()
    login(client, "canbo.a")
    assert client.get("/account/password/").status_code == 200
    for data in ({"current": "Sai-mat-khau-1", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                 {"current": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"},
                 {"current": TEST_PASSWORD, "password": "password12", "confirm": "password12"}):
        resp = post(client, "/account/password/", data)
        assert resp.status_code == 422
        assert 'class="invalid-feedback"' in resp.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "canbo.a"))
        assert accounts.check_password_hash(user.password_hash, TEST_PASSWORD)


def _decoded_session(app, client) -> str:
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    return repr(app.session_interface.inner.get_signing_serializer(app).loads(cookie.value))


def test_an_admin_issued_password_is_shown_once_and_must_be_changed(app, people, browser):
    admin = browser(_user(app, "quantri"))
    resp = admin.post("/users/action/", data={"action": "reset_password",
                                              "rowid": _user(app, "canbo.a").id})
    assert resp.status_code == 200  # the page itself, no redirect carrying the password
    temporary = re.search(r"<code>([^<]+)</code>", resp.get_data(as_text=True)).group(1)
    assert resp.headers["Cache-Control"] == "no-store"
    assert temporary not in _decoded_session(app, admin.client)
    assert temporary not in admin.get("/users/").get_data(as_text=True)

    client = app.test_client()
    assert login(client, "canbo.a", temporary).status_code == 302
    for path in ("/", "/tasks/", "/account/sessions/"):
        resp = client.get(path)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/password/")
    resp = post(client, "/account/password/", {"current": temporary, "password": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD})
    assert resp.status_code == 302
    assert temporary not in _decoded_session(app, client) and NEW_PASSWORD not in _decoded_session(app, client)
    assert logged_in(client)


def test_an_account_created_by_an_admin_must_change_its_password(app, people, browser):
    admin = browser(_user(app, "quantri"))
    with app.app_context():
        unit_id = db.session.scalar(sa.select(User.unit_id).where(User.username == "canbo.a"))
    weak = admin.post("/users/new/", data={"username": "canbo.moi", "full_name": "Cán bộ mới",
                                           "role": "unit_staff", "unit": str(unit_id),
                                           "password": "canbo.moi123", "language": ""})
    assert weak.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "canbo.moi")) is None
    resp = admin.post("/users/new/", data={"username": "canbo.moi", "full_name": "Cán bộ mới",
                                           "role": "unit_staff", "unit": str(unit_id),
                                           "password": NEW_PASSWORD, "language": ""})
    assert resp.status_code == 302
    assert NEW_PASSWORD not in _decoded_session(app, admin.client)
    client = app.test_client()
    login(client, "canbo.moi", NEW_PASSWORD)
    assert client.get("/tasks/").headers["Location"].endswith("/account/password/")


def test_hash_password_is_scrypt(ctx):
    assert hash_password("x" * 12).startswith("scrypt:")


def test_generated_temporary_passwords_pass_the_rules(ctx):
    for _ in range(30):
        password = accounts.generate_password("abc")
        check_password_strength(password, "abc")
        assert "abc" not in password.lower()
