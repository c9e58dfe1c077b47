"""Words and formats a Vietnamese office reads (issue 12, section 5): numbers, dates, the date
picker, the exports' names, byte-order mark and dates, labels instead of codes."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import sqlalchemy as sa

from cddh.models import AuditLog, CalendarOverride, PeriodReport, Role, UnitCategory, db
from cddh.services import report_export, reports
from cddh.services.clock import local_date_of
from cddh.views.formatting import datepicker_locale, decimal, figure, number

from .conftest import make_unit, make_user


def test_figures_in_the_vietnamese_format(app):
    with app.test_request_context():  # the default language, Vietnamese
        assert number(1234567) == "1.234.567"
        assert figure(1234) == "1.234" and figure(14.2) == "14,2" and figure("A") == "A"
        assert decimal(None) == "-" and decimal(100.0) == "100,0"


def test_a_count_reads_as_babel_writes_it_in_each_language(app):
    """number() groups whole numbers itself (the dashboard shows some 340): the same text as
    Babel's pattern, in Vietnamese and in English, switched within one request."""
    from flask_babel import force_locale, format_decimal

    values = [0, 7, 999, 1000, 1001, 9999, 12345, 999999, 1000000, 1234567, 10**12 + 7,
              -1, -999, -1000, -1234567]
    with app.test_request_context():
        for language, sep in (("vi", "."), ("en", ","), ("vi", ".")):
            with force_locale(language):
                for value in values:
                    assert number(value) == format_decimal(value, format="#,##0"), (language, value)
                assert number(1234567) == f"1{sep}234{sep}567"
    with app.app_context():  # outside a request (a mail, a job): the default language
        assert number(1234567) == "1.234.567" and number(12) == "12"


def test_the_date_picker_speaks_the_users_language(app):
    with app.test_request_context():
        vi = datepicker_locale()
    assert vi["monthNames"][0] == "Tháng 1" and vi["monthNames"][11] == "Tháng 12"
    assert vi["daysOfWeek"] == ["CN", "T2", "T3", "T4", "T5", "T6", "T7"] and vi["firstDay"] == 1
    assert vi["applyLabel"] == "Áp dụng" and vi["cancelLabel"] == "Hủy"


def test_a_form_date_is_typed_and_shown_dd_mm_yyyy(app, browser):
    with app.app_context():
        admin = make_user(Role.admin, make_unit("VP", UnitCategory.office))
        db.session.commit()
    me = browser(admin)
    page = me.get("/calendar/new/").get_data(as_text=True)
    assert 'data-date-format="DD/MM/YYYY"' in page
    assert "widgets-locale.js" in page and "Th&amp;#225;ng 1" not in page  # JSON, escaped once
    resp = me.post("/calendar/new/", data={"day": "25/12/2026", "kind": "day_off",
                                           "name": "Nghỉ bù", "legal_basis": "QĐ 1"})
    assert resp.status_code == 302
    with app.app_context():
        row = db.session.scalar(sa.select(CalendarOverride).where(CalendarOverride.name == "Nghỉ bù"))
        assert row is not None and row.day == dt.date(2026, 12, 25)
        row_id = row.id
    edit = me.get(f"/calendar/edit/?id={row_id}").get_data(as_text=True)
    assert 'value="25/12/2026"' in edit


def test_a_csv_export_carries_a_bom_and_a_local_file_name(app, browser):
    with app.app_context():
        admin = make_user(Role.admin, make_unit("VP", UnitCategory.office))
        make_unit("SNV", UnitCategory.department).name = "Sở Nội vụ"
        db.session.commit()
    resp = browser(admin).get("/units/export/csv/")
    assert resp.status_code == 200
    assert resp.data.startswith("\ufeff".encode())
    text = resp.data.decode("utf-8-sig")
    assert "Sở Nội vụ" in text
    name = re.search(r'filename="?([^";]+)', resp.headers["Content-Disposition"]).group(1)
    with app.app_context():
        from cddh.services.clock import local_now

        today = local_now().strftime("%Y%m%d")
    assert re.fullmatch(rf"units-{today}-\d{{4}}\.csv", name), name


def test_the_report_heading_date_is_the_local_date(app):
    with app.app_context(), app.test_request_context():
        make_unit("VP", UnitCategory.office)
        db.session.commit()
        report = reports.draft_report("quarter", 2026, 2)
        # 23:30 UTC on 14 June is 06:30 on 15 June in Bến Tre.
        report.issued_at = dt.datetime(2026, 6, 14, 23, 30, tzinfo=dt.UTC)
        db.session.commit()
        assert local_date_of(report.issued_at) == dt.date(2026, 6, 15)
        data = reports.figures(report, None)
        book = openpyxl.load_workbook(io.BytesIO(report_export.workbook(report, data)))
        texts = [c.value for row in book.worksheets[0].iter_rows() for c in row if c.value]
        assert any("ngày 15 tháng 06 năm 2026" in str(t) for t in texts), texts[:12]
        assert not any("ngày 14 tháng 06" in str(t) for t in texts)
        from cddh.models import PeriodReportEvent

        db.session.execute(sa.delete(PeriodReportEvent).where(
            PeriodReportEvent.report_id == report.id))
        db.session.delete(db.session.get(PeriodReport, report.id))
        db.session.commit()


def test_the_audit_log_shows_actions_and_record_types_in_words(app, browser):
    with app.app_context():
        admin = make_user(Role.admin, make_unit("VP", UnitCategory.office))
        db.session.add(AuditLog(action="create", entity="extension_request", entity_id="7",
                                before={}, after={}))
        db.session.commit()
        row = AuditLog(action="update", entity="user_account", entity_id="3",
                       before={"role": "unit_staff", "active": True},
                       after={"role": "unit_leader", "active": False})
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    me = browser(admin)
    page = me.get("/audit_log/").get_data(as_text=True)
    cells = [" ".join(c.split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]
    assert "Tạo" in cells and "Đề nghị gia hạn" in cells and "Sửa" in cells
    assert "Ngày tạo" not in cells and "extension_request" not in cells
    details = me.get(f"/audit_log/details/?id={row_id}").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", details).split())
    assert "Vai trò : Lãnh đạo đơn vị" in text and "Vai trò : Chuyên viên đơn vị" in text
    assert "Đang hoạt động : Không" in text
    assert "unit_leader" not in text and "unit_staff" not in text


def test_the_jobs_screen_names_each_job_and_its_next_run(app, browser):
    with app.app_context():
        admin = make_user(Role.admin, make_unit("VP", UnitCategory.office))
        db.session.commit()
    page = browser(admin).get("/job_runs/").get_data(as_text=True)
    row = page.split('data-job="mark_overdue"', 1)[1].split("</tr>", 1)[0]
    assert "Đánh dấu nhiệm vụ quá hạn" in row and "Hằng ngày lúc 00:05" in row
    assert re.search(r'class="next-run">\d\d/\d\d/\d{4} 00:05<', row)


def test_the_settings_screen_explains_each_setting(app, browser):
    with app.app_context():
        admin = make_user(Role.admin, make_unit("VP", UnitCategory.office))
        db.session.commit()
    page = browser(admin).get("/settings/").get_data(as_text=True)
    periods = page.split('data-setting="report_period_kinds"', 1)[1].split("</tr>", 1)[0]
    assert 'type="checkbox"' in periods and "Quý" in periods and "Mặc định:" in periods
    weights = page.split('data-setting="ranking_weights"', 1)[1].split("</tr>", 1)[0]
    assert "Điểm trừ cho mỗi nhiệm vụ quá hạn" in weights
    assert 'name="ranking_weights.overdue"' in weights


def test_the_badge_says_due_today_not_zero_days_left(app):
    from cddh.models import TaskState
    from cddh.views.tasks import status_text

    from .conftest import make_task

    # Thursday 26/11/2026: every deadline below is a working day (24/11, Vietnam Culture
    # Day, is a day off from 2026: a deadline then runs to the 25th, Điều 148).
    today = dt.date(2026, 11, 26)
    with app.app_context(), app.test_request_context():
        unit = make_unit("SNV")
        texts = {days: status_text(make_task(unit, state=TaskState.in_progress,
                                             deadline=today + dt.timedelta(days=days)), today)
                 for days in (0, 1, 5, -1, -3)}
        db.session.rollback()
    assert "hôm nay hết hạn" in texts[0] and "0 ngày" not in texts[0]
    assert "còn 1 ngày" in texts[1] and "còn 5 ngày" in texts[5]
    assert "quá 1 ngày" in texts[-1] and "quá 3 ngày" in texts[-3]
