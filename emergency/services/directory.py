"""The contact directory (通讯录): the units the plans name and the people in them, with the numbers to dial.

Offices keep their directory in Excel. ``read_rows`` reads an .xlsx (openpyxl) or .csv into rows; ``check`` checks
every row before anything is written and refuses the whole file with each problem's row, column and what is
allowed; ``Store``-side, ``replace`` writes the checked directory in one transaction. Units are the recipients and
group units the plans name (``known_units``), by today's name (``plans/reference/agencies.yaml``); a plan's old
name is accepted and stored as today's.

Pure except ``replace`` and ``load``, which read and write through the store.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from emergency.core.wording import N_
from emergency.core.errors import EmergencyError
from emergency.store.repositories import Directory as DirectoryRows
from emergency.core.inputs import clean_text, visible
from emergency.core.numbers import NUMBER_KINDS, masked_number, mobile_of, normalized_number, number_problem
from emergency.core.sheets import csv_bytes as safe_csv, workbook_bytes

# The sheet's columns, in order, as offices name them.
COLUMNS = ["单位", "姓名", "职务", "办公电话", "手机", "传真", "24小时值班电话", "顺序"]
FIELDS = list(DirectoryRows.COLUMNS)   # the stored columns, in the store's one list
MAX_ROWS = 5000          # a district's directory is a few hundred lines, a month's roster too; 10,000 rows is a wrong file
SHEET = "通讯录"





class Contact(BaseModel):
    """One line: a unit's own numbers (``name`` empty) or a person in it."""

    model_config = ConfigDict(extra="forbid")
    id: int | None = None    # the stored row's id (None until stored)
    unit: str
    name: str = ""
    position: str = ""
    office_phone: str = ""
    mobile: str = ""
    fax: str = ""
    duty_line: str = ""
    precedence: int = 1


class ImportRefused(EmergencyError):
    """The file as a whole is refused; ``problems`` lists each (row, column, message); nothing was written."""

    def __init__(self, problems: list[dict[str, Any]]):
        self.problems = problems
        first = problems[0]
        where = f"第{first['row']}行“{first['column']}”：" if first.get("row") else ""
        more = f"（另有{len(problems) - 1}处问题）" if len(problems) > 1 else ""
        super().__init__(N_("导入被拒绝，未写入任何数据：%(where)s%(first)s%(more)s"), where=where, first=first["message"],
                         more=more)


def plan_units(plans) -> list[str]:
    """Every office the plans name, by today's name — not the roles of an incident (事故单位, 专家 …), which have no
    standing number."""
    return sorted({u for u in known_units(plans).values() if not plans.agencies.is_role(u)})


def known_units(plans) -> dict[str, str]:
    """Every unit the plans name (as recipients, reporters and group units), by today's name: name → today's."""
    agencies = plans.agencies
    names: set[str] = set()
    for plan in plans.plans.values():
        for rule in plan.reporting.rules:
            names.update(rule.to)
        for group in plan.groups:
            names.update(group.lead)
            names.update(group.members)
    for rule in plans.national_rules.rules:
        names.update(rule.to)
    out = {}
    for name in names:
        today = agencies.current(name) or name
        out[name] = today
        out[today] = today
    return out


# A workbook is a zip: its parts are checked before any is parsed (a 152 KB file took 72 s and 602 MB
# when loaded whole). A real directory or month's roster is well under 1 MB unpacked.
XLSX_MAX_PARTS = 100
XLSX_MAX_UNPACKED = 20 * 1024 * 1024        # all parts together, unpacked
XLSX_MAX_RATIO = 100                        # unpacked / packed for any part over 1 MB
MAX_CELL = 1000                             # characters in one cell (the longest field takes 100)


def _refused(message: str) -> ImportRefused:
    return ImportRefused([{"row": None, "column": "", "message": message}])


def _check_zip(content: bytes) -> None:
    """Refuse a workbook whose parts are too many, too large unpacked or packed too tightly, or whose sheet has
    merged cells — all read from the zip before any parsing."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            parts = z.infolist()
            if len(parts) > XLSX_MAX_PARTS:
                raise _refused(f"不是可读的.xlsx文件（文件含{len(parts)}个部件，工作簿通常只有几十个）")
            total = sum(p.file_size for p in parts)
            if total > XLSX_MAX_UNPACKED:
                raise _refused(f"工作簿解压后有{total // (1024 * 1024)} MB，最多"
                               f"{XLSX_MAX_UNPACKED // (1024 * 1024)} MB（请确认文件是否正确）")
            for p in parts:
                if p.file_size > 1024 * 1024 and p.file_size > XLSX_MAX_RATIO * max(p.compress_size, 1):
                    raise _refused(f"不是可读的.xlsx文件（部件{p.filename[:40]}解压后为原大小的"
                                   f"{p.file_size // max(p.compress_size, 1)}倍）")
                merged = re.findall(rb'<mergeCell ref="([A-Z0-9:]+)"', z.read(p.filename)) \
                    if p.filename.startswith("xl/worksheets/") else []
                if merged:
                    shown = ", ".join(m.decode() for m in merged[:3])
                    raise _refused(f"含合并单元格（{shown}），无法按行读取：请取消合并，并在每一行填写")
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refused("不是可读的.xlsx文件") from None


def read_rows(content: bytes, filename: str, sheet: str = SHEET) -> list[list[Any]]:
    """The rows of an .xlsx (one sheet, named like ``sheet`` by convention; no merged cells) or a UTF-8 .csv,
    header first. Refuses (ImportRefused) anything else, more than MAX_ROWS rows, a cell over MAX_CELL characters,
    and a workbook whose zip is out of bounds — each before reading further than it must."""
    if filename.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _refused(".csv文件须为UTF-8编码（Excel：另存为“CSV UTF-8”）") from None
        rows = []
        try:
            for row in csv.reader(io.StringIO(text)):
                rows.append(row)
                if len(rows) > MAX_ROWS + 1:
                    raise _refused(f"超过{MAX_ROWS}行（请确认文件是否正确）")
        except csv.Error:
            raise _refused(f"不是可读的.csv文件（第{len(rows) + 1}行）") from None
        _check_cells(rows)
        return rows
    if not filename.lower().endswith(".xlsx"):
        raise _refused("请选择.xlsx或.csv文件")
    _check_zip(content)
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(content), data_only=True, read_only=True)
    except Exception:  # openpyxl raises several kinds for a file that is not a workbook
        raise _refused("不是可读的.xlsx文件") from None
    try:
        if len(wb.sheetnames) != 1:
            raise _refused(f"工作簿只能有一张工作表（{sheet}），现有{len(wb.sheetnames)}张：{'、'.join(wb.sheetnames)}")
        rows = []
        for row in wb.worksheets[0].iter_rows(values_only=True):  # streamed: stops at the limit
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                raise _refused(f"超过{MAX_ROWS}行（请确认文件是否正确）")
    finally:
        wb.close()
    while rows and not any(v not in (None, "") for v in rows[-1]):
        rows.pop()  # a read-only sheet may report trailing empty rows of its declared size
    _check_cells(rows)
    return rows


def _check_cells(rows: list[list[Any]]) -> None:
    for i, row in enumerate(rows, 1):
        for j, value in enumerate(row):
            if isinstance(value, str) and len(value) > MAX_CELL:
                raise ImportRefused([{"row": i, "column": str(j + 1),
                                      "message": f"单元格有{len(value)}个字符，最多{MAX_CELL}个"}])


def text_of(value: Any) -> str:
    """A cell as text: None is empty, a whole float (Excel's numbers) has no .0, spaces around are dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return visible(str(value)).strip()   # no look-alike unit or person made with an invisible character


def check_header(rows: list[list[Any]], columns: list[str]) -> None:
    """Refuse (ImportRefused) an empty file, one whose first row is not ``columns`` in order, or one of more than
    MAX_ROWS rows."""
    if not rows:
        raise ImportRefused([{"row": None, "column": "", "message": "文件是空的"}])
    header = [text_of(h) for h in rows[0]]
    if header[:len(columns)] != columns or any(header[len(columns):]):
        raise ImportRefused([{"row": 1, "column": "表头", "message": f"列须依次为：{'、'.join(columns)}"
                                                                    f"（现为：{'、'.join(h for h in header if h)}）"}])
    if len(rows) - 1 > MAX_ROWS:
        raise ImportRefused([{"row": None, "column": "", "message": f"共{len(rows) - 1}行，最多{MAX_ROWS}行"}])


def check(rows: list[list[Any]], plans) -> list[Contact]:
    """The directory the rows give, or ImportRefused naming every bad row and column (nothing half-read)."""
    check_header(rows, COLUMNS)
    units = known_units(plans)
    problems: list[dict[str, Any]] = []
    out: list[Contact] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(rows[1:], start=2):
        values = [text_of(v) for v in list(raw) + [None] * (len(COLUMNS) - len(raw))]
        if not any(values):
            continue  # a blank line between units
        row = dict(zip(FIELDS, values, strict=False))
        found = _row_problems(row, units)
        key = (row["unit"], row["name"])
        if key in seen:
            found.append(("name", f"“{row['name'] or row['unit']}”重复（第{seen[key]}行和第{number}行）"))
        seen.setdefault(key, number)
        problems += [{"row": number, "column": COLUMNS[FIELDS.index(field)], "message": message}
                     for field, message in found]
        if not problems:
            out.append(Contact(**{**row, "precedence": int(row["precedence"] or 1)}))
    if problems:
        raise ImportRefused(problems)
    return out


def _row_problems(row: dict[str, Any], units: dict[str, str]) -> list[tuple[str, str]]:
    """One row read in place (texts cleaned, the unit by today's name, numbers normalised): what is wrong with it,
    as (field, message)."""
    return _texts_and_unit(row, units) + _numbers(row) + _reachable(row)


def _texts_and_unit(row: dict[str, Any], units: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for field in ("unit", "name", "position"):
        try:
            row[field] = clean_text(row[field], COLUMNS[FIELDS.index(field)], 100)
        except EmergencyError as exc:
            found.append((field, str(exc)))
    if not row["unit"]:
        found.append(("unit", "必须填写"))
    elif row["unit"] not in units:
        found.append(("unit", f"“{row['unit']}”不是预案中的单位（见通讯录页的单位列表）"))
    else:
        row["unit"] = units[row["unit"]]
    return found


def _numbers(row: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for field in ("office_phone", "fax", "duty_line", "mobile"):
        row[field] = normalized_number(row[field])
        problem = number_problem(row[field], NUMBER_KINDS[field])
        if problem:
            found.append((field, problem))
    precedence = row["precedence"]
    # ASCII digits only: "²", "①" or "፩" are digits to str.isdigit but not to int()
    if precedence and not (precedence.isascii() and precedence.isdigit() and 1 <= int(precedence) <= 99):
        found.append(("precedence", f"“{precedence}”：须为1（最先拨打）至99的整数"))
    return found


def _reachable(row: dict[str, Any]) -> list[tuple[str, str]]:
    """A unit's row has a line of its own; a person has a number to dial."""
    if row["unit"] and not row["name"] and not (row["duty_line"] or row["office_phone"] or row["fax"]):
        return [("duty_line", "单位行须有号码（24小时值班电话、办公电话或传真）")]
    if row["name"] and not (row["mobile"] or row["office_phone"]):
        return [("mobile", "联系人须有可拨打的号码（手机或办公电话）")]
    return []


def by_unit(contacts: Iterable[Contact | dict]) -> dict[str, dict[str, Any]]:
    """Each unit's own lines and its people in the order to try them (precedence, then as listed)."""
    out: dict[str, dict[str, Any]] = {}
    for c in contacts:
        c = c if isinstance(c, Contact) else Contact(**c)
        entry = out.setdefault(c.unit, {"unit": c.unit, "lines": [], "people": []})
        (entry["people"] if c.name else entry["lines"]).append(c)
    for entry in out.values():
        entry["people"].sort(key=lambda p: p.precedence)
    return out


def initials(text: str) -> str:
    """Pinyin initials of a Chinese name, as the intake's matter list takes them (海门生态环境局 → hmsthjj)."""
    from pypinyin import Style, lazy_pinyin
    return "".join(lazy_pinyin(text or "", style=Style.FIRST_LETTER)).lower()


def search(grouped: dict[str, dict[str, Any]], query: str, personal: bool = True) -> dict[str, dict[str, Any]]:
    """The units and people a search finds (280 rows and no search): by unit, name or position (as
    written or by pinyin initials) and by number (digits, whatever the dashes). A unit found by its name keeps all
    its lines and people; otherwise only the lines and people found. ``personal`` False: mobiles are not searched
    (an observer does not see them)."""
    q = (query or "").strip().lower()
    if not q:
        return grouped
    digits = "".join(ch for ch in q if ch.isdigit())

    def found(*texts: str) -> bool:
        return any(q in (t or "").lower() or (q.isascii() and q.isalpha() and q in initials(t)) for t in texts)

    def dialled(c: Contact) -> bool:
        numbers = [c.duty_line, c.office_phone, c.fax] + ([c.mobile] if personal else [])
        return len(digits) >= 3 and digits == q.replace("-", "").replace(" ", "") and \
            any(digits in "".join(ch for ch in n if ch.isdigit()) for n in numbers if n)
    out = {}
    for unit, entry in grouped.items():
        if found(unit):
            out[unit] = entry
            continue
        lines = [c for c in entry["lines"] if dialled(c)]
        people = [c for c in entry["people"] if found(c.name, c.position) or dialled(c)]
        if lines or people:
            out[unit] = {**entry, "lines": lines, "people": people}
    return out


def numbers_to_dial(unit: str, directory: dict[str, dict[str, Any]], personal: bool, on_duty=None) -> list[dict[str, str]]:
    """The numbers for ``unit`` in the order to try them: its 24-hour duty line, its office line and fax, then the
    person on duty now (``on_duty``: a ``roster.Shift``, for units that keep a roster), then its people by
    precedence (office phone, then mobile). ``personal`` False (an observer): no personal mobiles."""
    entry = directory.get(unit) or {"lines": [], "people": []}
    out = []
    for line in entry["lines"]:
        for kind, number in (("duty_line", line.duty_line), ("office_phone", line.office_phone), ("fax", line.fax)):
            if number:
                out.append({"kind": kind, "number": number, "who": unit, "position": ""})
    if on_duty is not None and on_duty.officer_phone and (personal or not mobile_of(on_duty.officer_phone)):
        out.append({"kind": "on_duty", "number": on_duty.officer_phone, "who": on_duty.officer,
                    "position": f"值班员（{on_duty.shift or '当班'}）"})
    for p in entry["people"]:
        for kind, number in (("office_phone", p.office_phone if personal or not mobile_of(p.office_phone) else ""),
                             ("mobile", p.mobile if personal else "")):
            if number:
                out.append({"kind": kind, "number": number, "who": p.name, "position": p.position})
    return out


def gaps(units: Iterable[str], directory: dict[str, dict[str, Any]]) -> list[str]:
    """The units among ``units`` with no number in the directory."""
    return sorted({u for u in units if u not in directory})


def for_observer(contact: Contact) -> Contact:
    """A line as an observer sees it: a mobile is not shown, in whichever column it was typed — a unit's 24-hour line
    that is a mobile is a phone someone carries, as personal as a person's own."""
    return contact.model_copy(update={"mobile": "" if contact.name else contact.mobile, **{f: masked_number(getattr(contact, f))
                                                       for f in ("office_phone", "fax", "duty_line")}})


def to_rows(contacts: Iterable[Contact | dict]) -> list[list[Any]]:
    rows: list[list[Any]] = [list(COLUMNS)]
    for c in contacts:
        c = c if isinstance(c, Contact) else Contact(**c)
        rows.append([c.unit, c.name, c.position, c.office_phone, c.mobile, c.fax, c.duty_line, c.precedence])
    return rows


def xlsx_bytes(contacts: Iterable[Contact | dict]) -> bytes:
    rows = to_rows(contacts)
    # numbers stay text (0513- keeps its 0); every cell is made safe from formulas
    return workbook_bytes([(SHEET, rows[0], [[str(v) if i < 7 else v for i, v in enumerate(r)] for r in rows[1:]])])


def csv_bytes(contacts: Iterable[Contact | dict]) -> bytes:
    return safe_csv(to_rows(contacts))


# ---------------------------------------------------------------- the store's side

def replace(store, contacts: list[Contact], actor: str, at: str) -> None:
    """The whole directory replaced by ``contacts`` in one transaction, with an audit entry saying who and how many."""
    store.directory.replace([[getattr(c, f) for f in FIELDS] for c in contacts], actor, at)


def load_demo(store, at: str) -> int:
    """The demo directory (``demo/directory.csv`` beside the demo incidents: fictitious names, 0513-0000… lines and
    100… mobiles no carrier issues), when the directory is empty. Returns the rows loaded."""
    if store.directory.count():
        return 0
    path = store.plans.demo_file.parent / "directory.csv"
    contacts = check(read_rows(path.read_bytes(), path.name), store.plans)
    replace(store, contacts, "演示", at)
    return len(contacts)


def load(store) -> list[Contact]:
    return [Contact(**row) for row in store.directory.rows()]


def save_one(store, values: dict[str, Any], contact_id: int | None, actor: str, at: str) -> Contact:
    """Add one contact (``contact_id`` None) or change one, checked as an imported row would be (the row number
    in a refusal is 2, the form's one line) and refused when it would list a unit or person twice."""
    checked = check([COLUMNS, [values.get(f, "") for f in FIELDS]], store.plans)
    if not checked:   # an empty form: no row to keep
        raise ImportRefused([{"row": None, "column": "单位", "message": "请填写单位及其号码"}])
    contact = checked[0]

    def refuse(reason: str) -> ImportRefused:
        if reason == "gone":
            return ImportRefused([{"row": None, "column": "", "message": "该条目已不存在，请刷新"}])
        return ImportRefused([{"row": 2, "column": "姓名",
                               "message": f"“{contact.name or contact.unit}”已在通讯录中，请修改那一行"}])
    store.directory.save([getattr(contact, f) for f in FIELDS], contact_id, actor, at, refuse)
    return contact


def delete_one(store, contact_id: int, actor: str, at: str) -> None:
    """Remove one line of the directory, with an audit entry."""
    store.directory.delete(contact_id, actor, at,
                           lambda _reason: ImportRefused([{"row": None, "column": "", "message": "该条目已不存在，请刷新"}]))
