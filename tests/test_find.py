"""Find anything in two seconds (issue 12 §3): short addresses, page titles that name the
task or document, ``#301`` links in user text, the task list's filters, saved filters,
searchable unit pickers, and unit lists by urgency."""

from __future__ import annotations

import re

from cddh.models import Role, UnitCategory, db
from cddh.views.formatting import task_links

from .conftest import make_document, make_task, make_unit, make_user


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def test_task_links_escape_first_then_link(app):
    with app.test_request_context():
        html = str(task_links('<script>alert(1)</script> xem #301, "#7"&#42; a#5 /x#6'))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="/tasks/301" class="task-ref">#301</a>' in html
    assert '<a href="/tasks/7" class="task-ref">#7</a>' in html  # after an escaped quote
    # Not a task number: an entity the text carried, part of a word, part of an address.
    assert "/tasks/42" not in html and "/tasks/5" not in html and "/tasks/6" not in html
    assert "/tasks/34" not in html and "/tasks/39" not in html  # the quotes' own entities
    assert str(task_links(None)) == ""
    # A link cannot be smuggled in: the only tags in the result are the task links.
    evil = str(task_links('#1"><img src=x onerror=alert(1)>'))
    assert re.sub(r'<a href="/tasks/1" class="task-ref">#1</a>', "", evil).count("<") == 0


def _short_url_world(app):
    with app.test_request_context():
        office = make_unit("VP", UnitCategory.office)
        snv, stc = make_unit("SNV"), make_unit("STC")
        specialist = make_user(Role.office_specialist, office)
        snv_staff = make_user(Role.unit_staff, snv)
        doc = make_document(number="9901/UBND-TH", summary="Kế hoạch chuyển đổi số")
        mine = make_task(snv, document=doc,
                         content="Triển khai chuyển đổi số <b>cấp xã</b>, xem #999 và <script>x</script>")
        other = make_task(stc, document=make_document(number="55/UBND-KT"),
                          content="Nhiệm vụ của Sở Tài chính")
        db.session.commit()
        return (specialist, snv_staff, mine.id, other.id, doc.id,
                other.document_id)


def test_short_addresses_open_the_pages_with_titles_naming_them(app, browser):
    specialist, snv_staff, mine, other, doc, other_doc = _short_url_world(app)
    office = browser(specialist)
    page = office.get(f"/tasks/{mine}")
    assert page.status_code == 200
    html = _text(page)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert f"Nhiệm vụ #{mine} — Triển khai chuyển đổi số" in title
    assert re.search(rf'<h1[^>]*id="page-title"[^>]*>Nhiệm vụ #{mine} — ', html)
    assert "<b>cấp xã</b>" not in html and "&lt;b&gt;cấp xã&lt;/b&gt;" in html
    assert "<script>x</script>" not in html
    assert '<a href="/tasks/999" class="task-ref">#999</a>' in html
    # The Edit tab works on the short address too.
    assert f"/tasks/edit/?id={mine}" in html
    # The long address shows the same page and title.
    assert f"Nhiệm vụ #{mine}" in _text(office.get(f"/tasks/details/?id={mine}"))
    doc_page = office.get(f"/documents/{doc}")
    assert doc_page.status_code == 200
    assert re.search(r"<title>Văn bản 9901/UBND-TH", _text(doc_page))
    assert re.search(r'<h1[^>]*id="page-title"[^>]*>Văn bản 9901/UBND-TH', _text(doc_page))
    # Unknown ids: a 404 page in Vietnamese, not a redirect.
    for url in ("/tasks/987654", "/documents/987654", "/tasks/0", "/tasks/99999999999"):
        resp = office.get(url)
        assert resp.status_code == 404, url
        assert "Không tìm thấy" in _text(resp)


def test_a_unit_user_cannot_open_another_units_task_by_its_short_address(app, browser):
    specialist, snv_staff, mine, other, doc, other_doc = _short_url_world(app)
    unit = browser(snv_staff)
    assert unit.get(f"/tasks/{mine}").status_code == 200
    assert unit.get(f"/documents/{doc}").status_code == 200
    for url in (f"/tasks/{other}", f"/documents/{other_doc}"):
        resp = unit.get(url)
        assert resp.status_code in (403, 404), url
        assert "Sở Tài chính" not in _text(resp) and "55/UBND-KT" not in _text(resp)
    anonymous = browser(None).get(f"/tasks/{mine}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
