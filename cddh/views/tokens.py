"""API tokens (the admin's screen): list, issue (the token is shown once) and revoke.

Issuing and revoking go through cddh.services.tokens; this screen only asks and shows.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, make_response, request
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth import policy
from ..models import Role, User, db
from ..services import DomainError, tokens
from .base import ScopedModelView

# The page is small and only this screen uses it, so it lives beside its view. The texts
# come translated from the view (jinja strings in Python code would escape extraction).
NEW_TOKEN_PAGE = """{% extends admin_base_template %}
{% block body %}
<ul class="nav nav-tabs">
  <li class="nav-item"><a class="nav-link" href="{{ list_url }}">{{ t.list }}</a></li>
  <li class="nav-item"><a class="nav-link active" href="#">{{ t.title }}</a></li>
</ul>
{% if plaintext %}
<div class="alert alert-success mt-3">
  <p>{{ t.issued }}</p>
  <p><code id="api-token" style="font-size: 1.1em; user-select: all;">{{ plaintext }}</code></p>
  <p class="mb-0">{{ t.once }}</p>
</div>
<a class="btn btn-secondary" href="{{ list_url }}">{{ t.list }}</a>
{% else %}
{% if error %}<div class="alert alert-danger mt-3">{{ error }}</div>{% endif %}
<form method="post" class="mt-3" style="max-width: 40em;">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <div class="form-group">
    <label for="user">{{ t.user }}</label>
    <select class="form-control" id="user" name="user" required>
      <option value=""></option>
      {% for u in users %}<option value="{{ u.id }}"{% if u.id|string == chosen %} selected{% endif %}>{{ u }} · {{ u.role.value }} · {{ u.unit.code }}</option>{% endfor %}
    </select>
  </div>
  <div class="form-group">
    <label for="name">{{ t.name }}</label>
    <input class="form-control" id="name" name="name" maxlength="{{ max_name }}" value="{{ name }}">
    <small class="form-text text-muted">{{ t.name_help }}</small>
  </div>
  <button type="submit" class="btn btn-primary">{{ t.submit }}</button>
</form>
{% endif %}
{% endblock %}
"""


class ApiTokenView(ScopedModelView):
    """Tokens of the JSON API (api.md): created and revoked by the admin, shown only once."""

    screen = "api_tokens"
    column_list = ("user", "name", "created_at", "last_used_at", "revoked_at")
    column_details_list = column_list
    # The create form is this view's own page (below); these name its fields.
    form_columns = ("user", "name")
    column_default_sort = ("created_at", True)
    column_labels = {"user": _l("Account"), "name": _l("Name"), "created_at": _l("Created"),
                     "last_used_at": _l("Last used"), "revoked_at": _l("Revoked")}
    action_roles = {"revoke": frozenset({Role.admin})}

    @property
    def can_create(self) -> bool:
        # Not a generic editor screen: issuing is allowed to whoever may open it (the admin).
        return policy.can_open_screen(current_user, self.screen)

    @action("revoke", _l("Revoke"),
            _l("Revoke the selected tokens? Programs that use them will be refused."))
    def action_revoke(self, rows):
        self.apply_to_rows(rows, tokens.revoke_token, _("%(n)d tokens revoked."))

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """Issue a token for an account; its plaintext is shown on this answer only."""
        users = list(db.session.scalars(
            sa.select(User).where(policy.reference_scope(current_user, User))
            .order_by(User.username)))
        chosen, name = request.form.get("user", ""), request.form.get("name", "")
        plaintext = error = None
        if request.method == "POST":
            user = next((u for u in users if str(u.id) == chosen), None)
            try:
                if user is None:
                    raise DomainError(_("Choose the account the token acts for."))
                _token, plaintext = tokens.issue_token(user, name)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                error = exc.message
        texts = {"list": _("API tokens"), "title": _("New API token"), "user": _("Account"),
                 "name": _("Name"), "submit": _("Create the token"),
                 "name_help": _("What the token is for, e.g. the program that uses it."),
                 "issued": _("The new API token:"),
                 "once": _("Copy it now: it is shown only this once and cannot be read again.")}
        page = current_app.jinja_env.from_string(NEW_TOKEN_PAGE)
        response = make_response(self.render(
            page, t=texts, users=users, chosen=chosen, name=name, plaintext=plaintext,
            error=error, max_name=tokens.NAME_LENGTH, list_url=self.get_url(".index_view")),
            422 if error else 200)
        response.headers["Cache-Control"] = "no-store"  # the token must not stay in a cache
        return response
