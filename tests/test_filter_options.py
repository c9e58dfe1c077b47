"""The task list's filter options (units, leaders, specialists) are kept in the process while
the unit and user tables are unchanged (issue 13: three statements and the filter groups'
translation on every list page): a new, renamed or deactivated unit, a new leader or
specialist is in the very next request's options, in the user's language."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from cddh.models import LeaderPosition, Role, Unit, UnitCategory, User, db

from .conftest import make_unit, make_user, recorded_statements

GROUPS = re.compile(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', re.S)


def _groups(client) -> dict:
    response = client.get("/tasks/")
    assert response.status_code == 200
    found = GROUPS.search(response.get_data(as_text=True))
    assert found, "no filter groups on the list page"
    return json.loads(found.group(1))


def _options(groups: dict, name: str) -> dict[str, str]:
    """{value: label} of the filter group ``name`` (its first filter)."""
    return {value: label for value, label in groups[name][0]["options"]}


def _setup(app):
    with app.app_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        snv = make_unit("SNV", name="Sở Nội vụ")
        user = make_user(Role.office_specialist, office)
        db.session.commit()
        user.id, user.unit.id  # noqa: B018  (loads the row before the context ends)
        return user, snv.id


def _commit(app, change) -> None:
    with app.app_context():
        change()
        db.session.commit()


def test_a_new_renamed_or_deactivated_unit_is_in_the_next_requests_options(app, browser):
    user, snv_id = _setup(app)
    client = browser(user).client
    units = _options(_groups(client), "Đơn vị chủ trì")
    assert units[str(snv_id)] == "Sở Nội vụ (SNV)"
    assert _options(_groups(client), "Đơn vị chủ trì") == units  # kept: the same options

    _commit(app, lambda: make_unit("STC", name="Sở Tài chính"))
    groups = _groups(client)
    assert "Sở Tài chính (STC)" in _options(groups, "Đơn vị chủ trì").values()
    assert "Sở Tài chính (STC)" in _options(groups, "Đơn vị phối hợp").values()

    _commit(app, lambda: setattr(db.session.get(Unit, snv_id), "name", "Sở Nội vụ <mới>"))
    groups = _groups(client)
    assert _options(groups, "Đơn vị chủ trì")[str(snv_id)] == "Sở Nội vụ <mới> (SNV)"
    assert "Sở Nội vụ (SNV)" not in _options(groups, "Đơn vị phối hợp").values()

    _commit(app, lambda: setattr(db.session.get(Unit, snv_id), "active", False))
    assert str(snv_id) not in _options(_groups(client), "Đơn vị chủ trì")


def test_a_new_leader_or_specialist_is_in_the_next_requests_options(app, browser):
    user, snv_id = _setup(app)
    client = browser(user).client
    before = _groups(client)
    assert _options(before, "Lãnh đạo chỉ đạo") == {}

    def add_leader():
        office = db.session.scalar(sa.select(Unit).where(Unit.code == "VP"))
        leader = make_user(Role.leader, office, username="pct.moi")
        leader.full_name, leader.position = "Nguyễn Văn A", LeaderPosition.vice_chairman

    _commit(app, add_leader)
    leaders = _options(_groups(client), "Lãnh đạo chỉ đạo")
    assert list(leaders.values()) == ["Nguyễn Văn A — Phó Chủ tịch UBND tỉnh"]

    def rename_specialist():
        db.session.get(User, user.id).full_name = "Trần Thị B"

    _commit(app, rename_specialist)
    assert _options(_groups(client), "Chuyên viên theo dõi")[str(user.id)] == "Trần Thị B"


def test_the_options_stay_in_each_users_language(app, browser):
    user, snv_id = _setup(app)

    def english_user():
        office = db.session.scalar(sa.select(Unit).where(Unit.code == "VP"))
        other = make_user(Role.office_specialist, office, username="cv.en")
        other.language = "en"
        return other

    with app.app_context():
        english = english_user()
        db.session.commit()
        english.id  # noqa: B018  (loads the row before the context ends)
    vi, en = browser(user).client, browser(english).client
    for _round in range(2):  # built in each language, then kept in each
        assert "Đơn vị chủ trì" in _groups(vi)
        groups = _groups(en)
        assert "Lead unit" in groups and "Đơn vị chủ trì" not in groups
        assert groups["State"][0]["operation"] == "equals"


def _statements(app, client, url) -> list[str]:
    with recorded_statements(app) as seen:
        assert client.get(url).status_code == 200
    return seen


def test_unchanged_options_are_not_read_again(app, browser):
    """The second request reads the marker, not the units and users."""
    user, _snv_id = _setup(app)
    client = browser(user).client
    _groups(client)
    seen = _statements(app, client, "/tasks/")
    assert not [s for s in seen if s.startswith("SELECT unit.id, unit.name")], seen
    assert not [s for s in seen if s.startswith("SELECT user_account.id, user_account.full_name")
                ], seen
    _commit(app, lambda: make_unit("STC", name="Sở Tài chính"))
    seen = _statements(app, client, "/tasks/")
    assert [s for s in seen if s.startswith("SELECT unit.id, unit.name")], seen


def test_a_change_without_updated_at_is_seen_on_postgresql(app, browser):
    """On PostgreSQL the marker is each row's writing transaction (xmin): a change made in
    SQL without touching ``updated_at`` is seen too."""
    user, snv_id = _setup(app)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the xmin marker is PostgreSQL's")
    client = browser(user).client
    assert _options(_groups(client), "Đơn vị chủ trì")[str(snv_id)] == "Sở Nội vụ (SNV)"
    _commit(app, lambda: db.session.execute(
        sa.text("UPDATE unit SET name = 'Sở Nội vụ tỉnh' WHERE id = :id"), {"id": snv_id}))
    assert _options(_groups(client), "Đơn vị chủ trì")[str(snv_id)] == "Sở Nội vụ tỉnh (SNV)"


def test_the_options_are_escaped_on_the_page(app, browser):
    user, snv_id = _setup(app)
    _commit(app, lambda: setattr(db.session.get(Unit, snv_id), "name", "Sở <script>x</script>"))
    page = browser(user).client.get("/tasks/").get_data(as_text=True)
    found = GROUPS.search(page).group(1)
    assert "<script>" not in found
    assert "Sở <script>x</script> (SNV)" in _options(json.loads(found), "Đơn vị chủ trì").values()
