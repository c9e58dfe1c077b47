"""Every create, update and deactivation lands in the audit log with before/after values."""

from __future__ import annotations

import sqlalchemy as sa

from cddh.models import AuditLog, Role, Unit, UnitCategory, User, db

from .conftest import make_unit, make_user


def _log(app, entity, entity_id):
    with app.app_context():
        return [(a.action, a.before, a.after, a.actor_id) for a in db.session.scalars(
            sa.select(AuditLog).where(AuditLog.entity == entity, AuditLog.entity_id == str(entity_id))
            .order_by(AuditLog.id))]


def test_admin_screens_write_create_update_and_deactivate(app, browser):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        admin = make_user(Role.admin, office)
        db.session.commit()
        admin.id  # noqa: B018  (loads the row before the context ends)
        kind_id, admin_id = office.kind_id, admin.id
    br = browser(admin)
    resp = br.post("/units/new/", data={"code": "SYT", "name": "Sở Y tế", "short_name": "SYT",
                                        "kind": str(kind_id), "sort_order": "5"})
    assert resp.status_code == 302
    with app.app_context():
        unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.code == "SYT"))
    br.post(f"/units/edit/?id={unit_id}", data={"code": "SYT", "name": "Sở Y tế tỉnh Bến Tre",
                                               "short_name": "SYT", "kind": str(kind_id),
                                               "sort_order": "5"})
    br.post("/units/action/", data={"action": "deactivate", "rowid": unit_id})
    log = _log(app, "unit", unit_id)
    assert [entry[0] for entry in log] == ["create", "update", "deactivate"]
    assert log[0][2]["name"] == "Sở Y tế" and log[0][3] == admin_id
    assert log[1][1] == {"name": "Sở Y tế"} and log[1][2] == {"name": "Sở Y tế tỉnh Bến Tre"}
    assert log[2][1] == {"active": True} and log[2][2] == {"active": False}


def test_user_creation_and_password_reset_are_logged_without_secrets(app, browser):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        admin = make_user(Role.admin, office)
        db.session.commit()
        admin.id  # noqa: B018  (loads the row before the context ends)
        office_id = office.id
    br = browser(admin)
    resp = br.post("/users/new/", data={"username": "canbo.moi", "full_name": "Cán bộ mới",
                                        "role": "unit_staff", "unit": str(office_id),
                                        "password": "Mat-khau-moi-1", "language": ""})
    assert resp.status_code == 302
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == "canbo.moi"))
    br.post("/users/action/", data={"action": "reset_password", "rowid": user_id})
    log = _log(app, "user_account", user_id)
    assert [entry[0] for entry in log] == ["create", "update"]
    text = repr(log)
    assert "scrypt" not in text and "Mat-khau-moi-1" not in text
    assert log[1][2]["password_hash"] == "*** (changed)"


def test_the_audit_log_cannot_be_edited_through_any_screen(app, browser):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        admin = make_user(Role.admin, office)
        db.session.commit()
        admin.id  # noqa: B018  (loads the row before the context ends)
    br = browser(admin)
    with app.app_context():
        entry_id = db.session.scalar(sa.select(AuditLog.id).order_by(AuditLog.id))
    assert br.get(f"/audit_log/edit/?id={entry_id}").status_code == 302
    assert br.post("/audit_log/delete/", data={"id": entry_id}).status_code in (302, 404, 405)
    with app.app_context():
        assert db.session.get(AuditLog, entry_id) is not None
