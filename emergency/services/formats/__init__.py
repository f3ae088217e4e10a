"""Every download format, one module each, over one neutral value: ``Tables`` (titled sheets of rows). A format module
names its ``EXTENSION`` and ``MEDIA_TYPE`` and renders (``render(tables) -> bytes``); it is found here by its extension,
so adding a format is adding one module to this package. The console sends any of them the same way (its audit record
and file name; ``webui.downloads``).

Documents (a report, a handover, a drill's after-action report) are their own values with their own layouts; the
tables are the lists: the board, an incident's items, the shift log, the directory, the roster, drill coverage."""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Table:
    """One sheet: its title (a sheet's name), its column heads and its rows; the heading a printed page carries
    (default: the title) and when the table was made (a time, printed in the page header)."""
    title: str
    head: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    heading: str = ""
    made_at: str = ""


Tables = list[Table]


@dataclass(frozen=True)
class Format:
    extension: str
    media_type: str
    render: Any   # Callable[[Tables], bytes]


def formats() -> dict[str, Format]:
    """The formats there are, by extension: every module of this package."""
    out = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        out[module.EXTENSION] = Format(module.EXTENSION, module.MEDIA_TYPE, module.render)
    return out


# The documents' formats (rendered by their own layouts, not from tables): their media types live here too, so a
# download of any kind is sent by one function that reads its media type from one place.
DOCUMENT_TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "pdf": "application/pdf", "xml": "application/cap+xml",   # xml: a CAP 1.2 message
                  "ics": "text/calendar", "vcf": "text/vcard", "zip": "application/zip"}


def media_type(extension: str) -> str:
    """The media type a file of ``extension`` is sent as (KeyError: a format the service does not make)."""
    found = formats()
    return found[extension].media_type if extension in found else DOCUMENT_TYPES[extension]


def render(tables: Tables, extension: str) -> bytes:
    """``tables`` in the format of ``extension`` (KeyError: no such format)."""
    return formats()[extension].render(tables)
