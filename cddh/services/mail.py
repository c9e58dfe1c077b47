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
from contextlib import contextmanager
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
from .notifications import shown_message, visible_task_ids

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


def pending_notifications():
    """Every unread, not yet mailed notification of an active user with an address, with
    its user and its task's priority, in one query."""
    return db.session.execute(
        sa.select(Notification, User, Task.priority)
        .join(User, User.id == Notification.user_id)
        .outerjoin(Task, Task.id == Notification.task_id)
        .where(Notification.read_at.is_(None), Notification.emailed_at.is_(None),
               User.active.is_(True), User.email != "")
        .order_by(Notification.user_id, Notification.created_at, Notification.id)).all()


def task_urls(task_ids) -> dict[int, str]:
    """Links to the task pages, when the site's address (CDDH_BASE_URL) is known."""
    base = current_app.config.get("BASE_URL")
    if not base:
        return {}
    with current_app.test_request_context(base_url=base):
        return {i: url_for("tasks.details_view", id=i, _external=True) for i in set(task_ids) if i}


def compose_digest(user: User, items: list[tuple[Notification, Priority | None]],
                   today: dt.date) -> EmailMessage:
    """The digest mail, in the user's language (or the deployment's)."""
    languages = current_app.config["LANGUAGES"]
    language = user.language if user.language in languages else current_app.config[
        "BABEL_DEFAULT_LOCALE"]
    tz = local_tz()
    flash = any(priority == Priority.flash for _n, priority in items)
    visible = visible_task_ids(user, [n.task_id for n, _priority in items])
    urls = task_urls(i for i in visible)
    with force_locale(language):
        subject = ngettext("[CĐĐH] %(num)d new notification, %(date)s",
                           "[CĐĐH] %(num)d new notifications, %(date)s", len(items),
                           date=today.strftime("%d/%m/%Y"))
        if flash:
            subject = _("FLASH") + " " + subject
        body = render_template(
            "mail/digest.txt",
            greeting=_("Dear %(name)s,", name=user.full_name or user.username),
            intro=ngettext("You have %(num)d notification in the task follow-up system that "
                           "you have not read yet:",
                           "You have %(num)d notifications in the task follow-up system that "
                           "you have not read yet:", len(items)),
            flash_label=_("FLASH"),
            items=[{"at": n.created_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
                    "message": shown_message(n, visible), "flash": priority == Priority.flash,
                    "url": urls.get(n.task_id, "")} for n, priority in items],
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


def send_digests(today: dt.date, cal: WorkingCalendar | None = None) -> dict:
    """Mail each user one digest of their pending notifications and mark them mailed.

    A user whose digest fails to send keeps it for the next run.
    """
    rows = pending_notifications()
    digests: dict[int, tuple[User, list]] = {}
    for notification, user, priority in rows:
        digests.setdefault(user.id, (user, []))[1].append((notification, priority))
    working = (cal or WorkingCalendar()).is_working_day(today)
    if not working:
        digests = {uid: d for uid, d in digests.items()
                   if any(priority == Priority.flash for _n, priority in d[1])}
    counts = {"working_day": working, "sent": 0, "failed": 0, "notifications": 0}
    if not digests:
        return counts
    with smtp_connection() as server:
        for user, items in digests.values():
            try:
                server.send_message(compose_digest(user, items, today))
            except (smtplib.SMTPException, OSError) as exc:
                log.warning("digest to %s failed: %s", user.username, exc)
                counts["failed"] += 1
                continue
            ids = [n.id for n, _priority in items]
            db.session.execute(sa.update(Notification).where(Notification.id.in_(ids))
                               .values(emailed_at=sa.literal(utcnow(), UTCDateTime()))
                               .execution_options(synchronize_session=False))
            counts["sent"] += 1
            counts["notifications"] += len(ids)
    return counts
