"""Sending a download, one way for every kind: a table value rendered in the format its file name asks for (any
module of ``emergency.services.formats``), or a document already rendered; its media type from the one registry, its
file name, and its audit record (who took what)."""
from __future__ import annotations

import io
import re
from urllib.parse import quote

from flask import abort, send_file

from emergency.services import formats
from emergency.services.documents import FILE_UNSAFE

from .auth import audit_export


def table_formats() -> list[str]:
    """The extensions a table can be downloaded in (the links a page offers)."""
    return sorted(formats.formats())


def send(value: bytes | formats.Tables, name: str, audited_as: str | None = None, ascii_name: str | None = None):
    """``value`` as the attachment ``name``: tables are rendered in the format of the name's extension (404 when
    there is no such format); bytes are sent as they are. The export goes into the security log as ``audited_as``
    (default: the file name). ``ascii_name``: the name a browser that cannot read the Chinese one falls back to (by
    default the name's own letters and digits, or ``export``: never a bare ``.xlsx``, a hidden file)."""
    name = FILE_UNSAFE.sub("", name)          # a title's slash or colon is no part of a file's name
    extension = name.rsplit(".", 1)[-1]
    if not isinstance(value, bytes):
        if extension not in formats.formats():
            abort(404)
        value = formats.render(value, extension)
    audit_export(audited_as or name)
    response = send_file(io.BytesIO(value), mimetype=formats.media_type(extension), as_attachment=True,
                         download_name=name)
    response.headers["Content-Disposition"] = (f'attachment; filename="{ascii_name or ascii_fallback(name)}"; '
                                               f"filename*=UTF-8''{quote(name)}")
    return response


def feed(value: bytes, extension: str):
    """``value`` as a feed a program polls (a phone calendar's subscription): inline, its media type from the one
    registry, no file name and no line in the security log per poll (the token's own last use is kept instead)."""
    response = send_file(io.BytesIO(value), mimetype=formats.media_type(extension))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def ascii_fallback(name: str) -> str:
    """The name a client that cannot read a Chinese file name saves it as: the name's ASCII letters, digits and
    dashes, else ``export`` — with the name's extension."""
    stem, _, extension = name.rpartition(".")
    kept = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-")
    return f"{kept if re.search('[A-Za-z]', kept) else 'export' + ('-' + kept if kept else '')}.{extension}"
