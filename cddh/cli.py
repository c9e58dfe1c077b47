"""``flask --app app cddh …``: first set-up and scripting commands (api.md)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from .jobs import JOBS, run_job
from .models import LeaderPosition, Role, Unit, User, db
from .services import DomainError, ValidationErrors, accounts, facts, tokens
from .services.audit import acting_as
from .services.lengths import check_lengths
from .services.reference import seed_reference_data, seed_unit_kinds


@click.group("cddh")
def cddh_cli():
    """CĐĐH commands."""


def _unit_by_code(code: str) -> Unit:
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code))
    if unit is None:
        raise click.ClickException(f"No unit with code {code!r}.")
    return unit


def _refusal(exc: DomainError) -> click.ClickException:
    """A service's refusal on the command line: every field's message, not "see below"."""
    messages = list(dict.fromkeys(exc.fields.values())) if isinstance(exc, ValidationErrors) else []
    return click.ClickException(" ".join(messages) or exc.message)


def _create(username, role, unit_code, password, full_name, position=None, sectors=""):
    with acting_as(None):
        seed_reference_data()
        try:
            user = accounts.create_user(username, role=role, unit=_unit_by_code(unit_code),
                                        password=password, full_name=full_name or "",
                                        position=position, sectors=sectors)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            raise _refusal(exc) from None
    click.echo(f"Created {user.username} ({user.role.value}, {user.unit.code}).")


@cddh_cli.command("seed")
@with_appcontext
def seed():
    """Add the default unit kinds, the Office unit (on an empty database) and the known
    official calendar swaps. Safe to run again."""
    with acting_as(None):
        seed_reference_data()
        db.session.commit()
    click.echo("Reference data is in place.")


@cddh_cli.command("create-unit")
@click.argument("code")
@click.argument("name")
@click.option("--kind", "kind_code", required=True, help="A unit kind code, e.g. department.")
@click.option("--parent-code", default=None)
@click.option("--short-name", default="")
@with_appcontext
def create_unit(code, name, kind_code, parent_code, short_name):
    """Create a unit (first set-up and scripts; admins use the Units screen)."""
    from .models import UnitKind

    try:
        check_lengths(Unit, code=code, name=name, short_name=short_name)
    except DomainError as exc:
        raise _refusal(exc) from None
    with acting_as(None):
        seed_reference_data()
        kind = db.session.scalar(sa.select(UnitKind).where(UnitKind.code == kind_code))
        if kind is None:
            raise click.ClickException(f"No unit kind with code {kind_code!r}.")
        if db.session.scalar(sa.select(Unit.id).where(Unit.code == code)):
            raise click.ClickException(f"A unit with code {code!r} exists already.")
        parent = _unit_by_code(parent_code) if parent_code else None
        db.session.add(Unit(code=code, name=name, short_name=short_name, kind=kind, parent=parent))
        db.session.commit()
    click.echo(f"Created unit {code}.")


@cddh_cli.command("create-admin")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--unit-code", default="VP", show_default=True)
@click.option("--full-name", default="")
@with_appcontext
def create_admin(username, password, unit_code, full_name):
    """Create an administrator account."""
    _create(username, Role.admin, unit_code, password, full_name)


@cddh_cli.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--unit-code", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--full-name", default="")
@click.option("--position", type=click.Choice([p.value for p in LeaderPosition]), default=None,
              help="A leader's post (role leader only).")
@click.option("--sectors", default="",
              help="A vice-chairman's sectors, separated by semicolons.")
@with_appcontext
def create_user(username, role, unit_code, password, full_name, position, sectors):
    """Create an account of any role."""
    _create(username, role, unit_code, password, full_name, position,
            "\n".join(s.strip() for s in sectors.split(";") if s.strip()))


@cddh_cli.command("create-token")
@click.argument("username")
@click.option("--name", default="", help="What the token is for (shown on the tokens screen).")
@with_appcontext
def create_token(username, name):
    """Print a new API token for an account; it is shown this once only."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account {username!r}.")
    with acting_as(None):
        try:
            _token, plaintext = tokens.issue_token(user, name)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
    click.echo(plaintext)


@cddh_cli.command("demo")
@click.option("--tasks", default=300, show_default=True, help="How many demo tasks.")
@click.option("--model", type=click.Choice(["2020", "2025"]), default="2020", show_default=True,
              help="2020: districts (with divisions and communes under TP. Bến Tre); 2025: "
                   "the two-tier structure, communes and wards under the province.")
@with_appcontext
def demo(tasks, model):
    """Load Bến Tre's units, one account per role and demo tasks into an empty database."""
    from .demo import DEMO_ACCOUNTS, DEMO_PASSWORD, LEADER_ACCOUNTS, load_demo

    if db.session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        click.echo("The database already has units; demo data not loaded.")
    else:
        with acting_as(None):
            seed_unit_kinds()
            load_demo(task_count=tasks, model=model)
            db.session.commit()
        click.echo("Demo data loaded.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, unit_code, _name in DEMO_ACCOUNTS:
        click.echo(f"  {username:<14} {role.value:<18} {unit_code}")
    click.echo("  leaders by name: " + ", ".join(
        f"{username} ({position.value})" for username, position, *_rest in LEADER_ACCOUNTS))


@cddh_cli.command("run-job")
@click.argument("name", type=click.Choice([job.name for job in JOBS]))
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD); default: today in the province.")
@with_appcontext
def run_job_command(name, today):
    """Run one scheduled job now and print what it did (recorded like a scheduled run)."""
    outcome = run_job(name, today=today.date() if today else None)
    click.echo(f"{outcome.name}: {outcome.status} "
               f"{json.dumps(outcome.counts, ensure_ascii=False, sort_keys=True)}")
    if outcome.error:
        click.echo(outcome.error, err=True)
    if outcome.status == "failed":
        raise SystemExit(1)


def _month(value: str | None) -> tuple[int, int] | None:
    """(year, month) from YYYY-MM, or None for no bound."""
    if value is None:
        return None
    try:
        month = dt.datetime.strptime(value.strip(), "%Y-%m")
    except ValueError:
        raise click.BadParameter("write the month as YYYY-MM, e.g. 2026-03") from None
    return month.year, month.month


@cddh_cli.command("recompute-facts")
@click.option("--from", "first", default=None, help="The first month (YYYY-MM) to rebuild.")
@click.option("--to", "last", default=None, help="The last month (YYYY-MM) to rebuild.")
@with_appcontext
def recompute_facts_command(first, last):
    """Rebuild the stored figures of the ended periods whose last month is within the range
    (all by default), and the running tally of today's figures, e.g. after an import or a
    change of rule."""
    first, last = _month(first), _month(last)
    if first and last and first > last:
        raise click.BadParameter("--from must not be after --to")
    from .services import scope, tally

    with acting_as(None):
        counts = facts.recompute(first, last)
        tally.rebuild(db.session.connection())  # the running figures, from the tasks again
        scope.recount(db.session.connection())  # each unit's counts by state and document
        db.session.commit()
    click.echo(f"recompute-facts: {counts['periods']} periods, {counts['rows']} rows")


@cddh_cli.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduled jobs in this process until stopped. Run exactly one of these,
    beside the web workers (README, "Deployment")."""
    from .jobs.scheduler import build_scheduler  # only this process imports APScheduler

    # Our own lines say when each job starts and ends; APScheduler's would add two a minute
    # for the heartbeat. Its warnings and errors still show.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler = build_scheduler(current_app._get_current_object())
    for job in scheduler.get_jobs():
        click.echo(f"  {job.id:<18} {job.trigger}")
    click.echo("Scheduler started; Ctrl+C stops it.")
    # A service manager stops it with SIGTERM, whose default ends the process at once: a
    # job in the middle of its run (follow_calendar, which runs as the scheduler starts,
    # right after a restart) would stay recorded as running. Stopped so, it stops as on
    # Ctrl+C: the running job finishes its transaction first.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        if scheduler.running:
            scheduler.shutdown()  # lets a job that is running finish its transaction
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(0)


@cddh_cli.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory):
    """Copy the database and the uploaded files into DIRECTORY (new or empty), with a
    manifest of checksums. Safe while the app runs."""
    from .services import backup

    try:
        manifest = backup.backup(db.engine, Path(current_app.config["UPLOAD_FOLDER"]), directory)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup in {directory}: {backup.describe(manifest)}.")


@cddh_cli.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(directory):
    """Restore the backup in DIRECTORY into an empty database and an empty upload folder,
    after checking every file's checksum. Refuses a database or folder that is not empty."""
    from .services import backup

    try:
        manifest = backup.restore(db.engine, Path(current_app.config["UPLOAD_FOLDER"]), directory)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {backup.describe(manifest)}.")
    click.echo("If this version of CĐĐH is newer than the backup's, run `db upgrade` now.")
