"""The settings screen: admins change the province's numbers; bad input changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from cddh.models import AuditLog, Role, Setting, UnitCategory, db
from cddh.services.settings import DEFAULTS, get_setting, setting_as_text

from .conftest import make_unit, make_user


def _users(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        admin = make_user(Role.admin, office)
        specialist = make_user(Role.office_specialist, office)
        db.session.commit()
        for u in (admin, specialist):
            u.id  # noqa: B018  (loads the row before the context ends)
        return admin, specialist


def _form(app, changes=None, drop=None, **more):
    with app.test_request_context():
        form = {key: setting_as_text(key) for key in DEFAULTS}
    form.update(changes or {}, **more)
    form.pop(drop, None)  # a setting posted as its fields (name.part) instead
    return form


def test_admin_changes_settings_and_the_rules_use_them(app, browser):
    admin, _ = _users(app)
    br = browser(admin)
    page = br.get("/settings/").get_data(as_text=True)
    assert "Sắp đến hạn" in page or "sắp đến hạn" in page
    resp = br.post("/settings/", data=_form(app, due_soon_working_days="5",
                                            ranking_weights="on_time_rate = 1\noverdue = 3\n"
                                            "late_updates = 1\nreturns = 0,5\nfindings = 2"))
    assert resp.status_code == 302
    with app.test_request_context():
        assert get_setting("due_soon_working_days") == 5
        assert get_setting("ranking_weights")["returns"] == 0.5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                                 .where(AuditLog.entity == "setting")) >= 2


def test_bad_values_are_refused_and_nothing_is_saved(app, browser):
    admin, _ = _users(app)
    br = browser(admin)
    resp = br.post("/settings/", data=_form(app, due_soon_working_days="7",
                                            report_cutoff_day="31", max_upload_mb="nhiều",
                                            report_period_kinds="month, week"))
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert "nhiều" in text and "is-invalid" in text
    with app.test_request_context():
        assert get_setting("due_soon_working_days") == DEFAULTS["due_soon_working_days"]
        assert get_setting("report_cutoff_day") == 14


def test_only_admins_open_the_settings(app, browser):
    _, specialist = _users(app)
    br = browser(specialist)
    assert br.get("/settings/").status_code == 403
    assert br.post("/settings/", data={"due_soon_working_days": "9"}).status_code == 403
    assert browser(None).get("/settings/").status_code == 302


def test_a_weight_that_is_not_a_plain_number_is_refused(app, browser):
    """NaN, infinity (1e400) and absurd or negative weights are refused with a message, and
    nothing is saved (PostgreSQL cannot store NaN in JSON: it was a 500)."""
    admin, _ = _users(app)
    br = browser(admin)
    for bad in ("nan", "inf", "1e400", "-1", "5000"):
        resp = br.post("/settings/", data=_form(
            app, **{"ranking_weights.on_time_rate": "1", "ranking_weights.overdue": "2",
                    "ranking_weights.late_updates": "1", "ranking_weights.returns": bad,
                    "ranking_weights.findings": "3"}, drop="ranking_weights"))
        assert resp.status_code == 422, bad
        with app.test_request_context():
            assert get_setting("ranking_weights") == DEFAULTS["ranking_weights"], bad


def test_an_unset_setting_is_read_from_the_database_once_a_transaction(app):
    """An unset setting's default is remembered for the transaction (each period's bounds read
    the cut-off day); setting it, or a new transaction after another session set it, reads
    the stored value."""
    from cddh.services.settings import set_setting

    from .conftest import recorded_statements

    with app.app_context():
        db.session.execute(sa.delete(Setting).where(Setting.key == "report_cutoff_day"))
        db.session.commit()
        with recorded_statements(app) as seen:
            assert [get_setting("report_cutoff_day") for _ in range(5)] == [
                DEFAULTS["report_cutoff_day"]] * 5
        assert len([s for s in seen if "FROM setting" in s]) == 1
        set_setting("report_cutoff_day", 20)
        assert get_setting("report_cutoff_day") == 20
        db.session.rollback()
        assert get_setting("report_cutoff_day") == DEFAULTS["report_cutoff_day"]
        with app.app_context():  # another request's session sets it and commits
            set_setting("report_cutoff_day", 21)
            db.session.commit()
        assert get_setting("report_cutoff_day") == DEFAULTS["report_cutoff_day"]  # same transaction
        db.session.commit()
        assert get_setting("report_cutoff_day") == 21
        db.session.execute(sa.delete(Setting).where(Setting.key == "report_cutoff_day"))
        db.session.commit()
