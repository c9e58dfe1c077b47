"""E-mail: one daily digest per user of the notifications they have neither read nor been
mailed, over SMTP (stdlib smtplib; settings CDDH_SMTP_*).

The in-app notification is always there; mail is a copy. On a day off nobody is mailed,
except a user whose digest holds a notice about a flash-priority (hỏa tốc) task.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from contextlib import ExitStack, contextmanager
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ..models import Notification, Priority, Task, User, db, utcnow
from ..models.base import UTCDateTime
from .calendar import WorkingCalendar
from .clock import local_tz
from .duties import Skipped
from .notifications import notice_link, shown_message, visible_task_ids

log = logging.getLogger(__name__)


TIMEOUT_SECONDS = 30


class MailNotConfigured(Skipped):
    """No SMTP host is set: digests wait, nothing is marked as mailed."""


@contextmanager
def smtp_connection():
    """An authenticated SMTP connection from the CDDH_SMTP_* settings."""
    config = current_app.config
    host = config.get("SMTP_HOST")
    if not host:
        raise MailNotConfigured("CDDH_SMTP_HOST is not set: no mail sent.")
    port, timeout = config["SMTP_PORT"], TIMEOUT_SECONDS
    if config["SMTP_SSL"]:
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
            server.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USER"):
            server.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        yield server
    finally:
        try:
            server.quit()
        except smtplib.SMTPException:
            server.close()


# A digest lists this many notices (the newest first); it counts and names the rest.
DIGEST_ITEMS = 100
# Users read per query while the job walks through those with pending notices.
USER_BATCH = 500


def _pending(user_id=None):
    """Unread and not yet mailed (served by the partial index ix_notification_pending)."""
    where = [Notification.read_at.is_(None), Notification.emailed_at.is_(None)]
    if user_id is not None:
        where.append(Notification.user_id == user_id)
    return sa.and_(*where)


def _flash_pending():
    """A pending notice of the user is about a flash-priority (hỏa tốc) task."""
    return sa.exists().where(_pending(), Notification.user_id == User.id,
                             Notification.task_id == Task.id, Task.priority == Priority.flash)


def users_with_pending(after_id: int, working: bool) -> list[User]:
    """The next batch of active users with an address and pending notices (by id), each
    checked with one indexed EXISTS; on a day off only those with a flash-priority notice."""
    has = _flash_pending() if not working else sa.exists().where(
        _pending(), Notification.user_id == User.id)
    return list(db.session.scalars(
        sa.select(User).where(User.id > after_id, User.active.is_(True), User.email != "", has)
        .order_by(User.id).limit(USER_BATCH)))


def task_urls(task_ids) -> dict[int, str]:
    """Links to the task pages, when the site's address (CDDH_BASE_URL) is known."""
    base = current_app.config.get("BASE_URL")
    if not base:
        return {}
    with current_app.test_request_context(base_url=base):
        return {i: url_for("tasks.details_view", id=i, _external=True) for i in set(task_ids) if i}


def list_urls(notices) -> dict[int, str]:
    """Links to the lists grouped notices point to, when CDDH_BASE_URL is known."""
    base = current_app.config.get("BASE_URL")
    grouped = [n for n in notices if n.task_id is None and n.link]
    if not base or not grouped:
        return {}
    with current_app.test_request_context(base_url=base):
        return {n.id: notice_link(n, _external=True) for n in grouped}


def compose_digest(user: User, items: list[tuple[Notification, Priority | None]],
                   today: dt.date, total: int | None = None,
                   flash: bool | None = None) -> EmailMessage:
    """The digest mail, in the user's language (or the deployment's): the newest
    ``DIGEST_ITEMS`` notices of ``total`` (all of ``items`` by default)."""
    total = len(items) if total is None else total
    languages = current_app.config["LANGUAGES"]
    language = user.language if user.language in languages else current_app.config[
        "BABEL_DEFAULT_LOCALE"]
    tz = local_tz()
    if flash is None:
        flash = any(priority == Priority.flash for _n, priority in items)
    visible = visible_task_ids(user, [n.task_id for n, _priority in items])
    urls = task_urls(i for i in visible)
    lists = list_urls(n for n, _priority in items)
    with force_locale(language):
        subject = ngettext("[CĐĐH] %(num)d new notification, %(date)s",
                           "[CĐĐH] %(num)d new notifications, %(date)s", total,
                           date=today.strftime("%d/%m/%Y"))
        if flash:
            subject = _("FLASH") + " " + subject
        more = total - len(items)
        body = render_template(
            "mail/digest.txt",
            greeting=_("Dear %(name)s,", name=user.full_name or user.username),
            intro=ngettext("You have %(num)d notification in the task follow-up system that "
                           "you have not read yet:",
                           "You have %(num)d notifications in the task follow-up system that "
                           "you have not read yet:", total),
            flash_label=_("FLASH"),
            items=[{"at": n.created_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
                    "message": shown_message(n, visible), "flash": priority == Priority.flash,
                    "url": urls.get(n.task_id) or lists.get(n.id, "")} for n, priority in items],
            more=ngettext("… and %(num)d older notification: see them in the system.",
                          "… and %(num)d older notifications: see them in the system.",
                          more) if more > 0 else "",
            footer=_("This is an automatic daily summary; please do not reply. Log in to the "
                     "system to act on these notifications."),
        )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["SMTP_SENDER"]
    message["To"] = formataddr((user.full_name, user.email))
    message["Message-ID"] = make_msgid(domain="cddh")
    message.set_content(body)
    return message


class _Claim:
    """One user's digest, claimed: its notices are stamped ``emailed_at = stamp`` and
    committed before the mail goes (so a crash or a second runner never mails them again)."""

    def __init__(self, user: User, today: dt.date):
        self.user, self.stamp = user, utcnow()
        db.session.execute(
            sa.update(Notification).where(_pending(user.id))
            .values(emailed_at=sa.literal(self.stamp, UTCDateTime()))
            .execution_options(synchronize_session=False))
        mine = sa.and_(Notification.user_id == user.id,
                       Notification.emailed_at == sa.literal(self.stamp, UTCDateTime()))
        # Counted, not returned: a digest may hold hundreds of thousands of notices.
        self.total = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                                       .where(mine)) or 0
        self.flash = bool(db.session.scalar(sa.select(sa.exists().where(
            mine, Notification.task_id == Task.id, Task.priority == Priority.flash))))
        self.items = db.session.execute(
            sa.select(Notification, Task.priority)
            .outerjoin(Task, Task.id == Notification.task_id).where(mine)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(DIGEST_ITEMS)).all()
        self.message = compose_digest(user, [tuple(r) for r in self.items], today, self.total,
                                      self.flash) if self.total else None
        db.session.commit()

    def release(self) -> None:
        """The server refused the mail: the notices wait for the next run."""
        db.session.execute(
            sa.update(Notification)
            .where(Notification.user_id == self.user.id,
                   Notification.emailed_at == sa.literal(self.stamp, UTCDateTime()))
            .values(emailed_at=None).execution_options(synchronize_session=False))
        db.session.commit()


class _Connection:
    """The SMTP connection of a run, opened on first use and reopened once after a drop."""

    def __init__(self, stack):
        self.stack, self.server = stack, None

    def get(self):
        if self.server is not None:
            try:
                self.server.noop()
                return self.server
            except (smtplib.SMTPException, OSError):
                self.server = None
        self.server = self.stack.enter_context(smtp_connection())
        return self.server

    def dropped(self):
        self.server = None


def send_digests(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Mail each user one digest of their pending notifications, at most once.

    Per user, in its own transaction: the pending notices are stamped as mailed and the
    stamp committed *before* the mail is handed to the server (one UPDATE on the user's
    rows: no id list, whatever their number). A server that answers with a refusal gets the
    notices back for the next run; a connection lost while the mail was in flight keeps
    them stamped (the server may have it: at most once, never twice). A crash between users
    leaves the users already mailed stamped, so a rerun mails only the others. The
    in-app notification is always there.
    """
    working = (cal or WorkingCalendar()).is_working_day(today)
    counts = {"working_day": working, "sent": 0, "failed": 0, "notifications": 0}
    db.session.commit()  # the run's record is in; each user's claim commits on its own
    with ExitStack() as stack:
        connection = _Connection(stack)
        after = 0
        while batch := users_with_pending(after, working):
            after = batch[-1].id
            for user in batch:
                server = connection.get()  # before the claim: a dead server claims nothing
                claim = _Claim(user, today)
                if claim.message is None:
                    continue
                try:
                    server.send_message(claim.message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                        smtplib.SMTPDataError) as exc:
                    log.warning("digest to %s refused: %s", user.username, exc)
                    claim.release()
                    counts["failed"] += 1
                    continue
                except (smtplib.SMTPException, OSError) as exc:
                    log.warning("digest to %s may not have gone (kept as mailed): %s",
                                user.username, exc)
                    connection.dropped()
                    counts["uncertain"] = counts.get("uncertain", 0) + 1
                    continue
                counts["sent"] += 1
                counts["notifications"] += claim.total
    return counts
