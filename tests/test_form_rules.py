"""Every rule of the entry form and the API holds on the generic edit forms too (issue 10,
finding 10): the services check the task or document as it is saved, whatever door wrote it.
The attack: ``POST /tasks/edit/?id=…`` with ``specialist=<a unit user>`` was saved."""

from __future__ import annotations

import pytest

from cddh.models import Document, Task, TaskState, db

from .test_task_screens import _setup


def _task_form(doc_id, units, **over):
    data = {"document": str(doc_id), "content": "Báo cáo tình hình tài chính",
            "lead_unit": str(units["snv"]), "expected_product": "report", "has_deadline": "y",
            "deadline": "2026-12-31", "update_frequency": "monthly", "priority": "normal"}
    data.update(over)
    return data


@pytest.fixture
def draft(app):
    units, users = _setup(app)
    from .conftest import make_task
    with app.app_context():
        from cddh.models import Unit
        task = make_task(db.session.get(Unit, units["snv"]), state=TaskState.draft,
                         specialist_id=users["specialist"].id)
        db.session.commit()
        return units, users, task.id, task.document_id


@pytest.mark.parametrize("change,field", [
    (lambda u, us: {"specialist": str(us["snv_staff"].id)}, "specialist_id"),
    (lambda u, us: {"monitoring_unit": str(u["stc"])}, "monitoring_unit_id"),
    (lambda u, us: {"cooperating_units": str(u["snv"])}, "cooperating_unit_ids"),
    (lambda u, us: {"deadline": "9999-12-31"}, "deadline"),
    (lambda u, us: {"content": "   "}, "content"),
])
def test_the_generic_task_form_keeps_the_entry_rules(app, browser, draft, change, field):
    units, users, tid, doc_id = draft
    with app.app_context():
        before = db.session.get(Task, tid)
        before = (before.specialist_id, before.monitoring_unit_id, before.deadline, before.content,
                  [u.id for u in before.cooperating_units])
    specialist = browser(users["specialist"])
    specialist.post(f"/tasks/edit/?id={tid}", data=_task_form(doc_id, units,
                                                             **change(units, users)))
    with app.app_context():
        after = db.session.get(Task, tid)
        after = (after.specialist_id, after.monitoring_unit_id, after.deadline, after.content,
                 [u.id for u in after.cooperating_units])
    assert after == before, field


def test_a_valid_edit_on_the_generic_form_is_still_saved(app, browser, draft):
    units, users, tid, doc_id = draft
    resp = browser(users["specialist"]).post(
        f"/tasks/edit/?id={tid}", data=_task_form(doc_id, units, monitoring_unit=str(units["division"]),
                                                  specialist=str(users["specialist"].id)))
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Task, tid).monitoring_unit_id == units["division"]


def test_the_generic_task_form_cannot_create_a_task_for_a_unit_user(app, browser, draft):
    units, users, _tid, doc_id = draft
    with app.app_context():
        count = db.session.query(Task).count()
    browser(users["specialist"]).post("/tasks/new/", data=_task_form(
        doc_id, units, specialist=str(users["stc_staff"].id)))
    with app.app_context():
        assert db.session.query(Task).count() == count


def test_the_generic_document_form_keeps_the_entry_rules(app, browser, draft):
    units, users, _tid, doc_id = draft
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        before = (doc.specialist_id, doc.issued_on)
        form = {"doc_type": doc.doc_type.value, "number": doc.number, "issuer": doc.issuer,
                "summary": doc.summary, "issued_on": doc.issued_on.isoformat(),
                "signer": "", "tracked": "y"}
    me = browser(users["specialist"])
    me.post(f"/documents/edit/?id={doc_id}", data={**form, "specialist": str(users["snv_staff"].id)})
    me.post(f"/documents/edit/?id={doc_id}", data={**form, "issued_on": "9999-12-31"})
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        assert (doc.specialist_id, doc.issued_on) == before
