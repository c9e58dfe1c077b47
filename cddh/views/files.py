"""Downloads of attachments, scoped by the policy exactly like the rows they belong to."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, send_file
from flask_login import current_user, login_required

from ..auth import policy
from ..models import Attachment, db
from ..services.attachments import path_of

bp = Blueprint("files", __name__)


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """Load → check access → send; an attachment the user may not see is simply absent."""
    attachment = db.session.scalar(sa.select(Attachment).where(
        Attachment.id == attachment_id, policy.row_scope(current_user, Attachment)))
    if attachment is None:
        abort(404)
    path = path_of(attachment)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
