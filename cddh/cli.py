"""``flask --app app cddh …``: first set-up and scripting commands (api.md)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from .models import Role, Unit, db
from .services import DomainError, accounts
from .services.audit import acting_as
from .services.reference import seed_reference_data, seed_unit_kinds


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
        seed_reference_data()
        try:
            user = accounts.create_user(username, role=role, unit=_unit_by_code(unit_code),
                                        password=password, full_name=full_name or "")
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
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
            seed_unit_kinds()
            load_demo(task_count=tasks)
            db.session.commit()
        click.echo("Demo data loaded.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, unit_code, _name in DEMO_ACCOUNTS:
        click.echo(f"  {username:<14} {role.value:<18} {unit_code}")
