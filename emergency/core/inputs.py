"""Checks every edge applies to what a person or a script sends: text, identifiers and times.

Each raises InputError naming the field and saying what is allowed; a value echoed back in a
message is cut to a short length, so a huge input never comes back in full.
"""
from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from emergency.core.clock import EARLIEST, LATEST
from emergency.core.errors import InputError
from emergency.core.wording import N_

IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
# Bidirectional overrides and isolates make text read differently from what it says.
# Characters that show as nothing (zero-width space, joiners, word joiner, BOM): dropped from what a person types, so
# two directory or log entries that read alike are alike ("值班室" and "值\u200b班室" were two units).
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def visible(value: str) -> str:
    """``value`` without the characters that show as nothing."""
    return value.translate(ZERO_WIDTH)


BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
DRILL_LATEST = LATEST
FUTURE_TOLERANCE = timedelta(days=1)


def plain(value: str | None) -> str | None:
    """``value`` without bidirectional controls and control characters: what a name typed by anyone (a failed
    sign-in's, say) is recorded and shown as, so it reads as what it is (U+202E reversed it)."""
    if value is None:
        return None
    return "".join(ch for ch in value if ch not in BIDI and unicodedata.category(ch) not in ("Cc", "Cs", "Cf"))


def shown(value: Any, limit: int = 60) -> str:
    """A value echoed in a refusal, cut to ``limit`` characters: text in quotes “…”, anything else as JSON writes
    it (a person reads it; never a Python repr)."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = type(value).__name__
    cut = text if len(text) <= limit else text[:limit] + "…"
    return f"“{cut}”" if isinstance(value, str) else cut


# pydantic's error types in the refusal's words: the first error of a body, a payload or a set of facts
VALIDATION_WORDS = {
    "missing": N_("必须填写"), "string_type": N_("须为文字"), "int_type": N_("须为整数"), "int_parsing": N_("须为整数"),
    "int_from_float": N_("须为整数"), "float_type": N_("须为数字"), "float_parsing": N_("须为数字"), "bool_type": N_("须为是或否（true/false）"),
    "bool_parsing": N_("须为是或否（true/false）"), "dict_type": N_("须为JSON对象"), "model_type": N_("须为JSON对象"),
    "list_type": N_("须为列表"), "datetime_type": N_("须为时间，例如2026-11-22T09:30+08:00"),
    "datetime_parsing": N_("须为时间，例如2026-11-22T09:30+08:00"), "datetime_from_date_parsing": N_("须为时间，例如2026-11-22T09:30+08:00"),
    "literal_error": N_("须为以下之一：%(expected)s"), "enum": N_("须为以下之一：%(expected)s"),
    "string_too_long": N_("不能超过%(max_length)s个字符"), "string_too_short": N_("至少%(min_length)s个字符"),
    "greater_than_equal": N_("不能小于%(ge)s"), "less_than_equal": N_("不能大于%(le)s"), "greater_than": N_("须大于%(gt)s"),
    "less_than": N_("须小于%(lt)s"),
}


def validation_refusal(err: dict[str, Any], field: str) -> InputError:
    """One pydantic error as an InputError naming ``field``, in the refusal's words (never pydantic's English)."""
    if isinstance((err.get("ctx") or {}).get("error"), InputError):
        return err["ctx"]["error"]
    template = VALIDATION_WORDS.get(err["type"])
    if template is None:
        return InputError(field, "格式不正确（收到：%(got)s）", got=shown(err.get("input")))
    ctx = {k: (str(v).replace("'", "") if k == "expected" else v) for k, v in (err.get("ctx") or {}).items()}
    return InputError(field, template, **{k: ctx.get(k, "") for k in ("expected", "max_length", "min_length", "ge",
                                                                      "le", "gt", "lt") if f"%({k})s" in template})


def clean_text(value: Any, field: str, max_len: int, multiline: bool = False, required: bool = False) -> str:
    """A stripped string of at most ``max_len`` characters with no control, bidi-override or surrogate characters.

    ``multiline`` text may hold line breaks and tabs.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(field, "须为文字（收到：%(got)s）", got=shown(value))
    value = visible(value)
    if len(value) > max_len:
        raise InputError(field, "不能超过%(limit)s个字符（现有%(length)s个）", limit=max_len, length=len(value))
    for ch in value:
        if multiline and ch in "\n\r\t":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs") or ch in BIDI:
            raise InputError(field, "不得含控制字符或文字方向控制符（发现U+%(code)s）", code=f"{ord(ch):04X}")
    value = value.strip()
    if required and not value:
        raise InputError(field, "不能为空")
    return value


def identifier(value: Any, field: str) -> str | None:
    """An id chosen by a client (event group, drill, idempotency key): 1–64 of A–Z a–z 0–9 _ . : -, or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise InputError(field, "须为1至64个字母、数字或 _ . : -（收到：%(got)s）", got=shown(value))
    return value


def plausible_time(dt: datetime, field: str, now: datetime, drill: bool) -> datetime:
    """Refuse a time no incident can have: before 2000, or more than a day after now (drills: before 2100)."""
    if dt < EARLIEST:
        raise InputError(field, "不能早于2000年1月1日（收到：%(got)s）", got=dt.isoformat())
    latest = DRILL_LATEST if drill else now + FUTURE_TOLERANCE
    if dt > latest:
        if drill:
            raise InputError(field, "演练时间不能晚于2100年1月1日（收到：%(got)s）", got=dt.isoformat())
        raise InputError(field, "时间不合理：不能晚于当前时间一天以上（收到：%(got)s）", got=dt.isoformat())
    return dt
