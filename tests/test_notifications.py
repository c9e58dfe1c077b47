"""In-app notifications reach who must act next, and only them."""

from __future__ import annotations

import sqlalchemy as sa

from cddh.models import Notification, Role, TaskState, UnitCategory, db
from cddh.services import workflow

from .conftest import make_task, make_unit, make_user


def test_forward_notifies_the_lead_unit_and_only_it(app, browser):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        a, b = make_unit("SA"), make_unit("SB")
        specialist = make_user(Role.office_specialist, office)
        staff_a, staff_b = make_user(Role.unit_staff, a), make_user(Role.unit_staff, b)
        task = make_task(a, state=TaskState.draft, content="Triển khai chuyển đổi số")
        db.session.commit()
        workflow.forward(specialist, task)
        db.session.commit()
        for u in (staff_a, staff_b):
            u.id  # noqa: B018  (loads the row before the context ends)
    br_a, br_b = browser(staff_a), browser(staff_b)
    page = br_a.get("/notifications/").get_data(as_text=True)
    assert "Triển khai chuyển đổi số" in page
    assert 'id="notification-badge"' in br_a.get("/").get_data(as_text=True)
    assert "Triển khai chuyển đổi số" not in br_b.get("/notifications/").get_data(as_text=True)
    with app.app_context():
        note = db.session.scalar(sa.select(Notification))
        note_id = note.id
    # B cannot mark A's notification as read (action ids are scoped).
    br_b.post("/notifications/action/", data={"action": "mark_read", "rowid": note_id})
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is None
    br_a.post("/notifications/action/", data={"action": "mark_read", "rowid": note_id})
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is not None
    unread = br_a.get("/notifications/?flt0_0=1").get_data(as_text=True)
    assert unread.count("Triển khai chuyển đổi số") == 0


def test_the_navigation_bar_shows_the_users_own_unread_count_and_saved_filters(app, browser):
    """A page read by GET takes the badge and the saved-filters menu from the login's own
    statement: each user's own, the filters by name, the count of their unread notices
    only; after reading them all the next page says 0."""
    import re

    from cddh.models import SavedFilter

    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        me, other = make_user(Role.office_specialist, office), make_user(Role.office_specialist, office)
        for name in ("Tuần này", "Quá hạn", "Ưu tiên"):
            db.session.add(SavedFilter(user=me, name=name, query="search=" + name))
        db.session.add(SavedFilter(user=other, name="Của người khác", query="search=x"))
        read = workflow.utcnow()
        for user, read_at in ((me, None), (me, None), (me, read), (other, None)):
            db.session.add(Notification(user=user, kind="forwarded", message="m", read_at=read_at))
        db.session.commit()

    def bar(page: str) -> tuple[str, list[str]]:
        badge = re.search(r'id="notification-badge".*?<span class="badge[^"]*">([^<]*)</span>',
                          page, re.S).group(1)
        menu = re.search(r'id="saved-filters-menu".*?</ul>', page, re.S)
        names = re.findall(r'class="dropdown-item" href="[^"]*\?search=[^"]*">([^<]*)</a>',
                           menu.group(0)) if menu else []
        return badge, names

    mine = browser(me)
    assert bar(mine.get("/tasks/").get_data(as_text=True)) == ("2", ["Quá hạn", "Tuần này", "Ưu tiên"])
    assert bar(browser(other).get("/").get_data(as_text=True)) == ("1", ["Của người khác"])
    page = mine.post("/notifications/read-all/", follow_redirects=True).get_data(as_text=True)
    assert bar(page)[0] == "0"
    assert bar(mine.get("/").get_data(as_text=True)) == ("0", ["Quá hạn", "Tuần này", "Ưu tiên"])
