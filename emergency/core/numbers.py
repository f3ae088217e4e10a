"""Telephone numbers as the console takes, stores and shows them: a mobile known however it was written, a
landline with its area code, a mobile masked for an observer. Pure: the directory, the roster, the calls and the
payload checks share it (the payload check no longer imports the directory)."""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

MOBILE = re.compile(r"1\d{10}")
LANDLINE = re.compile(r"0\d{2,3}-\d{7,8}(-\d{1,6})?")
# How a mobile may be written: spaces, hyphens or brackets between digit groups, a +86/0086 prefix.
_SEPARATORS = re.compile(r"[\s\-()（）]")


def mobile_of(value: Any) -> str | None:
    """The 11-digit mobile ``value`` is, however it was written (``+86 138 0013 8000``, ``138-0013-8000``), or None
    for a landline, a fax, an extension or anything that is not a number."""
    if not isinstance(value, str):
        return None
    digits = _SEPARATORS.sub("", value)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    return digits if MOBILE.fullmatch(digits) else None


def normalized_number(value: str) -> str:
    """A number as it is stored: a mobile as its 11 digits (so that it is known as a mobile wherever it is shown),
    any other number as typed without spaces."""
    return mobile_of(value) or re.sub(r"\s", "", value)


def masked_number(value: Any) -> Any:
    """``value`` as an observer sees it: a mobile (a person's own number) hidden but for its first three digits;
    anything else unchanged."""
    mobile = mobile_of(value)
    return mobile[:3] + "********" if mobile else value


# A mobile written inside a sentence, however it is spaced or prefixed: +86 138 0013 8000, 138-0013-8000, 13800138000
# (digits not part of a longer number or word on either side: a hash or a token is never cut into).
MOBILE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z+])(?:(?:\+|00)86[\s\-]*)?1(?:[\s\-]*\d){10}(?![0-9A-Za-z])")


def masked_text(value: Any) -> Any:
    """Any value as an observer sees it: every mobile written in a text (a log entry, a call's line, a handover's
    remarks) hidden but for its first three digits, at any depth of a dict or list; anything else unchanged."""
    if isinstance(value, str):
        return MOBILE_IN_TEXT.sub(lambda m: masked_number(m.group(0)), value)
    if isinstance(value, dict):
        return {k: masked_text(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked_text(v) for v in value]
    if isinstance(value, BaseModel):             # a typed view (a handover's content): the same type, masked
        return type(value).model_validate(masked_text(value.model_dump()))
    return value


# Which numbers a column takes: a mobile, a landline with its area code, or either.
NUMBER_KINDS = {"mobile": "mobile", "office_phone": "landline", "fax": "landline", "duty_line": "either"}


def number_problem(value: str, kind: str) -> str | None:
    """What is wrong with ``value`` as a number of ``kind`` (mobile / landline / either), or None (also when empty)."""
    if not value:
        return None
    if kind == "mobile" and not MOBILE.fullmatch(value):
        return f"“{value}”不是手机号码：手机为以1开头的11位数字"
    if kind == "either" and not (LANDLINE.fullmatch(value) or MOBILE.fullmatch(value)):
        return f"“{value}”不是电话号码：固定电话带区号（例如0513-82100000），手机为11位数字"
    if kind == "landline" and not LANDLINE.fullmatch(value):
        return f"“{value}”不是固定电话号码：须带区号，例如0513-82100000"
    return None
