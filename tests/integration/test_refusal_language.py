"""Every refusal the engine can raise is worded in Chinese (the catalogue's message id) and
translated in the English catalogue; the API answers with a stable field, the English message and the Chinese
``message_zh``; a Chinese page shows the Chinese refusal, the English page the English one."""
import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "webui" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
REFUSALS = {"InputError": 1, "Refused": 0, "EmergencyError": 0, "Forbidden": 0}       # the class and its message argument
# The console's operator commands speak to whoever runs the server, in the terminal: not refusals a duty officer
# meets (their messages name files, connections and keys).
OPERATOR_ONLY = {"emergency/cli.py", "emergency/store/migrations.py", "emergency/store/postgres.py", "webui/__init__.py",
                 "webui/cli.py"}
# an English sentence: three ASCII words in a row (a key such as pg_dump or a format such as 0513-82100000 is not one)
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,}[ ,']+[A-Za-z]{2,}[ ,']+[A-Za-z]{2,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _catalogue() -> dict[str, str]:
    with CATALOGUE.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def _refusal_messages():
    """(where, message) of every refusal raised in the engine and the console, its message as written."""
    for path in sorted([*ROOT.glob("emergency/**/*.py"), *ROOT.glob("webui/*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        if rel in OPERATOR_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in REFUSALS:
                index = REFUSALS[node.func.id]
                if len(node.args) > index:
                    yield f"{rel}:{node.lineno}", node.args[index]


def test_every_refusal_is_a_chinese_template_with_its_english_translation():
    from emergency.core.inputs import VALIDATION_WORDS
    english = _catalogue()
    checked = 0
    messages = [(f"VALIDATION_WORDS[{k}]", ast.Constant(v)) for k, v in VALIDATION_WORDS.items()]
    for where, arg in [*_refusal_messages(), *messages]:
        if isinstance(arg, ast.Call) and getattr(arg.func, "id", "") in ("_", "N_", "gettext"):
            continue                                           # worded and translated where the console raises it
        if where.startswith("emergency/core/inputs.py") and isinstance(arg, ast.Name) and arg.id == "template":
            continue                                           # pydantic's errors: VALIDATION_WORDS, checked below
        assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), \
            f"{where}: a refusal's words are one literal template with %(name)s parameters, not built text"
        message = arg.value
        filled = re.sub(r"%\(\w+\)s", "值", message)
        assert CJK.search(message) and not ENGLISH_SENTENCE.search(filled), f"{where}: not Chinese: {message}"
        assert english.get(message), f"{where}: no English for {message!r} (scripts/catalogue)"
        assert not CJK.search(english[message]), f"{where}: the English has Chinese in it"
        checked += 1
    assert checked > 100                                        # the walk found the engine's refusals


@pytest.fixture
def api(app):
    client = signed_in(app, "值班员张三")
    client.environ_base["HTTP_X_CSRFTOKEN"] = client.csrf
    return client


@pytest.mark.parametrize("body, field, zh, en", [
    ({"source": "110", "description": "x", "matter": "m", "received_at": "2026-11-22T08:00"},
     "reference", "110警情须填写编号", "the 110警情 number is required"),
    ({"source": "public", "description": "x", "matter": "x", "received_at": "2026-11-23T10:00"},
     "received_at", "接报时间：不能晚于当前时间（2026-11-22 09:00）", "must not be in the future"),
    ({"source": "fax", "description": "x", "matter": "x"},
     "source", "须为以下之一：12345工单、110警情、单位报告、群众报告、其他（收到：“fax”）", "must be one of 12345, 110, unit"),
])
def test_the_api_answers_a_refusal_with_its_field_in_english_and_in_chinese(api, body, field, zh, en):
    r = api.post("/api/intake", json=body)
    assert r.status_code == 422
    said = r.get_json()
    assert said["field"] == field
    assert zh in said["message_zh"] and not ENGLISH_SENTENCE.search(said["message_zh"])
    assert en in said["message"] and said["message"].startswith(f"{field}: ")


def test_a_refused_call_reads_chinese_on_the_chinese_page_and_english_on_the_english_one(app, clock):
    from emergency.services import incidents as svc
    from emergency.store import open_store
    store = open_store(app.config["DATABASE"])
    snap = svc.report(store, {"plan": "environment", "facts": {"deaths": 3}, "occurred_at": "2026-11-22T08:00",
                              "reported_at": "2026-11-22T08:10"}, "值班员张三", clock)
    store.close()
    officer = signed_in(app, "值班员张三")
    url = f"/incidents/{snap.id}"

    def attempt():
        officer.post(f"{url}/calls", data={"csrf_token": officer.csrf, "notification": "III-phone",
                                           "number": "call me", "outcome": "connected", "reached": "甲"})
        return officer.get(url).get_data(as_text=True)
    page = attempt()
    flash = re.search(r'class="flash error"[^>]*>([^<]*)<', page).group(1)
    assert flash == "电话号码：“call me”不是电话或传真号码：固定电话带区号（例如0513-82100000），手机为11位数字"
    officer.get("/lang/en")
    flash = re.search(r'class="flash error"[^>]*>([^<]*)<', attempt()).group(1)
    assert flash.startswith("payload.number: ") and "a telephone or fax number" in flash


def test_the_plan_page_and_the_intake_show_the_readings_in_the_readers_language(app):
    """Point 2: the plan page's 取舍 and the intake's are Chinese on the Chinese page, English on the English one."""
    officer = signed_in(app, "值班员张三")
    zh = officer.get("/plans/work_safety").get_data(as_text=True)
    assert "“死亡（含失踪）”：死亡与失踪人数相加。" in zh and "deaths and missing are added" not in zh
    officer.get("/lang/en")
    en = officer.get("/plans/work_safety").get_data(as_text=True)
    assert "deaths and missing are added" in en
    officer.get("/lang/zh")
    r = officer.post("/intake", data={"csrf_token": officer.csrf, "source": "12345", "reference": "20261122000123",
                                      "received_at": "2026-11-22T08:50", "description": "槽罐车泄漏", "matter": "A033"})
    page = officer.get(r.headers["Location"]).get_data(as_text=True)
    assert "取舍：" in page and "12345将重大危险化学品泄漏转110" in page and "passes a major" not in page
