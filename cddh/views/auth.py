"""Login, logout and the language switch. Sessions expire; failed logins are throttled."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..models import User, db
from ..services import DomainError
from ..services.accounts import authenticate
from ..services.audit import record

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter your username."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Sessions carry ``id:session_token``; a reset password or deactivation ends them."""
    try:
        pk, token = user_id.split(":", 1)
        pk = int(pk)
    except ValueError:
        return None
    user = db.session.scalar(sa.select(User).where(User.id == pk))
    if user is None or not user.active or not token or user.session_token != token:
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except DomainError as exc:
            db.session.commit()  # keep the failure count
            error = exc.message
        else:
            session.permanent = True
            login_user(user)
            record(db.session, "login", "user_account", user.id, actor_id=user.id)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    status = 200 if error is None else 401
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language; remembered on the account when logged in."""
    lang = request.form.get("language", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["language"] = lang
    if current_user.is_authenticated:
        current_user.language = lang
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
