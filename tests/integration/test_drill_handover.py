"""A shift change in a drill: the inject fires on the drill's clock, the participants hand over and sign
for it on that clock, and the after-action report says whether the handover carried what was open."""
import re

from emergency.services import drill_runs as dr
from emergency.store import open_store

from tests.conftest import signed_in


def _drill_at_the_shift_change(app, clock):
    store = open_store(app.config["DATABASE"])
    drill = dr.create_drill(store, "hc-night-handover", "导调王五", clock)
    dr.control(store, drill["id"], "start", clock)
    dr.control(store, drill["id"], "speed", clock, speed=60)
    clock.advance(seconds=41)                    # T+41: 08:31 on the drill's clock
    drill = dr.advance(store, drill["id"], clock)
    store.close()
    return drill


def test_the_shift_change_fires_and_the_handover_is_signed_on_the_drills_clock(app, clock):
    drill = _drill_at_the_shift_change(app, clock)
    assert dr.shift_change_at(drill) == "2026-03-16T08:30:00+08:00"
    outgoing = signed_in(app, "值班员张三")
    panel = outgoing.get(f"/drills/{drill['id']}").get_data(as_text=True)
    assert 'id="go-drill-handover"' in panel
    draft = outgoing.get(f"/drills/{drill['id']}/handover").get_data(as_text=True)
    assert "演练交班" in draft and "03-16 07:50—03-16 08:30" in draft
    assert "【演练】某化工企业反应釜泄漏" in draft and 'data-key="incident:' in draft
    signed = outgoing.post(f"/drills/{drill['id']}/handover", data={"csrf_token": outgoing.csrf,
                                                                     "remarks": "反应釜仍在泄漏"})
    handover_id = signed.headers["Location"].rsplit("/", 1)[1]
    home = outgoing.get("/").get_data(as_text=True)
    assert "交接班待接班签字" not in home          # a drill's handover raises nothing on the real home page
    incoming = signed_in(app, "指挥李四")
    incoming.post(f"/shift/handover/{handover_id}/sign-in", data={"csrf_token": incoming.csrf})
    view = incoming.get(f"/shift/handover/{handover_id}").get_data(as_text=True)
    assert "03-16 08:3" in re.search(r'id="signed-in">(.*?)</p>', view, re.S).group(1)   # the drill's clock
    report = incoming.get(f"/drills/{drill['id']}/report").get_data(as_text=True)
    assert "交接班列明了接班时未结的全部" in report


def test_an_item_opened_after_the_handover_was_signed_out_is_reported_as_left_out(app, clock):
    drill = _drill_at_the_shift_change(app, clock)
    outgoing = signed_in(app, "值班员张三")
    signed = outgoing.post(f"/drills/{drill['id']}/handover", data={"csrf_token": outgoing.csrf})
    handover_id = signed.headers["Location"].rsplit("/", 1)[1]
    outgoing.post("/shift/entries", data={"csrf_token": outgoing.csrf, "kind": "instruction", "leader": "区长",
                                          "text": "真实批示，不属演练"})   # a real entry is not the drill's
    store = open_store(app.config["DATABASE"])
    store.shifts.add({"office": "海门区政府总值班室", "at": "2026-03-16T08:31:00+08:00", "kind": "instruction",
                      "text": "演练：请核实下风向居民疏散", "leader": "区长", "drill": True, "drill_id": drill["id"],
                      "recorded_by": "值班员张三", "recorded_at": "2026-03-16T08:31:00+08:00"})
    store.close()
    incoming = signed_in(app, "指挥李四")
    incoming.post(f"/shift/handover/{handover_id}/sign-in", data={"csrf_token": incoming.csrf})
    report = incoming.get(f"/drills/{drill['id']}/report").get_data(as_text=True)
    assert "交接班漏列了接班时未结的1项事项：领导批示未落实：区长批示：演练：请核实下风向居民疏散" in report
    assert "真实批示" not in report


def test_a_drill_whose_shift_change_nobody_handed_over_says_so(app, clock):
    drill = _drill_at_the_shift_change(app, clock)
    report = signed_in(app, "导调王五").get(f"/drills/{drill['id']}/report").get_data(as_text=True)
    assert "演练中的交接班未完成：未交班签字。" in report
