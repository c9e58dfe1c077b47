"""The daily digest, received by a real SMTP server on loopback (aiosmtpd): one mail per user,
in Vietnamese, nothing on days off unless a flash-priority task is in it, never twice."""

from __future__ import annotations

import datetime as dt
import email
import socket
from email import policy as email_policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from cddh.jobs import run_job
from cddh.models import Notification, Priority, Role, TaskState, UnitCategory, User, db
from cddh.services.calendar import seed_overrides
from cddh.services.duties import notify_users

from .conftest import make_task, make_unit, make_user

MONDAY, SATURDAY, TET = dt.date(2026, 3, 9), dt.date(2026, 3, 7), dt.date(2026, 2, 17)


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(app, monkeypatch):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    monkeypatch.setitem(app.config, "SMTP_SENDER", "CĐĐH Bến Tre <cddh@bentre.gov.vn>")
    monkeypatch.setitem(app.config, "BASE_URL", "https://cddh.bentre.gov.vn")
    yield handler
    controller.stop()


@pytest.fixture
def people(ctx):
    """Two staff of Sở Nội vụ with addresses (one reads English), one without, and tasks."""
    seed_overrides()
    unit = make_unit("SNV", name="Sở Nội vụ")
    an = make_user(Role.unit_staff, unit, "an")
    an.full_name, an.email = "Nguyễn Văn An", "an@snv.bentre.gov.vn"
    binh = make_user(Role.unit_leader, unit, "binh")
    binh.full_name, binh.email, binh.language = "Trần Thị Bình", "binh@snv.bentre.gov.vn", "en"
    make_user(Role.unit_staff, unit, "noaddress")
    make_user(Role.office_specialist, make_unit("VP", UnitCategory.office), "cv").email = "cv@vp.vn"
    normal = make_task(unit, state=TaskState.in_progress, content="Rà soát biên chế năm 2026")
    flash = make_task(unit, state=TaskState.in_progress, content="Ứng phó xâm nhập mặn",
                      priority=Priority.flash)
    db.session.commit()
    return {"an": an, "binh": binh, "normal": normal, "flash": flash}


def _notify(task, username: str, kind="urged"):
    notify_users(kind, User.username == username, task)
    db.session.commit()


def _mailed(username: str) -> list[bool]:
    db.session.expire_all()
    return [n.emailed_at is not None for n in db.session.scalars(
        sa.select(Notification).join(User).where(User.username == username).order_by(Notification.id))]


def test_one_vietnamese_digest_per_user_on_a_working_day(people, inbox):
    _notify(people["normal"], "an")
    _notify(people["flash"], "an", "overdue")
    _notify(people["normal"], "noaddress")
    _notify(people["normal"], "cv")
    read = db.session.scalar(sa.select(Notification).join(User).where(User.username == "cv"))
    read.read_at = read.created_at  # read in the app already: not mailed
    db.session.commit()
    outcome = run_job("mail_digest", today=MONDAY)
    assert outcome.status == "ok", outcome.error
    assert (outcome.counts["sent"], outcome.counts["notifications"]) == (1, 2)
    [mail] = inbox.to("an@snv.bentre.gov.vn")
    assert len(inbox.messages) == 1
    assert mail["Subject"] == "HỎA TỐC [CĐĐH] 2 thông báo mới, ngày 09/03/2026"
    assert "cddh@bentre.gov.vn" in mail["From"]
    body = mail.get_body().get_content()
    assert "Kính gửi Nguyễn Văn An," in body
    assert "Bạn có 2 thông báo chưa đọc" in body
    assert "Văn phòng UBND tỉnh đã đôn đốc đơn vị về nhiệm vụ: #1 Rà soát biên chế năm 2026" in body
    assert "[HỎA TỐC]" in body and "Ứng phó xâm nhập mặn" in body
    assert f"https://cddh.bentre.gov.vn/tasks/details/?id={people['flash'].id}" in body
    assert _mailed("an") == [True, True]
    assert _mailed("noaddress") == [False] and _mailed("cv") == [False]
    # Nothing new: no second mail.
    assert run_job("mail_digest", today=MONDAY).counts["sent"] == 0
    assert len(inbox.messages) == 1


def test_the_frame_of_the_mail_follows_the_user_s_language(people, inbox):
    _notify(people["normal"], "binh")
    run_job("mail_digest", today=MONDAY)
    [mail] = inbox.to("binh@snv.bentre.gov.vn")
    assert mail["Subject"] == "[CĐĐH] 1 new notification, 09/03/2026"
    assert "Dear Trần Thị Bình," in mail.get_body().get_content()


@pytest.mark.parametrize("day_off", [SATURDAY, TET], ids=["saturday", "tet"])
def test_on_a_day_off_only_digests_with_a_flash_task_go(people, inbox, day_off):
    _notify(people["normal"], "an")
    _notify(people["flash"], "binh")
    _notify(people["normal"], "binh")
    outcome = run_job("mail_digest", today=day_off)
    assert outcome.counts == {"working_day": False, "sent": 1, "failed": 0, "notifications": 2,
                              "today": day_off.isoformat()}
    assert [m["To"] for m in inbox.messages] == ["Trần Thị Bình <binh@snv.bentre.gov.vn>"]
    assert _mailed("an") == [False]  # waits for the next working day
    run_job("mail_digest", today=MONDAY)
    assert len(inbox.to("an@snv.bentre.gov.vn")) == 1 and len(inbox.messages) == 2


def test_the_in_app_notification_stays_when_mail_cannot_be_sent(people, app, monkeypatch):
    _notify(people["normal"], "an")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    outcome = run_job("mail_digest", today=MONDAY)
    assert outcome.status == "failed" and "ConnectionRefusedError" in outcome.error
    assert _mailed("an") == [False]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


# --- at most once, at scale ----------------------------------------------------------------

def _staff_with_notices(people, n: int) -> list[str]:
    """``n`` more staff of the unit with an address and one notice each."""
    unit = people["an"].unit
    names = []
    for i in range(n):
        user = make_user(Role.unit_staff, unit, f"staff{i}")
        user.email = f"staff{i}@snv.bentre.gov.vn"
        names.append(user.username)
    db.session.commit()
    for name in ["an", *names]:
        _notify(people["normal"], name)
    return ["an", *names]


def _mails_per_user(inbox, names) -> dict[str, int]:
    return {name: len([m for m in inbox.messages if f"<{name}@" in m["To"]]) for name in names}


def test_a_crash_between_users_then_a_rerun_mails_each_user_exactly_once(people, inbox,
                                                                          monkeypatch):
    names = _staff_with_notices(people, 3)
    from cddh.services import mail
    real, calls = mail.compose_digest, []

    def crash_on_the_third(user, *args, **kwargs):
        calls.append(user.username)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real(user, *args, **kwargs)

    monkeypatch.setattr(mail, "compose_digest", crash_on_the_third)
    assert run_job("mail_digest", today=MONDAY).status == "failed"
    assert sum(_mails_per_user(inbox, names).values()) == 2
    monkeypatch.setattr(mail, "compose_digest", real)
    assert run_job("mail_digest", today=MONDAY).status == "ok"
    assert run_job("mail_digest", today=MONDAY).counts["sent"] == 0
    assert _mails_per_user(inbox, names) == dict.fromkeys(names, 1)
    assert all(all(_mailed(name)) for name in names)


class DroppingInbox(Inbox):
    """Receives the second mail, then drops the connection without answering: the client
    cannot know the mail arrived."""

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        if len(self.messages) == 2:
            server.transport.close()
            return None
        return "250 OK"


@pytest.fixture
def dropping_inbox(app, monkeypatch):
    handler = DroppingInbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    yield handler
    controller.stop()


def test_a_connection_dropped_mid_run_never_mails_anyone_twice(people, dropping_inbox):
    names = _staff_with_notices(people, 3)
    first = run_job("mail_digest", today=MONDAY)
    assert first.status == "ok", first.error
    assert (first.counts["sent"], first.counts["uncertain"]) == (3, 1)
    run_job("mail_digest", today=MONDAY)  # the retry a failing night would trigger
    assert _mails_per_user(dropping_inbox, names) == dict.fromkeys(names, 1)


def test_a_digest_of_seventy_thousand_notices_goes_once_and_lists_the_newest(people, inbox):
    an, task = people["an"], people["normal"]
    n = 70_000  # more than PostgreSQL's 65,535 parameters of one statement
    numbers = sa.select(sa.literal(1).label("i")).cte("numbers", recursive=True)
    numbers = numbers.union_all(sa.select(numbers.c.i + 1).where(numbers.c.i < n))
    db.session.execute(sa.insert(Notification.__table__).from_select(
        ["user_id", "kind", "task_id", "message", "created_at"],
        sa.select(sa.literal(an.id), sa.literal("urged"), sa.literal(task.id),
                  sa.literal("Thông báo số ") + sa.cast(numbers.c.i, sa.String),
                  sa.literal(dt.datetime(2026, 3, 8, tzinfo=dt.UTC)))))
    db.session.commit()
    outcome = run_job("mail_digest", today=MONDAY)
    assert outcome.status == "ok", outcome.error
    assert (outcome.counts["sent"], outcome.counts["notifications"]) == (1, n)
    [mail] = inbox.messages
    assert mail["Subject"] == f"[CĐĐH] {n} thông báo mới, ngày 09/03/2026"
    body = mail.get_body().get_content()
    assert f"Thông báo số {n}\n" in body and f"{n - 100} thông báo cũ hơn" in body
    assert len(body) < 50_000
    pending = sa.select(sa.func.count()).select_from(Notification).where(
        Notification.emailed_at.is_(None))
    assert db.session.scalar(pending) == 0
    assert run_job("mail_digest", today=MONDAY).counts["sent"] == 0 and len(inbox.messages) == 1
