"""The refusals the engine gives. Edges map them: InputError → HTTP 422 / exit 2,
Refused and StaleVersion → HTTP 409, NotFound → HTTP 404.

Every refusal a duty officer can meet speaks Chinese first: its words are a Chinese template — the message
id of the console's catalogue, extracted by the keywords of ``EXTRACT_KEYWORDS`` — with ``%(name)s`` parameters.
``str()`` is the Chinese sentence; ``text(translate)`` renders the same refusal through a catalogue (the web layer
passes its English ``gettext``); the API sends both (``message`` English, ``message_zh`` Chinese) and a stable
``field``. Parameters are values (a number, a time, a name the user typed), never words of their own.
"""
from __future__ import annotations

from typing import Any, NamedTuple
from collections.abc import Callable

from emergency.core.wording import N_

Translate = Callable[[str], str]


class Said(NamedTuple):
    """A parameter said differently per language: the Chinese words, and what a program sends (the keys) for the
    English refusal — e.g. the outcomes 接通、未接 / connected, no_answer."""
    zh: Any
    en: Any


def choices(named: dict[str, str]) -> Said:
    """The allowed values of a choice: their Chinese names, or their keys in English."""
    return Said(list(named.values()), list(named))

# pybabel extract -k …: the calls whose literal argument is a message of the catalogue (README, Translations)
EXTRACT_KEYWORDS = ("_l", "N_", "InputError:2", "Refused:1", "EmergencyError:1", "Forbidden:1")

# The Chinese name of each field a refusal names (the English refusal names the field by its key). A field not
# listed is named by the last part of its key's label, else shown as it is.
FIELD_NAMES = {
    "": N_("请求"), "body": N_("请求"), "payload": N_("操作内容"), "trigger": N_("操作"), "expected_version": N_("版本"), "before": N_("事件序号"),
    "plan": N_("预案"), "plan version": N_("预案版本"), "title": N_("标题"), "facts": N_("事实"),
    "occurred_at": N_("事发时间"), "reported_at": N_("接报时间"), "received_at": N_("接报时间"), "at": N_("时间"),
    "drill": N_("演练标记"), "drill_id": N_("所属演练"), "hot_topic": N_("社会关注"), "sensitive": N_("敏感"),
    "cause": N_("事故起因"), "level": N_("响应级别"), "warning_level": N_("预警级别"), "reason": N_("理由"),
    "approved_by": N_("批准人"), "declared_by": N_("宣布人"), "issued_by": N_("发布单位"), "received_by": N_("签收人"),
    "note": N_("情况"), "notification": N_("报告事项"), "outcome": N_("呼叫结果"), "number": N_("电话号码"),
    "unit": N_("单位"), "reached": N_("接听人"), "document": N_("所送文件"), "done_at": N_("完成时间"),
    "condition": N_("条件"), "task": N_("后期处置任务"), "task_id": N_("任务"), "duty": N_("任务内容"),
    "due": N_("完成时限"), "payload.contact": N_("告知人"), "contact": N_("联系人及联系方式"),
    "issuer": N_("报告单位"), "how": N_("获知情况"), "via": N_("获知途径"),
    "source": N_("告知或报告单位"), "recipient": N_("报告对象"), "name": N_("姓名"), "role": N_("角色"),
    "password": N_("密码"), "days": N_("有效天数"), "user": N_("用户"), "token": N_("令牌"), "scenario": N_("演练场景"),
    "yaml": N_("场景文件"), "id": N_("编号"), "seed": N_("随机种子"), "boundary": N_("临界演练"), "speed": N_("倍速"),
    "action": N_("演练操作"), "start": N_("开始时间"), "matter": N_("事项"), "reference": N_("工单号或警情号"),
    "caller": N_("来电人"), "callback": N_("回拨电话"), "place": N_("地点"), "description": N_("情况描述"),
    "late_reason": N_("补录原因"), "kind": N_("报告种类"), "incident": N_("事件"), "intake": N_("接报记录"),
    "document_id": N_("文件"), "channel": N_("发送渠道"), "phone": N_("电话"), "mobile": N_("手机"), "fax": N_("传真"),
    "office": N_("办公电话"), "duty_line": N_("值班电话"), "precedence": N_("顺序"), "person": N_("联系人"),
    "position": N_("职务"), "file": N_("文件"), "date": N_("日期"), "leader": N_("带班领导"), "officer": N_("值班员"),
    "from": N_("开始日期"), "to": N_("结束日期"), "addressee": N_("主送"), "copy_to": N_("抄送"), "signer": N_("签发人"),
    "author": N_("拟稿人"), "number_prefix": N_("发文字号"), "matter_id": N_("事项"), "shift": N_("班次"),
    "instruction_leader": N_("批示领导"), "party": N_("对方单位或姓名"), "text": N_("内容"), "remarks": N_("说明"),
    "pattern": N_("排班规则"), "month": N_("月份"), "with_shift": N_("换班的另一班次"), "officers": N_("值班员"),
    "minimum": N_("最低值班人数"), "workday": N_("工作日班次"), "rest_day": N_("休息日班次"), "leaders": N_("带班领导"),
    "start_with": N_("起始值班员序号"), "handover": N_("交接班记录"), "swap": N_("换班申请"), "entry": N_("值班日志条目"),
    "record": N_("记录"),
}


def field_name(field: str, translate: Translate | None = None) -> str:
    """A field as a refusal names it: in Chinese by its name (``payload.outcome`` → 呼叫结果; ``facts.deaths`` → 事实,
    the message naming the fact), in another language by its key."""
    if translate is not None:
        return field
    parts = field.split(".")
    for key in (field, *reversed(parts)):       # payload.outcome → outcome; facts.deaths → facts
        if key in FIELD_NAMES:
            return FIELD_NAMES[key]
    return field


class EmergencyError(Exception):
    """Base of every refusal; ``str()`` is one line fit to show a person (Chinese)."""

    kind = "refused"

    def __init__(self, template: str = "", /, **params: Any):
        self.template, self.params = template, params
        super().__init__(self.text())

    def words(self, translate: Translate | None = None) -> str:
        """The template in the reader's language with its parameters filled in; a list parameter is joined as the
        language joins a list (、 in Chinese, ", " in English)."""
        template = translate(self.template) if translate and self.template else self.template
        if not self.params:
            return template
        joiner = ", " if translate else "、"

        def said(value):
            if isinstance(value, Said):
                value = value.en if translate else value.zh
            return joiner.join(map(str, value)) if isinstance(value, (list, tuple)) else value
        return template % {k: said(v) for k, v in self.params.items()}

    def text(self, translate: Translate | None = None) -> str:
        return self.words(translate)

    def as_dict(self, translate: Translate | None = None) -> dict:
        """The API's body: ``message`` through ``translate`` (English at the API), ``message_zh`` the Chinese."""
        return {"error": self.kind, "message": self.text(translate), "message_zh": self.text()}


class InputError(EmergencyError, ValueError):
    """Input that cannot be accepted. ``field`` names it (dotted path), ``message`` says what is allowed."""

    kind = "invalid_input"

    def __init__(self, field: str, message: str, /, **params: Any):
        self.field = field
        super().__init__(message, **params)

    @property
    def message(self) -> str:
        return self.words()

    def text(self, translate: Translate | None = None) -> str:
        name = field_name(self.field, translate)
        if not name:
            return self.words(translate)
        return f"{name}: {self.words(translate)}" if translate else f"{name}：{self.words()}"

    def as_dict(self, translate: Translate | None = None) -> dict:
        return {**super().as_dict(translate), "field": self.field}


def refuse_unknown(data: dict, known) -> None:
    """Refuse the first field of ``data`` not in ``known``, listing the fields there are."""
    for name in data:
        if name not in known:
            raise InputError(name, "不认识的字段；可用字段：%(fields)s", fields=list(known))


class NotFound(EmergencyError, LookupError):
    """Something named that does not exist: ``what`` (a field key), ``key`` as given, ``allowed`` when they are few."""

    kind = "not_found"

    def __init__(self, what: str, key: str, allowed: list[str] | None = None):
        self.field, self.key, self.allowed = what, str(key), list(allowed or [])
        super().__init__()

    def text(self, translate: Translate | None = None) -> str:
        if translate is not None:
            known = f"; known: {', '.join(self.allowed)}" if self.allowed else ""
            return f"unknown {self.field} {self.key!r}{known}" if self.key else f"no such {self.field}"
        known = f"；可选：{'、'.join(self.allowed)}" if self.allowed else ""
        if not self.key:   # not one of this office's (permissions): nothing to name
            return f"没有这个{field_name(self.field)}"
        return f"没有这个{field_name(self.field)}：“{self.key}”{known}"

    def as_dict(self, translate: Translate | None = None) -> dict:
        return {**super().as_dict(translate), "field": self.field}


class Refused(EmergencyError):
    """A trigger that is not allowed now, or whose guard failed (the plan's own condition): ``reasons`` are the
    plan's words, shown as written."""

    def __init__(self, message: str, reasons: list[str] | None = None, /, **params: Any):
        self.reasons = reasons or []
        super().__init__(message, **params)

    def text(self, translate: Translate | None = None) -> str:
        return self.words(translate) + ("：" + "；".join(self.reasons) if self.reasons else "")

    def as_dict(self, translate: Translate | None = None) -> dict:
        return {**super().as_dict(translate), "reasons": self.reasons}


class StaleVersion(EmergencyError):
    kind = "stale_version"

    def __init__(self, expected: int, current: int):
        self.expected, self.current = expected, current
        super().__init__(N_("事件已被他人更新（您依据的是第%(expected)s版，现为第%(current)s版），请刷新后再操作"),
                         expected=expected, current=current)

    def as_dict(self, translate: Translate | None = None) -> dict:
        return {**super().as_dict(translate), "expected_version": self.expected, "current_version": self.current}
