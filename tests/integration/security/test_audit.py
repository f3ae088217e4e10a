"""Also 7: security events about people in their own keyed chain, checked by verify, shown to the administrator."""

from emergency.services import users

from .conftest import csrf_of, sign_in
from tests.cli import emergency


def _kinds(store):
    return [e["kind"] for e in users.security_log(store)]


def test_each_kind_of_change_is_recorded(app, store, clock, signed_in):
    users.set_role(store, "值班员张三", "commander", clock, actor="管理员甲")
    token = users.create_token(store, "值班员张三", clock)
    (tok,) = [t for t in users.list_tokens(store, "值班员张三") if t["id"] and not t["revoked_at"]][-1:]
    users.revoke_token(store, tok["id"], clock)
    sign_in(app.test_client(), "值班员张三", "wrong-password-1")
    c = signed_in()
    c.get("/checklist/environment.md?level=III&occurred_at=2026-11-22T08:00")
    kinds = _kinds(store)
    for kind in ("user_created", "role_changed", "token_created", "token_revoked", "sign_in_failed", "sign_in", "export"):
        assert kind in kinds, kind
    assert token.startswith("emg_") and token not in str(users.security_log(store))
    export = next(e for e in users.security_log(store) if e["kind"] == "export")
    assert export["actor"] == "指挥李四" and "III级检查单.md" in export["detail"]


def test_verify_finds_an_edited_or_deleted_security_event(app, store):
    sign_in(app.test_client(), "指挥李四", "wrong-password-1")
    db = app.config["DATABASE"]
    assert store.verify() == []
    store.db.execute("UPDATE audit SET addr = '10.0.0.1' WHERE kind = 'sign_in_failed'")
    r = emergency("verify", "--db", db)
    assert r.returncode == 1 and "audit chain" in r.stdout
    store.db.execute("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
    assert any(b.get("chain") == "audit" for b in store.verify())


def test_the_administrator_sees_the_security_log_and_others_do_not(signed_in, app):
    sign_in(app.test_client(), "指挥李四", "wrong-password-1")
    admin = signed_in("管理员甲")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "登录失败" in page and "127.0.0.1" in page and "导调王五" in page
    for name in ("指挥李四", "值班员张三", "观察员赵六", "导调王五"):
        assert signed_in(name).get("/admin/").status_code == 403


def test_the_administrator_has_no_incident_actions(app, signed_in):
    admin = signed_in("管理员甲")
    r = admin.post("/incidents", data={"plan": "environment", "occurred_at": "2026-11-22T08:00",
                                       "csrf_token": csrf_of(admin, "/")})
    assert r.status_code == 403
