"""Meeting attachments: photos and PDFs, checked by their content, stored under DATA_DIR.

Like jiceng.sheets.safety, the bytes decide what a file is (magic numbers), never its name;
a file whose extension says something else is refused, so a script renamed .jpg cannot pass
as a photo. Files are stored content-addressed (the SHA-256 names the file), written only once
the meeting's transaction has committed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024
MAX_BYTES = 10 * MB
TYPES = {  # what the content is → (MIME type, extensions it may carry)
    "pdf": ("application/pdf", {".pdf"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
    "png": ("image/png", {".png"}),
}


class AttachmentRefused(ValueError):
    pass


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def check(name: str, data: bytes, max_bytes: int | None = None) -> str:
    """The MIME type of an acceptable attachment, or AttachmentRefused with a sentence."""
    limit = max_bytes or getattr(settings, "JICENG_MAX_ATTACHMENT_BYTES", MAX_BYTES)
    if not data:
        raise AttachmentRefused(_("%(name)s is empty.") % {"name": name})
    if len(data) > limit:
        raise AttachmentRefused(
            _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": f"{limit / MB:g}"}
        )
    kind = sniff(data)
    if kind is None:
        raise AttachmentRefused(
            _("%(name)s is neither a photo (JPEG, PNG) nor a PDF.") % {"name": name}
        )
    mime, extensions = TYPES[kind]
    ext = os.path.splitext(name)[1].lower()
    if ext not in extensions:
        raise AttachmentRefused(
            _("%(name)s is not what its extension says: its content is a %(kind)s file.")
            % {"name": name, "kind": kind.upper()}
        )
    return mime


def root() -> Path:
    return Path(settings.DATA_DIR) / "attachments"


def path_of(sha256: str) -> Path:
    return root() / sha256[:2] / sha256


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(data: bytes, sha256: str) -> None:
    target = path_of(sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def read(sha256: str) -> bytes:
    return path_of(sha256).read_bytes()
