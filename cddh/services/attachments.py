"""Attachments: typed from their content, size-limited, stored outside the web root under
a random name. Who may download one is decided by the policy, like the task it belongs to."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _

from ..models import Attachment, User, db
from . import DomainError
from .settings import get_setting

# Detected MIME type -> file name endings accepted for it.
ALLOWED = {
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}


def storage_root() -> Path:
    root = Path(current_app.config["UPLOAD_FOLDER"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def check_file(filename: str, content: bytes) -> str:
    """The file's real type, or a DomainError naming what is accepted."""
    limit_mb = int(get_setting("max_upload_mb"))
    if not content:
        raise DomainError(_("The file %(f)s is empty.", f=filename), fields={"file": "empty"})
    if len(content) > limit_mb * 1024 * 1024:
        raise DomainError(_("The file %(f)s is larger than %(n)d MB.", f=filename, n=limit_mb),
                          fields={"file": "too_large"})
    kind = filetype.guess(content)
    mime = kind.mime if kind else None
    ext = os.path.splitext(filename.lower())[1]
    if mime not in ALLOWED or ext not in ALLOWED[mime]:
        raise DomainError(_("%(f)s is not an accepted file. Accepted: PDF, DOCX, XLSX, PNG, JPEG "
                            "(the content must match the name).", f=filename),
                          fields={"file": "type"})
    return mime


def safe_name(filename: str) -> str:
    """A display name without any path and without control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "tep-dinh-kem"


def store(filename: str, content: bytes, *, uploader: User, **owner) -> Attachment:
    """Check and store one file for its owner (document_id, task_id, progress_update_id…)."""
    filename = safe_name(filename)
    mime = check_file(filename, content)
    stored = secrets.token_hex(20)
    path = storage_root() / stored[:2] / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    attachment = Attachment(filename=filename, stored_name=stored, content_type=mime,
                            size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                            uploaded_by_id=uploader.id, **owner)
    db.session.add(attachment)
    return attachment


def path_of(attachment: Attachment) -> Path:
    return storage_root() / attachment.stored_name[:2] / attachment.stored_name


def store_uploads(files, *, uploader: User, **owner) -> list[Attachment]:
    """Store every non-empty upload of a form field; all are checked before any is written."""
    uploads = [(f.filename, f.read()) for f in files if f and f.filename]
    for name, content in uploads:
        check_file(safe_name(name), content)
    return [store(name, content, uploader=uploader, **owner) for name, content in uploads]
