"""Login, logout and the language switch. Sessions expire; failed logins are throttled."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    has_request_context,
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
from ..services import DomainError, sessions
from ..services.accounts import authenticate
from ..services.audit import record
from .memo import SAVED_FILTERS, UNREAD, remember
from .next_url import safe_next

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter your username."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    """The cookie carries a server-side session's key: a logged-out, ended or expired session,
    or a deactivated account, loads nobody.

    A page read by GET (nothing written before it renders) takes the navigation bar's unread
    count and saved filters from the same statement (``menu``); a POST reads them afresh
    wherever it shows them."""
    shown = has_request_context() and request.method in ("GET", "HEAD")
    user = sessions.load_session_user(session_key, with_menu=shown)
    if user is not None and shown:
        unread, mine = user.menu
        remember(UNREAD, unread)
        remember(SAVED_FILTERS, mine)
    return user


def client_address() -> str:
    """The client's address (behind trusted proxies when CDDH_PROXY_COUNT says so)."""
    return request.remote_addr or ""


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, address=client_address())
        except DomainError as exc:
            db.session.commit()  # keep the failure count
            error = exc.message
        else:
            sessions.start_session(user, user_agent=request.user_agent.string,
                                   address=client_address())
            db.session.flush()
            language = session.get("language")
            session.clear()  # a new login inherits nothing of the anonymous session but its language
            if language:
                session["language"] = language
            session.permanent = True
            login_user(user)
            record(db.session, "login", "user_account", user.id, actor_id=user.id)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("admin.index")))
    status = 200 if error is None else 401
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if current_user.current_session is not None:
        sessions.end_session(current_user.current_session)
        db.session.commit()
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
    return redirect(safe_next(request.form.get("next"), url_for("admin.index")))


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
    app.before_request(require_password_change)


# Pages a user with an admin-issued password may still open before changing it.
OPEN_BEFORE_PASSWORD_CHANGE = frozenset({"password.index", "password.save", "auth.logout",
                                         "auth.set_language", "static", "admin.static"})


def require_password_change():
    """An admin-issued password is changed before anything else is done with the account."""
    if request.blueprint == "api" or request.endpoint in OPEN_BEFORE_PASSWORD_CHANGE:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("password.index"))
    return None
