"""Console wording through Flask-Babel: the UI is written in Chinese (the message ids) and translated
to English from ``webui/translations/en``. Plan text — quotations, names, clause text — is never
translated: templates mark it ``lang="zh-CN"`` (the ``zh`` filter) so readers and tests can tell it apart.

Catalogue upkeep (README, Translations): ``pybabel extract -F babel.cfg -o /tmp/messages.pot .``,
``pybabel update -i /tmp/messages.pot -d webui/translations``, translate, ``pybabel compile -d webui/translations``.
"""
from __future__ import annotations

from flask import Flask, has_request_context, session
from flask_babel import Babel, gettext, lazy_gettext
from markupsafe import Markup, escape

LANGUAGES = ("zh", "en")


def current_language() -> str:
    """The reader's choice (the 中文/English switch), Chinese by default."""
    lang = session.get("lang", "zh") if has_request_context() else "zh"
    return lang if lang in LANGUAGES else "zh"


def plan_text(value) -> Markup:
    """Text quoted from a plan or naming a unit: shown as written, marked as Chinese."""
    if value is None or value == "":
        return Markup("")
    return Markup('<span lang="zh-CN">%s</span>') % escape(value)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=current_language, default_locale="zh", default_domain="messages",
          default_translation_directories="translations")
    app.jinja_env.filters["zh"] = plan_text


__all__ = ["gettext", "lazy_gettext", "current_language", "plan_text", "init_app"]
