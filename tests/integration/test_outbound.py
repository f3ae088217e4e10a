"""A first notice sent through an outbound channel (apprise), tested against a real SMTP server
on loopback (aiosmtpd) and a local webhook receiver. Each message, its channel and the channel's answer are events;
a failed send is shown and never blocks the phone path; the channel's address and secret never reach the log."""
import json
import re
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller

from emergency.core.clock import FixedClock
from emergency.store import open_store
from tests.conftest import app_with_users, signed_in
from tests.serving import free_port, loopback_http


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, box
    controller.stop()


@pytest.fixture
def webhook():
    """A JSON webhook on loopback; its requests as received (tests/serving.py)."""
    with loopback_http() as (port, received):
        yield port, received


@pytest.fixture
def clock():
    return FixedClock("2026-11-22T09:00:00+08:00")


def channels(smtp_port: int, hook_port: int) -> dict:
    return {"邮件": f"mailto://127.0.0.1:{smtp_port}?from=duty@example.invalid&to=office@example.invalid&mode=insecure",
            "钉钉值班群": f"json://hookuser:s3cret-token@127.0.0.1:{hook_port}/robot/send",
            "短信网关": f"json://127.0.0.1:{free_port()}/sms"}            # nothing listens there


def incident_page(duty):
    r = duty.post("/incidents", data={"plan": "environment", "title": "河道油污（虚构）", "deaths": "3",
                                      "occurred_at": "2026-11-22T08:50", "reported_at": "2026-11-22T08:55",
                                      "csrf_token": duty.csrf})
    return r.headers["Location"]


def send(duty, url, channel, outcome="", text=None):
    html = duty.get(url).get_data(as_text=True)
    version = re.search(r'id="version">(\d+)', html).group(1)
    box = re.search(r'id="call-III-phone".*?</form>', html, re.S).group(0)
    message = text if text is not None else re.search(r'<textarea name="message"[^>]*>([^<]*)</textarea>', box).group(1)
    return duty.post(url + "/calls", data={"csrf_token": duty.csrf, "notification": "III-phone",
                                           "expected_version": version, "unit": "海门区政府", "number": "0513-00010073",
                                           "outcome": outcome, "channel": channel, "message": message})


def test_messages_go_out_by_mail_and_webhook_and_every_send_is_an_event(tmp_path, clock, smtp, webhook):
    controller, mailbox = smtp
    hook_port, received = webhook
    app = app_with_users(str(tmp_path / "app.db"), clock, TESTING=True,
                         OUTBOUND_CHANNELS=channels(controller.port, hook_port))
    duty = signed_in(app, "值班员张三")
    url = incident_page(duty)
    page = duty.get(url).get_data(as_text=True)
    assert "s3cret-token" not in page and "127.0.0.1:" not in page          # the page names channels, not addresses
    assert send(duty, url, "邮件", outcome="no_answer").status_code == 302
    assert len(mailbox.messages) == 1
    mail = message_from_bytes(mailbox.messages[0].content)
    assert "河道油污" in str(make_header(decode_header(mail["Subject"])))
    body = mail.get_payload(decode=True) if not mail.is_multipart() else mail.get_payload(0).get_payload(decode=True)
    assert "III级" in body.decode() and "海门区政府" in body.decode()
    assert send(duty, url, "钉钉值班群").status_code == 302                  # a message without a call
    assert received[0]["path"] == "/robot/send" and received[0]["headers"]["Authorization"].startswith("Basic ")
    assert "海门区政府" in json.loads(received[0]["body"])["message"]
    r = send(duty, url, "短信网关", outcome="busy")                          # the gateway is down
    assert r.status_code == 302
    html = duty.get(url).get_data(as_text=True)
    assert "消息未能通过“短信网关”发出" in html
    iid = url.rsplit("/", 1)[-1]
    store = open_store(app.config["DATABASE"])
    events = store.incidents.events(iid)
    sent = [e["payload"] for e in events if e["trigger"] == "send_message"]
    assert [(m["channel"], m["ok"]) for m in sent] == [("邮件", True), ("钉钉值班群", True), ("短信网关", False)]
    assert sent[2]["response"]                                              # why it failed is kept
    calls = [e["payload"]["outcome"] for e in events if e["trigger"] == "record_call"]
    assert calls == ["no_answer", "busy"]                                   # the failed send did not stop the call
    log = json.dumps([e["payload"] for e in events], ensure_ascii=False)
    assert "s3cret-token" not in log and "hookuser" not in log and "mailto:" not in log
    assert store.verify() == []
    store.close()


def test_an_unknown_channel_or_empty_text_is_refused_and_nothing_is_sent(tmp_path, clock, smtp, webhook):
    controller, mailbox = smtp
    app = app_with_users(str(tmp_path / "app.db"), clock, TESTING=True,
                         OUTBOUND_CHANNELS=channels(controller.port, webhook[0]))
    duty = signed_in(app, "值班员张三")
    url = incident_page(duty)
    send(duty, url, "传呼机")
    assert "未配置此发送渠道" in duty.get(url).get_data(as_text=True)
    send(duty, url, "邮件", text="   ")
    assert "发送消息须填写短信或群消息内容" in duty.get(url).get_data(as_text=True)
    assert mailbox.messages == []
    store = open_store(app.config["DATABASE"])
    assert [e for e in store.incidents.events(url.rsplit("/", 1)[-1]) if e["trigger"] == "send_message"] == []
    store.close()


def test_without_channels_the_form_offers_none(tmp_path, clock):
    app = app_with_users(str(tmp_path / "app.db"), clock, TESTING=True)
    duty = signed_in(app, "值班员张三")
    html = duty.get(incident_page(duty)).get_data(as_text=True)
    assert 'name="channel"' not in html and 'class="record-call"' in html



def test_a_channel_map_that_is_not_one_stops_the_console_at_start(tmp_path, clock):
    from webui import ConfigError
    with pytest.raises(ConfigError, match="OUTBOUND_CHANNELS"):
        app_with_users(str(tmp_path / "app.db"), clock, OUTBOUND_CHANNELS=["mailto://x"])
