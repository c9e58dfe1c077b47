"""Issue 15 end to end in real Chromium: the Office forwards a task to a district; its leader
names an officer and delegates a sub-task to a commune; the commune completes its sub-task and
the district leader verifies it; the officer reports completion; the district leader signs it
off; the Office verifies; the officer's individual figures show one task done on time.
Screenshots of each step are kept in test-artifacts/e2e-inside-units/."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from cddh.models import Role, Task, TaskState, UnitCategory, UnitKind, db
from cddh.services.clock import local_today

from .browser import Screens, chromium, live_server  # noqa: F401 - fixtures
from .conftest import make_task, make_unit, make_user
from .test_e2e_lifecycle import _act, _login

TASK = "Tổ chức rà soát hộ nghèo, hộ cận nghèo năm 2027"
PART = "Rà soát hộ nghèo trên địa bàn phường An Hội"


def _world(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office, "Văn phòng UBND tỉnh")
        district = make_unit("HBT", UnitCategory.district, "UBND thành phố Bến Tre")
        district.kind.signoff_required = True  # the default for districts (Đ9.2c)
        commune_kind = UnitKind(code="commune", name="UBND xã, phường",
                                category=UnitCategory.district, signoff_required=False)
        commune = make_unit("HBT-PAH", UnitCategory.district, "UBND phường An Hội")
        commune.kind = commune_kind
        commune.parent = district
        people = {
            "chuyenvien": make_user(Role.office_specialist, office, "chuyenvien"),
            "chutich.hbt": make_user(Role.unit_leader, district, "chutich.hbt"),
            "canbo.hbt": make_user(Role.unit_staff, district, "canbo.hbt"),
            "canbo.pah": make_user(Role.unit_staff, commune, "canbo.pah"),
        }
        people["canbo.hbt"].full_name = "Huỳnh Văn Lộc"
        make_task(district, state=TaskState.draft, content=TASK,
                  deadline=local_today() + dt.timedelta(days=30), assigned_at=None)
        db.session.commit()
        return {k: u.id for k, u in people.items()}


def _open(page, server, task_id):
    page.goto(f"{server.url}/tasks/details/?id={task_id}")
    page.wait_for_selector("#timeline")


def _task(app, content):
    with app.app_context():
        task = db.session.scalar(sa.select(Task).where(Task.content == content))
        db.session.expunge(task)
        return task


def test_inside_the_unit_in_chromium(app, chromium, live_server):  # noqa: F811
    people = _world(app)
    shots = Screens("e2e-inside-units")
    today = local_today()
    parent_id = _task(app, TASK).id

    # 1. The Office forwards the task to the district.
    spec = _login(chromium, live_server, "chuyenvien")
    _open(spec, live_server, parent_id)
    _act(spec, "forward")
    assert _task(app, TASK).state == TaskState.assigned

    # 2. The district leader receives it, names the officer, delegates a part to a commune.
    leader = _login(chromium, live_server, "chutich.hbt")
    _open(leader, live_server, parent_id)
    _act(leader, "receive")
    _act(leader, "assign", {"select[name=officer_ids]": str(people["canbo.hbt"])})
    _act(leader, "delegate", {"select[name=unit_id]": "UBND phường An Hội",
                              "textarea[name=content]": PART,
                              "input[name=deadline]": (today + dt.timedelta(days=10)).isoformat()})
    shots.shot(leader, "district-named-officer-and-delegated")
    assert "Huỳnh Văn Lộc" in leader.locator("#task-officers").inner_text()
    assert PART in leader.locator("#task-subtasks").inner_text()
    sub = _task(app, PART)
    assert (sub.parent_task_id, sub.state) == (parent_id, TaskState.assigned)

    # 3. The commune receives and completes its sub-task; the district leader verifies it.
    commune = _login(chromium, live_server, "canbo.pah")
    _open(commune, live_server, sub.id)
    assert TASK not in commune.locator("#task-parent").inner_text()  # not the parent's text
    _act(commune, "receive")
    _act(commune, "report_completion", {"input[name=completed_on]": today.isoformat(),
                                        "textarea[name=result_summary]": "Đã rà soát 120 hộ"})
    shots.shot(commune, "commune-completed-sub-task")
    _open(leader, live_server, sub.id)
    _act(leader, "verify", {"input[name=accepted][value=yes]": "yes",
                            "textarea[name=comment]": "Đạt"})
    assert _task(app, PART).state == TaskState.completed
    _open(leader, live_server, parent_id)
    assert "1/1" in leader.locator("#task-subtasks").inner_text()

    # 4. The officer sees it under "my tasks" and reports completion: it waits for sign-off.
    officer = _login(chromium, live_server, "canbo.hbt")
    assert "Nhiệm vụ tôi thụ lý" in officer.locator("#home-groups").inner_text()
    _open(officer, live_server, parent_id)
    _act(officer, "report_completion", {"input[name=completed_on]": today.isoformat(),
                                        "textarea[name=result_summary]": "Đã hoàn thành rà soát"})
    shots.shot(officer, "officer-reported-waiting-for-sign-off")
    task = _task(app, TASK)
    assert (task.state, task.signoff_action) == (TaskState.in_progress, "report_completion")

    # 5. The district leader signs it off; it reaches the Office.
    _open(leader, live_server, parent_id)
    assert "Đã hoàn thành rà soát" in leader.locator("#task-signoff").inner_text()
    _act(leader, "approve_signoff", {"textarea[name=comment]": "Đồng ý"})
    shots.shot(leader, "district-leader-signed-off")
    assert _task(app, TASK).state == TaskState.pending_verification

    # 6. The Office verifies.
    _open(spec, live_server, parent_id)
    _act(spec, "verify", {"input[name=accepted][value=yes]": "yes",
                          "textarea[name=comment]": "Đạt yêu cầu"})
    shots.shot(spec, "office-verified")
    assert _task(app, TASK).state == TaskState.completed

    # 7. The officer's individual figures: one task handled, done on time.
    officer.goto(f"{live_server.url}/officer-figures/?kind=year&year={today.year}&number=1")
    shots.shot(officer, "officer-individual-figures")
    row = officer.locator(f"tr[data-officer='{people['canbo.hbt']}']").inner_html()
    cells = re.findall(r'<td class="text-center">(\d+)</td>', row)
    assert cells[:4] == ["1", "1", "0", "0"], cells
