from cddh.models import Role, db

from .conftest import make_task, make_unit, make_user


def test_home_lists_only_visible_tasks(app, browser):
    with app.app_context():
        a, b = make_unit("SA"), make_unit("SB")
        user = make_user(Role.unit_staff, a)
        make_task(a, content="Việc của đơn vị A")
        make_task(b, content="Việc của đơn vị B")
        db.session.commit()
        br = browser(user)
    page = br.get("/tasks/").get_data(as_text=True)
    assert "Việc của đơn vị A" in page
    assert "Việc của đơn vị B" not in page
