"""Attachments: typed from their content, size-limited, stored outside the web root under
a random name. Who may download one is decided by the policy, like the task it belongs to."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
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


# Office files (.docx, .xlsx) are zip containers: a small file may unpack to gigabytes (a zip
# bomb). Their table of contents is read before anything else opens them.
ZIP_MIMES = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_RATIO = 200  # uncompressed / compressed size of one member; deflate tops out near 1000


def check_zip_container(filename: str, content: bytes, *, max_total: int = MAX_UNZIPPED_BYTES,
                        max_member: dict[str, int] | None = None) -> None:
    """Refuse a zip container that unpacks to more than ``max_total`` bytes, has too many
    members, a member packed far beyond what real documents reach, or a member of
    ``max_member`` (name -> bytes) over its own limit. Reads only the table of contents."""
    refused = DomainError(_("The file %(f)s unpacks to more than its content allows; it was "
                            "refused.", f=filename), fields={"file": "too_large"})
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DomainError(_("The file %(f)s is damaged and cannot be opened.", f=filename),
                          fields={"file": "type"}) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise refused
    total = 0
    for member in members:
        total += member.file_size
        if total > max_total:
            raise refused
        if member.file_size > 1024 * 1024 and member.file_size > MAX_ZIP_RATIO * max(
                member.compress_size, 1):
            raise refused
        if max_member and member.file_size > max_member.get(member.filename, max_total):
            raise refused


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
    if mime in ZIP_MIMES:
        check_zip_container(filename, content)
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
