"""Outbound messages (短信、钉钉/政务钉钉、企业微信、邮件) through apprise: the I/O edge of the call sheet.

Many offices send the first notice of an event by text or chat before (or while) they phone. The channels are
the instance's: a mapping of a name the operator sees (``短信网关``, ``钉钉值班群``) to an apprise URL, given in
the configuration (``OUTBOUND_CHANNELS``, e.g. the environment variable ``EMERGENCY_OUTBOUND_CHANNELS`` as JSON),
never in the repository. The URL holds the channel's secret (a bot token, a mail password): it is never shown,
logged or written to the event log; the event names the channel only.

``send`` returns whether the channel accepted the message and what it answered (apprise's log of the attempt),
and never raises: a failed send is shown and recorded, and the phone path goes on.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from emergency.core.errors import InputError

RESPONSE_CHARS = 500       # what is kept of a channel's answer in the event log
TEXT_CHARS = 1000          # a message is a first notice, not the report: the report goes as a document


def channels(config: Any) -> dict[str, str]:
    """The configured channels, name → apprise URL; refuses a configuration that is not such a mapping."""
    if not config:
        return {}
    if not isinstance(config, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in config.items()):
        raise InputError("OUTBOUND_CHANNELS", "须为渠道名到apprise地址的对应，例如 %(example)s", example='{"邮件": "mailto://…"}')
    return dict(config)


def check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InputError("message", "发送消息须填写短信或群消息内容")
    text = text.strip()
    if len(text) > TEXT_CHARS:
        raise InputError("message", "有%(length)s个字符，最多%(limit)s个（报告全文请以书面报告发送）", length=len(text),
                         limit=TEXT_CHARS)
    return text


def _without_secrets(text: str, url: str) -> str:
    """Apprise's log with the channel's URL, passwords and tokens taken out."""
    text = text.replace(url, "<channel>")
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


class _NoChannelAddresses(logging.Filter):
    """Apprise logs a channel's URL (with its token or password) when it cannot parse it; a record of the apprise
    logger keeps the scheme and loses the rest, wherever the log goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://)\S+", r"\1***", record.getMessage())
        record.args = ()
        return True


_FILTER = _NoChannelAddresses()


def send(url: str, title: str, text: str) -> tuple[bool, str]:
    """Send ``text`` (with ``title``) through the channel at ``url``: (accepted, the channel's answer as logged).
    Never raises; an unknown or unreachable channel is (False, why)."""
    import apprise

    if _FILTER not in logging.getLogger("apprise").filters:
        logging.getLogger("apprise").addFilter(_FILTER)
    sender = apprise.Apprise()
    try:
        if not sender.add(url):
            return False, "the channel's address is not one apprise knows (check OUTBOUND_CHANNELS)"
        with apprise.LogCapture(level=logging.INFO) as log:
            ok = bool(sender.notify(body=text, title=title))
            answer = log.getvalue()
    except Exception as exc:  # a channel must never take the call path down with it
        return False, _without_secrets(f"{type(exc).__name__}: {exc}", url)[:RESPONSE_CHARS]
    lines = [line.split(" - ", 2)[-1] for line in answer.splitlines() if line.strip()]
    return ok, _without_secrets(" | ".join(lines), url)[-RESPONSE_CHARS:] or ("sent" if ok else "failed")
