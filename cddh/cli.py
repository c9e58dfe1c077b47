"""``flask --app app cddh …``: first set-up and scripting commands (api.md)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from .models import Role, Unit, db
from .services import DomainError, accounts
from .services.audit import acting_as


@click.group("cddh")
def cddh_cli():
    """CĐĐH commands."""


def _unit_by_code(code: str) -> Unit:
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code))
    if unit is None:
        raise click.ClickException(f"No unit with code {code!r}.")
    return unit


def _create(username, role, unit_code, password, full_name):
    with acting_as(None):
        try:
            user = accounts.create_user(username, role=role, unit=_unit_by_code(unit_code),
                                        password=password, full_name=full_name or "")
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
    click.echo(f"Created {user.username} ({user.role.value}, {user.unit.code}).")


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
@with_appcontext
def create_user(username, role, unit_code, password, full_name):
    """Create an account of any role."""
    _create(username, role, unit_code, password, full_name)


@cddh_cli.command("demo")
@click.option("--tasks", default=300, show_default=True, help="How many demo tasks.")
@with_appcontext
def demo(tasks):
    """Load Bến Tre's units, one account per role and demo tasks into an empty database."""
    from .demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

    if db.session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        click.echo("The database already has units; demo data not loaded.")
    else:
        with acting_as(None):
            load_demo(task_count=tasks)
            db.session.commit()
        click.echo("Demo data loaded.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, unit_code, _name in DEMO_ACCOUNTS:
        click.echo(f"  {username:<14} {role.value:<18} {unit_code}")
