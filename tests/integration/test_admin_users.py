"""The administrator manages users in the console (add, change role, reset a password, disable and
enable), every change in the security log with who made it; nobody else may, and an administrator cannot lock
themselves out."""
import re

from emergency.store import open_store
from emergency.services.users import add_user, get_user
from tests.conftest import PASSWORD, signed_in


def admin(app, clock):
    store = open_store(app.config["DATABASE"])
    add_user(store, "管理员钱七", "administrator", PASSWORD, clock)
    store.close()
    return signed_in(app, "管理员钱七")


def flashes(client) -> list[str]:
    return re.findall(r'class="flash (?:ok|error)"[^>]*>([^<]*)', client.get("/admin/").get_data(as_text=True))


def stored(app, name):
    store = open_store(app.config["DATABASE"])
    try:
        return get_user(store, name)
    finally:
        store.close()


def test_an_administrator_adds_changes_and_disables_a_user(app, clock):
    boss = admin(app, clock)
    r = boss.post("/admin/users", data={"name": "值班员孙八", "role": "duty_officer", "password": "new-user-password-1",
                                        "csrf_token": boss.csrf})
    assert r.status_code == 302 and stored(app, "值班员孙八")["role"] == "duty_officer"
    boss.post("/admin/users", data={"name": "值班员孙八", "role": "commander", "password": "another-password-2",
                                    "csrf_token": boss.csrf})
    assert "已有此用户" in " ".join(flashes(boss)) and stored(app, "值班员孙八")["role"] == "duty_officer"  # not reset
    boss.post("/admin/users", data={"name": "值班员周九", "role": "duty_officer", "password": "short", "csrf_token": boss.csrf})
    assert "密码：至少10个字符" in " ".join(flashes(boss)) and stored(app, "值班员周九") is None
    boss.post("/admin/users/值班员孙八", data={"role": "commander", "csrf_token": boss.csrf})
    assert stored(app, "值班员孙八")["role"] == "commander"
    boss.post("/admin/users/值班员孙八", data={"password": PASSWORD, "csrf_token": boss.csrf})
    signed_in(app, "值班员孙八")                                           # the reset password works
    boss.post("/admin/users/值班员孙八", data={"disabled": "1", "csrf_token": boss.csrf})
    assert stored(app, "值班员孙八")["disabled"] == 1
    refused = app.test_client()
    page = refused.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused.post("/login", data={"name": "值班员孙八", "password": PASSWORD, "csrf_token": token})
    assert "whoami" not in refused.get("/").get_data(as_text=True)        # a disabled user cannot sign in
    boss.post("/admin/users/值班员孙八", data={"disabled": "0", "csrf_token": boss.csrf})
    assert stored(app, "值班员孙八")["disabled"] == 0
    log = boss.get("/admin/").get_data(as_text=True)
    for word in ("新建用户", "角色变更", "重置密码", "停用用户", "启用用户"):
        assert word in log
    store = open_store(app.config["DATABASE"])
    actors = {r[0] for r in store.db.execute(
        "SELECT actor FROM audit WHERE subject = '值班员孙八' AND kind IN "
        "('user_created', 'role_changed', 'password_reset', 'user_disabled', 'user_enabled')")}
    assert actors == {"管理员钱七"}
    store.close()


def test_an_administrator_cannot_lock_themselves_out_and_nobody_else_manages_users(app, clock):
    boss = admin(app, clock)
    boss.post("/admin/users/管理员钱七", data={"disabled": "1", "csrf_token": boss.csrf})
    boss.post("/admin/users/管理员钱七", data={"role": "observer", "csrf_token": boss.csrf})
    assert stored(app, "管理员钱七")["disabled"] == 0 and stored(app, "管理员钱七")["role"] == "administrator"
    assert "不能停用自己" in " ".join(flashes(boss))
    commander = signed_in(app, "指挥李四")
    r = commander.post("/admin/users", data={"name": "x1", "role": "administrator", "password": "long-enough-pass",
                                             "csrf_token": commander.csrf})
    assert r.status_code == 403 and stored(app, "x1") is None
    assert commander.post("/admin/users/值班员张三", data={"disabled": "1", "csrf_token": commander.csrf}).status_code == 403


def test_an_administrator_sets_the_office_a_user_works_for(app, clock):
    """The office is set on the admin page as on the command line; a unit the plans do not name is refused
    in Chinese (a typo would leave the user with no items of their own), and the change is in the security log."""
    boss = admin(app, clock)
    boss.post("/admin/users", data={"name": "应急局值班员孙八", "role": "duty_officer", "unit": "区应急管理局",
                                    "password": "new-user-password-1", "csrf_token": boss.csrf})
    assert stored(app, "应急局值班员孙八")["unit"] == "区应急管理局"
    page = boss.get("/admin/").get_data(as_text=True)
    assert re.search(r'data-user="应急局值班员孙八">.*?class="user-unit"><span lang="zh-CN">区应急管理局<', page)
    assert '<option value="海门生态环境局">' in page                       # the offices to choose from
    boss.post("/admin/users/应急局值班员孙八", data={"unit": "海门区不存在局", "csrf_token": boss.csrf})
    assert "“海门区不存在局”不是预案或通讯录中的单位" in " ".join(flashes(boss))
    assert stored(app, "应急局值班员孙八")["unit"] == "区应急管理局"
    boss.post("/admin/users/应急局值班员孙八", data={"unit": "海门生态环境局", "csrf_token": boss.csrf})
    assert stored(app, "应急局值班员孙八")["unit"] == "海门生态环境局"
    boss.post("/admin/users/应急局值班员孙八", data={"unit": "", "csrf_token": boss.csrf})   # back to the duty room
    assert stored(app, "应急局值班员孙八")["unit"] is None
    log = boss.get("/admin/").get_data(as_text=True)
    assert "单位变更" in log and "None" not in log
