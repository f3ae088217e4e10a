"""One table of the database failures a person may meet, for both databases.

Each backend names its own failure by a kind (SQLite by the error's text, PostgreSQL by psycopg's
error class); the refusal a person reads, and the HTTP status it carries, come from this table only.
A failure not in the table is a bug and is raised as it is.
"""
from __future__ import annotations

from emergency.core.errors import EmergencyError, InputError
from emergency.core.wording import N_


class StoreBusy(EmergencyError):
    """The database is locked by another writer for longer than the lock timeout (HTTP 503)."""

    retry_after = 5
    kind = "busy"

    def as_dict(self, translate=None) -> dict:
        return {**super().as_dict(translate), "retry_after": self.retry_after}


class StorageFull(EmergencyError):
    """The disk holding the database is full (HTTP 507)."""

    kind = "storage_full"


class CorruptDatabase(EmergencyError):
    """The location is not a readable database of this service (the operator's CLI names it)."""


# kind → (the refusal's class, its Chinese template: the catalogue's message id)
REFUSALS: dict[str, tuple[type[EmergencyError], str]] = {
    "busy": (StoreBusy, N_("数据库正忙，请稍后重试")),
    "pool_full": (StoreBusy, N_("数据库连接已满，请稍后重试")),
    "unavailable": (StoreBusy, N_("数据库连接中断，请稍后重试")),
    "unreachable": (StoreBusy, N_("数据库暂时无法连接，请稍后重试；持续出现请通知运维人员")),
    "full": (StorageFull, N_("存储空间已满，无法写入，请通知运维人员")),
    "unreadable": (CorruptDatabase, N_("数据库文件无法读取（%(detail)s）")),
    "no_schema": (CorruptDatabase, N_("数据库 %(location)s 没有本服务的表，请先运行 emergency init-db")),
}


def refusal(kind: str, **params) -> EmergencyError:
    """The refusal of this kind, with its parameters."""
    cls, template = REFUSALS[kind]
    return cls(template, **params)


def mixed_drill(field: str = "drill_id") -> InputError:
    """A trigger of the schema refused a drill's row beside a real incident's (both databases)."""
    return InputError(field, N_("演练与真实事件不得混合"))
