"""High 3 and 4: sign-in throttling with security events; sessions and tokens that can be revoked."""

from emergency.services import users
from emergency.core.clock import FixedClock

from tests.conftest import PASSWORD
from .conftest import KEY, sign_in, new_app
from tests.cli import emergency

WRONG = "wrong-password-123"


def test_five_failures_lock_the_account_with_429_and_retry_after(app, store):
    c = app.test_client()
    for _ in range(5):
        r = sign_in(c, "指挥李四", WRONG)
        assert r.status_code == 401
        assert "用户名或密码不正确" in r.get_data(as_text=True)
    r = sign_in(c, "指挥李四")  # even the right password waits now
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    # another account is not locked by it
    assert sign_in(app.test_client(), "值班员张三").status_code == 302
    kinds = [e["kind"] for e in users.security_log(store) if e["subject"] == "指挥李四"]
    assert kinds.count("sign_in_failed") == 5 and "sign_in_throttled" in kinds


def test_a_locked_account_still_lets_the_right_password_in_from_an_address_that_never_failed(app, clock, store):
    """Five wrong passwords from one address no longer lock the commander out everywhere."""
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "127.0.0.66"
    for _ in range(5):
        assert sign_in(attacker, "指挥李四", WRONG).status_code == 401
    assert sign_in(attacker, "指挥李四").status_code == 429          # the failing address waits, right password or not
    commander = app.test_client()                                     # the commander's own machine
    assert sign_in(commander, "指挥李四").status_code == 302
    # the failing address's wait grows with its failures: 30 s doubled for each after the first (30 s × 2⁴ after
    # five), at most what is left of the 15-minute window
    # (Flask-Limiter rewrites Retry-After on a 429 and may take a second off: the check allows it)
    assert 8 * 60 - 1 <= int(sign_in(attacker, "指挥李四", WRONG).headers["Retry-After"]) <= 8 * 60
    clock.advance(minutes=8)
    assert sign_in(attacker, "指挥李四", WRONG).status_code == 401            # its turn again: a sixth failure
    assert 7 * 60 - 1 <= int(sign_in(attacker, "指挥李四", WRONG).headers["Retry-After"]) <= 7 * 60  # 16 min, cut


def test_the_administrator_sees_locked_accounts_and_unlocks_them(app, clock, store):
    from tests.integration.security.conftest import csrf_of
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "127.0.0.66"
    for _ in range(5):
        sign_in(attacker, "指挥李四", WRONG)
    assert [a["name"] for a in users.locked_accounts(store, clock.now())] == ["指挥李四"]
    admin = app.test_client()
    assert sign_in(admin, "管理员甲").status_code == 302
    page = admin.get("/admin/").get_data(as_text=True)
    assert 'data-locked="指挥李四"' in page and "127.0.0.66" in page
    r = admin.post("/admin/locked/指挥李四", data={"csrf_token": csrf_of(admin, "/admin/")})
    assert r.status_code == 302 and users.locked_accounts(store, clock.now()) == []
    assert sign_in(attacker, "指挥李四").status_code == 302                # unlocked: the count starts again
    assert any(e["kind"] == "account_unlocked" and e["actor"] == "管理员甲" for e in users.security_log(store))
    assert app.test_client().post("/admin/locked/指挥李四").status_code in (302, 400, 403)  # never by a stranger


def test_a_name_with_bidi_controls_is_recorded_without_them(app, store):
    sign_in(app.test_client(), "\u202e四李挥指", WRONG)
    subjects = [e["subject"] for e in users.security_log(store) if e["kind"] == "sign_in_failed"]
    assert subjects and all("\u202e" not in (s or "") for s in subjects) and "四李挥指" in subjects


def test_the_lock_lifts_when_the_window_has_passed(app, clock):
    c = app.test_client()
    for _ in range(5):
        sign_in(c, "指挥李四", WRONG)
    clock.advance(minutes=15, seconds=1)
    assert sign_in(c, "指挥李四").status_code == 302


def test_an_unknown_name_and_a_wrong_password_get_the_same_answer(app):
    a = sign_in(app.test_client(), "nobody-here", WRONG)
    b = sign_in(app.test_client(), "指挥李四", WRONG)
    assert a.status_code == b.status_code == 401
    message = lambda r: r.get_data(as_text=True).split('role="alert">')[1].split("<")[0]  # noqa: E731
    assert message(a) == message(b) == "用户名或密码不正确"
    english = app.test_client()
    english.get("/lang/en")  # the switch works before sign-in, and the refusal is in the chosen language
    assert message(sign_in(english, "nobody-here", WRONG)) == "Name or password is wrong"


def test_sign_ins_are_recorded_with_who_when_and_from_where(app, store):
    sign_in(app.test_client(), "指挥李四", WRONG)
    sign_in(app.test_client(), "指挥李四")
    failed, ok = [e for e in users.security_log(store) if e["subject"] == "指挥李四"][:2][::-1]
    assert failed["kind"] == "sign_in_failed" and ok["kind"] == "sign_in"
    assert failed["addr"] == "127.0.0.1" and failed["at"] == "2026-11-22T09:00:00+08:00"


def test_a_client_address_is_throttled_by_flask_limiter(tmp_path, clock):
    app = new_app({"DATABASE": str(tmp_path / "rl.db"), "SECRET_KEY": KEY, "CLOCK": clock,
                      "LOGIN_RATE_LIMIT": "3 per minute"})
    c = app.test_client()
    codes = [sign_in(c, f"name{i}", WRONG).status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]


def test_a_copied_session_cookie_stops_working_after_sign_out(signed_in, app):
    c = signed_in()
    cookie = c.get_cookie("session").value
    token = c.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    c.post("/logout", data={"csrf_token": token})
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/").status_code == 302


def test_disable_role_change_and_password_reset_end_sessions_at_once(signed_in, store, clock):
    for change in (lambda: users.set_disabled(store, "值班员张三", True, clock),
                   lambda: users.set_role(store, "值班员张三", "observer", clock),
                   lambda: users.reset_password(store, "值班员张三", "another-password-1", clock)):
        users.set_disabled(store, "值班员张三", False, clock)
        users.reset_password(store, "值班员张三", PASSWORD, clock)
        c = signed_in("值班员张三")
        assert c.get("/").status_code == 200
        change()
        assert c.get("/").status_code == 302


def test_sign_out_everywhere_ends_every_session_of_the_user(signed_in, store, clock):
    a, b = signed_in(), signed_in()
    token = a.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    a.post("/logout-everywhere", data={"csrf_token": token})
    assert b.get("/").status_code == 302


def test_a_session_idle_past_the_shift_expires(signed_in, clock):
    c = signed_in()
    clock.advance(hours=11, minutes=59)
    assert c.get("/").status_code == 200
    clock.advance(hours=12, minutes=1)
    assert c.get("/").status_code == 302


def test_tokens_expire_can_be_revoked_and_record_their_last_use(app, store, clock):
    token = users.create_token(store, "指挥李四", clock, days=1)
    c = app.test_client()
    h = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/incidents", headers=h).status_code == 200
    (row,) = [t for t in users.list_tokens(store, "指挥李四") if t["last_used_at"]]
    assert row["last_used_at"] == "2026-11-22T09:00:00+08:00"
    users.revoke_token(store, row["id"], clock)
    assert c.get("/api/incidents", headers=h).status_code == 401
    other = users.create_token(store, "指挥李四", clock, days=1)
    clock.advance(days=1)
    assert c.get("/api/incidents", headers={"Authorization": f"Bearer {other}"}).status_code == 401


def test_a_disabled_users_token_stops_working(app, store, clock):
    token = app.config["TEST_TOKENS"]["值班员张三"]
    h = {"Authorization": f"Bearer {token}"}
    c = app.test_client()
    assert c.get("/api/incidents", headers=h).status_code == 200
    users.set_disabled(store, "值班员张三", True, clock)
    assert c.get("/api/incidents", headers=h).status_code == 401


def test_cli_manages_users_and_tokens_with_exit_codes(app):
    db = app.config["DATABASE"]

    def run(*args, stdin=None):
        return emergency(*args, "--db", db, stdin=stdin)

    assert run("user", "set-role", "值班员张三", "commander").returncode == 0
    assert run("user", "set-role", "值班员张三", "king").returncode == 2
    assert run("user", "disable", "nobody").returncode == 2
    assert run("user", "reset-password", "值班员张三", "--password-stdin", stdin="short\n").returncode == 2
    assert run("user", "reset-password", "值班员张三", "--password-stdin", stdin="long-enough-pw\n").returncode == 0
    created = run("token", "create", "指挥李四", "--days", "7")
    assert created.returncode == 0 and created.stdout.startswith("emg_")
    listing = run("token", "list", "--user", "指挥李四")
    token_id = [line.split()[0] for line in listing.stdout.splitlines() if "7" in line][-1]
    assert run("token", "revoke", token_id).returncode == 0
    assert "revoked" in run("token", "list", "--user", "指挥李四").stdout
    assert run("token", "revoke", "tok-nope").returncode == 2
    out = run("user", "list").stdout
    assert "值班员张三" in out and "commander" in out


def test_clock_is_the_apps(app):
    assert isinstance(app.config["CLOCK"], FixedClock)


def _behind_the_proxy(client, forwarded: str):
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"                # every client arrives from the proxy's address
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded


def test_behind_a_configured_proxy_the_lockout_keys_on_the_client_not_the_proxy(tmp_path, clock):
    """Behind the reverse proxy the README recommends, every sign-in came from the proxy's address, so five wrong
    passwords from anyone locked the commander out for everyone. With ``PROXY_HOPS`` the client's forwarded address
    is the one throttled; a correct password from a clean client signs in."""
    from tests.conftest import app_with_users
    app = app_with_users(str(tmp_path / "proxy.db"), clock, SECRET_KEY=KEY, LOGIN_RATE_LIMIT="1000 per minute",
                         PROXY_HOPS=1)
    attacker, commander = app.test_client(), app.test_client()
    _behind_the_proxy(attacker, "203.0.113.9")
    _behind_the_proxy(commander, "198.51.100.7")
    for _ in range(5):
        assert sign_in(attacker, "指挥李四", WRONG).status_code == 401
    assert sign_in(attacker, "指挥李四").status_code == 429
    assert sign_in(commander, "指挥李四").status_code == 302


def test_a_forwarded_address_is_not_believed_without_a_configured_proxy(app):
    """Off by default: a client that names another address in X-Forwarded-For is still throttled on its own."""
    attacker = app.test_client()
    for n in range(5):
        _behind_the_proxy(attacker, f"203.0.113.{n}")
        assert sign_in(attacker, "指挥李四", WRONG).status_code == 401
    _behind_the_proxy(attacker, "198.51.100.200")
    assert sign_in(attacker, "指挥李四").status_code == 429


def test_a_pages_fetch_never_puts_back_an_older_session_cookie(app):
    """A fetch the page made (the live classification, a poll) answered with the cookie as it read it: one started
    before a form was sent and finished after put back the cookie without the form's flash (事件已登记 not seen).
    A fetch under /api/ sends no cookie unless it changed the session; a page load still refreshes it."""
    c = app.test_client()
    assert sign_in(c, "值班员张三").status_code == 302
    api = c.get("/api/incidents")
    assert api.status_code == 200 and "Set-Cookie" not in api.headers
    assert "session=" in c.get("/").headers.get("Set-Cookie", "")
