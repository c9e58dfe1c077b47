"""API tokens: the admin's screen (issue once, list, revoke) and the create-token command."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from cddh.models import ApiToken, Role, UnitCategory, db
from cddh.services import DomainError, tokens

from .conftest import make_unit, make_user
from .test_api import Api

TOKEN_RE = re.compile(r'<code id="api-token"[^>]*>([A-Za-z0-9_-]{40,})</code>')


def people(app):
    with app.app_context():
        vp = make_unit("VP", UnitCategory.office)
        snv = make_unit("SNV")
        admin = make_user(Role.admin, vp, "quantri")
        specialist = make_user(Role.office_specialist, vp, "chuyenvien")
        staff = make_user(Role.unit_staff, snv, "canbo.snv")
        staff.full_name = "Lê <b>Nam</b>"
        db.session.commit()
        for user in (admin, specialist, staff):
            db.session.refresh(user)
            db.session.expunge(user)
        return admin, specialist, staff


def test_the_admin_issues_a_token_that_is_shown_once(app, browser):
    admin, _specialist, staff = people(app)
    screen = browser(admin)
    form = screen.get("/api_tokens/new/")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert f'value="{staff.id}"' in page
    assert "Lê &lt;b&gt;Nam&lt;/b&gt;" in page and "<b>Nam</b>" not in page

    resp = screen.post("/api_tokens/new/", {"user": str(staff.id), "name": "Hệ thống QLVB <x>"})
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    plaintext = TOKEN_RE.search(resp.get_data(as_text=True)).group(1)
    assert Api(app, plaintext).get("/me").get_json()["username"] == "canbo.snv"

    listing = screen.get("/api_tokens/").get_data(as_text=True)
    assert "Hệ thống QLVB &lt;x&gt;" in listing
    assert plaintext not in listing
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.user_id == staff.id and token.token_hash == tokens.hash_token(plaintext)
        details = screen.get(f"/api_tokens/details/?id={token.id}").get_data(as_text=True)
    assert token.token_hash not in details and plaintext not in details


def test_issuing_without_an_account_is_refused(app, browser):
    admin, _specialist, _staff = people(app)
    resp = browser(admin).post("/api_tokens/new/", {"user": "", "name": "x"})
    assert resp.status_code == 422
    assert 'id="api-token"' not in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_the_admin_revokes_a_token(app, browser):
    admin, _specialist, staff = people(app)
    with app.app_context():
        token, plaintext = tokens.issue_token(db.session.merge(staff), "script")
        db.session.commit()
        token_id = token.id
    assert Api(app, plaintext).get("/me").status_code == 200
    resp = browser(admin).post("/api_tokens/action/", {"action": "revoke", "rowid": [str(token_id)]})
    assert resp.status_code == 302
    assert Api(app, plaintext).get("/me").status_code == 401
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None


def test_only_the_admin_manages_tokens(app, browser):
    admin, specialist, staff = people(app)
    with app.app_context():
        token, _plaintext = tokens.issue_token(db.session.merge(admin), "admin's")
        db.session.commit()
        token_id = token.id
    for user in (specialist, staff):
        screen = browser(user)
        assert screen.get("/api_tokens/").status_code == 403
        assert screen.get("/api_tokens/new/").status_code == 403
        assert screen.post("/api_tokens/new/", {"user": str(user.id), "name": "mine"}).status_code == 403
        screen.post("/api_tokens/action/", {"action": "revoke", "rowid": [str(token_id)]})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_a_deactivated_account_gets_no_token(app):
    _admin, _specialist, staff = people(app)
    with app.app_context():
        user = db.session.merge(staff)
        user.active = False
        with pytest.raises(DomainError) as exc:
            tokens.issue_token(user)
        assert exc.value.fields == {"user": "inactive"}


def test_create_token_command(app):
    _admin, _specialist, _staff = people(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cddh", "create-token", "canbo.snv", "--name", "script"])
    assert result.exit_code == 0, result.output
    plaintext = result.output.strip()
    assert Api(app, plaintext).get("/me").get_json()["username"] == "canbo.snv"
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.name)) == "script"
    missing = runner.invoke(args=["cddh", "create-token", "nobody"])
    assert missing.exit_code != 0 and "nobody" in missing.output
