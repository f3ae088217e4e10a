"""Console wording through Flask-Babel: the UI is written in Chinese (the message ids) and translated
to English from ``webui/translations/en``. Plan text — quotations, names, clause text — is never
translated: templates mark it ``lang="zh-CN"`` (the ``zh`` filter) so readers and tests can tell it apart.

Catalogue upkeep (README, Translations): ``pybabel extract -F babel.cfg -o /tmp/messages.pot .``,
``pybabel update -i /tmp/messages.pot -d webui/translations``, translate, ``pybabel compile -d webui/translations``.
"""
from __future__ import annotations

from flask import Flask, g, has_request_context, session
from flask_babel import Babel, force_locale, get_translations, gettext, lazy_gettext
from markupsafe import Markup, escape

from emergency.response.cards import role_words
from emergency.core.wording import N_

LANGUAGES = ("zh", "en")


# The words console.js writes into pages (countdowns, the live classification, the change notice).
JS_WORDS = (N_("剩余"), N_("分钟"), N_("已超时"), N_("事件有新情况：第 %(level)s 版，"), N_("刷新查看"),
            N_("（刷新前请先提交或记下正在填写的内容）"), N_("（%(level)s级）"), N_("%(level)s级"), N_("决定级别的条款"),
            N_("另符合"), N_("未达到本预案分级标准"), N_("需指挥人员研判"), N_("说明"), N_("无法连接服务"),
            N_("即将到期"), N_("应急报告提醒"), N_("桌面提醒已开启"), N_("浏览器未允许桌面提醒"),
            N_("研判：距更高级别"), N_("将新增报告 %(level)s 项"), N_("将新增报告 1 项"), N_("牵头预案将改变"),
            # 研判's sentences, as the pages say them (part_words, near_sentence)
            N_("%(fact)s再增加%(more)s%(unit)s（现为%(current)s%(unit)s，须达到%(target)s%(unit)s）"),
            N_("%(fact)s达到%(needed)s（现为%(now)s）"), N_("“%(fact)s”为%(needed)s（现为%(now)s）"),
            N_("出现“%(fact)s”"), N_("须研判：%(text)s"), N_("，且"), N_("属本预案适用范围即达到"),
            N_("距%(name)s（%(level)s级）：%(words)s"))


def js_words() -> dict[str, str]:
    """JS_WORDS in the reader's language, for the page to hand to console.js."""
    return {word: gettext(word) for word in JS_WORDS}


def current_language() -> str:
    """The reader's choice (the 中文/English switch), Chinese by default."""
    lang = session.get("lang", "zh") if has_request_context() else "zh"
    return lang if lang in LANGUAGES else "zh"


def refusal(exc) -> str:
    """A refusal in the reader's language: Chinese as the engine words it, English through the catalogue
    (the engine's templates are its message ids)."""
    if current_language() == "zh" or not hasattr(exc, "text"):
        return str(exc)
    return exc.text(gettext)


def api_refusal(exc) -> dict:
    """A refusal as the API answers it: a stable ``field`` and ``error``, the English ``message`` and the Chinese
    ``message_zh``."""
    with force_locale("en"):
        return exc.as_dict(gettext)


def reading(item, key: str = "decision"):
    """A reading of the plan (``decision``) or a national rule's summary (``text``) in the reader's language: the
    Chinese as written in ``plans/``, the English kept beside it (``<key>_en``) for the English interface."""
    get = item.get if isinstance(item, dict) else (lambda k, d=None: getattr(item, k, d))
    if current_language() == "en" and get(f"{key}_en"):
        return get(f"{key}_en")
    return get(key)


def tel(number) -> Markup:
    """A number shown as a link a phone dials (tap to call); a number masked for an observer (``*``) or
    an empty one stays plain text."""
    text = "" if number is None else str(number)
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if not text or "*" in text or len(digits) < 3:
        return Markup("%s") % text
    return Markup('<a class="tel" href="tel:%s">%s</a>') % (digits, text)


def plan_text(value) -> Markup:
    """Text quoted from a plan or naming a unit: shown as written, marked as Chinese."""
    if value is None or value == "":
        return Markup("")
    return Markup('<span lang="zh-CN">%s</span>') % escape(value)


def card_role(plan, role: str) -> Markup:
    """A response card's role in the reader's language: the plan's group name stays as written."""
    group, word = role_words(plan, role)
    return (plan_text(group) if group else Markup("")) + gettext(word)


def part_words(part: dict) -> Markup:
    """What a boundary's criterion lacks (``boundaries._gaps``), in the reader's language: the sentence is the
    console's, translated through the catalogue; the plan's words in it stay as written, marked Chinese."""
    z = plan_text
    kind = part.get("kind")
    if kind == "count":
        return Markup(gettext("%(fact)s再增加%(more)s%(unit)s（现为%(current)s%(unit)s，须达到%(target)s%(unit)s）",
                              fact=z(part["fact"]), more=part["distance"], unit=z(part["unit"]),
                              current=part["current"], target=part["needed"]))
    if kind == "amount":
        return Markup(gettext("%(fact)s达到%(needed)s（现为%(now)s）", fact=z(part["fact"]),
                              needed=z(part["needed_words"]), now=z(part["current_words"])))
    if kind == "choice":
        return Markup(gettext("“%(fact)s”为%(needed)s（现为%(now)s）", fact=z(part["fact"]), needed=z(part["needed"]),
                              now=z(part["current"])))
    if kind == "flag":
        return Markup(gettext("出现“%(fact)s”", fact=z(part["fact"])))
    if kind == "judgement":
        return Markup(gettext("须研判：%(text)s", text=z(part["judgement"])))
    return z(part.get("words", ""))


def boundary_words(boundary: dict) -> Markup:
    """All a boundary's criterion lacks, its parts joined (，且), or that the plan's scope alone reaches it."""
    if not boundary.get("parts"):
        return Markup(gettext("属本预案适用范围即达到"))
    return Markup(gettext("，且")).join(part_words(p) for p in boundary["parts"])


def near_sentence(boundary: dict | None) -> Markup:
    """研判 in one line (距较大事故（III级）：…), in the reader's language."""
    if not boundary:
        return Markup("")
    return Markup(gettext("距%(name)s（%(level)s级）：%(words)s", name=plan_text(boundary["level_name"]),
                          level=boundary["level"], words=part_words(boundary["parts"][0])))


def _catalogue():
    """The translations a template's words are looked up in: found once per request and language (Flask-Babel finds
    them again for every word, and the incident page says some 750 words; ``force_locale`` swaps the locale object,
    so a page rendered in another language finds its own)."""
    if not g:
        return get_translations()
    locale = getattr(g.get("_flask_babel"), "babel_locale", None)
    kept = g.get("_catalogue")
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    found = get_translations()
    g._catalogue = (getattr(g.get("_flask_babel"), "babel_locale", None), found)
    return found


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=current_language, default_locale="zh", default_domain="messages",
          default_translation_directories="translations")
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s), ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n), newstyle=True)
    app.jinja_env.filters["zh"] = plan_text
    app.jinja_env.filters["tel"] = tel
    app.jinja_env.globals["card_role"] = card_role
    app.jinja_env.globals["reading"] = reading
    app.jinja_env.globals["js_words"] = js_words
    app.jinja_env.globals["near_sentence"] = near_sentence
    app.jinja_env.globals["boundary_words"] = boundary_words


__all__ = ["gettext", "lazy_gettext", "current_language", "plan_text", "refusal", "api_refusal", "init_app"]
