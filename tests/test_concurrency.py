"""Two people change the same task at the same time: one wins, the other is told."""

from __future__ import annotations

import pytest

from cddh.models import Role, Task, TaskState, UnitCategory, db
from cddh.services import Conflict, workflow

from .conftest import make_task, make_unit, make_user


def test_concurrent_changes_one_wins_the_other_conflicts(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        lead = make_unit("LEAD")
        staff = make_user(Role.unit_staff, lead)
        specialist = make_user(Role.office_specialist, office)
        task = make_task(lead, state=TaskState.assigned)
        db.session.commit()
        task_id, staff_id, specialist_id = task.id, staff.id, specialist.id

    with app.app_context():  # session A: the specialist opens the task
        task_a = db.session.get(Task, task_id)
        specialist_a = db.session.get(type(specialist), specialist_id)
        assert task_a.state == TaskState.assigned
        with app.app_context():  # session B: the unit receives it meanwhile
            task_b = db.session.get(Task, task_id)
            workflow.receive(db.session.get(type(staff), staff_id), task_b)
            workflow.commit()
        # A still sees "assigned" and cancels: the version check at flush refuses it.
        with pytest.raises(Conflict):
            workflow.cancel(specialist_a, task_a, reason="Không còn phù hợp")
            workflow.commit()

    with app.app_context():
        final = db.session.get(Task, task_id)
        assert final.state == TaskState.in_progress  # B's change is kept
        assert final.cancel_reason == ""             # A's is not half-applied
        actions = [h.action for h in db.session.query(workflow.TaskHistory).filter_by(task_id=task_id)]
        assert actions == ["receive"]


def test_stale_version_from_a_form_is_refused_with_a_conflict(app):
    with app.test_request_context():
        lead = make_unit("LEAD")
        staff = make_user(Role.unit_staff, lead)
        task = make_task(lead, state=TaskState.in_progress)
        db.session.commit()
        seen = task.version
        workflow.post_progress(staff, task, "Cập nhật lần 1", 10, version=seen)
        workflow.commit()
        with pytest.raises(Conflict):
            workflow.post_progress(staff, task, "Cập nhật dựa trên bản cũ", 20, version=seen)
