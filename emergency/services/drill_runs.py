"""Running drills: the simulated clock kept in the store, injects fired on it, and controls.

A drill's clock is ``sim_anchor`` plus the real time since ``real_anchor`` times ``speed``
while running. Injects fire when the scenario minute reaches them; each is recorded through
the ordinary incident services and stamped with its scheduled simulated time. Everything a
drill creates is a drill incident (``drill=True``), grouped as one event by the drill's id.
"""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from emergency.services import incidents as service, intake as intakes
from emergency.core.clock import Clock, FixedClock, SimulatedClock, format_time, parse_time
from emergency.response.drills import (Scenario, parse_scenario_yaml, timeline, variant, at_boundary as
                                       drills_at_boundary)
from emergency.core.wording import N_
from emergency.core.errors import InputError, NotFound, Refused, StaleVersion
from emergency.core.incident import Snapshot
from emergency.store import UnitOfWork

CONTROLLER = "导调"
SPEEDS = (1, 5, 10, 30, 60)


def scenario_library(store: UnitOfWork) -> dict[str, Scenario]:
    """The scenario files plus the scenarios controllers wrote in the browser."""
    out = dict(store.plans.scenarios)
    for scenario_id, text in store.drills.scenario_texts():
        out[scenario_id] = parse_scenario_yaml(text, store.plans, f"scenario {scenario_id}")
    return out


def save_scenario(store: UnitOfWork, text: str, actor: str, clock: Clock) -> Scenario:
    """Validate a scenario written in the browser and keep it. Raises PlanFileError naming the problem."""
    if len(text) > 100_000:
        raise InputError("yaml", "太长（最多100,000个字符）")
    sc = parse_scenario_yaml(text, store.plans, "scenario")
    if sc.id in store.plans.scenarios:
        raise InputError("id", "“%(id)s”是预案库自带的场景，请换一个编号", id=sc.id)
    store.drills.save_scenario(sc.id, text, actor, format_time(clock.now()))
    return sc


def _row(store: UnitOfWork, drill_id: str) -> dict[str, Any]:
    d = store.drills.get(drill_id)
    d["scenario"] = Scenario.model_validate_json(d["scenario"], context={"plans": store.plans})
    return d


def get_drill(store: UnitOfWork, drill_id: str) -> dict[str, Any]:
    return _row(store, drill_id)


def list_drills(store: UnitOfWork) -> list[dict[str, Any]]:
    return [_row(store, i) for i in store.drills.ids()]


def drill_clock(drill: dict[str, Any], real: Clock) -> SimulatedClock:
    return SimulatedClock(parse_time(drill["sim_anchor"], "sim_anchor"), real, speed=drill["speed"],
                          running=drill["status"] == "running", real_anchor=parse_time(drill["real_anchor"], "real_anchor"))


# a drill's status in words (the drill pages use the same)
DRILL_STATUS = {"ready": N_("待开始"), "running": N_("进行中"), "paused": N_("已暂停"), "finished": N_("已结束")}


def create_drill(store: UnitOfWork, scenario_id: str, actor: str, real: Clock, seed: int | None = None,
                 start: str | None = None, boundary: bool = False, at_boundary: bool = False) -> dict[str, Any]:
    """A new drill (ready, not running) from a scenario, optionally as a seeded variant (``boundary``:
    figures may jump to any of the plan's level bounds, not only next to their own), and optionally placed one
    step below its nearest boundary with the step injected (``at_boundary``, which boundary and which
    step are in the drill's variation)."""
    for name, flag in (("boundary", boundary), ("at_boundary", at_boundary)):
        if not isinstance(flag, bool):
            raise InputError(name, "须为是或否（true/false）")
    if boundary and seed is None:
        raise InputError("boundary", "临界演练是随机变体，须同时给出随机种子")
    library = scenario_library(store)
    if scenario_id not in library:
        raise NotFound("scenario", scenario_id, sorted(library))
    scenario, variation = library[scenario_id], None
    if seed is not None:
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 2**31:
            raise InputError("seed", "须为0至2147483648的整数")
        scenario, variation = variant(scenario, seed, store.plans, boundary=boundary)
    if at_boundary:
        scenario, step = drills_at_boundary(scenario, store.plans)
        variation = {**(variation or {}), **step}
    t0 = parse_time(start or scenario.start, "start")
    drill_id = "drl-" + secrets.token_hex(4)
    now = real.now()
    store.drills.insert({
            "id": drill_id, "scenario_id": scenario.id, "title": scenario.title,
            "scenario": scenario.model_dump_json(), "seed": seed, "variation": json.dumps(variation, ensure_ascii=False),
            "status": "ready", "speed": 1.0, "sim_anchor": format_time(t0), "real_anchor": format_time(now),
            "start": format_time(t0), "fired": 0, "log": "[]", "created_at": format_time(now), "created_by": actor,
            "finished_at": None, "version": 1,
    })
    return _row(store, drill_id)


def _update(store: UnitOfWork, drill: dict[str, Any], **changes) -> dict[str, Any]:
    if not store.drills.update(drill["id"], drill["version"], changes):
        raise Refused("演练状态已被他人改变，请刷新")
    return _row(store, drill["id"])


def control(store: UnitOfWork, drill_id: str, action: str, real: Clock, speed: Any = None) -> dict[str, Any]:
    """Start | pause | resume | speed | finish. Fires what is due before each change.

    ``speed`` goes with ``start`` (start at that speed) or ``speed``; with any other action it is refused.
    """
    if speed not in (None, "") and action not in ("start", "speed"):
        raise InputError("speed", "倍速只能在开始或调整倍速时设置")
    speed = None if speed == "" else speed
    drill = advance(store, drill_id, real)
    clock = drill_clock(drill, real)
    now_real, sim = real.now(), clock.now()
    status = drill["status"]
    if action == "start":
        if status != "ready":
            raise Refused("演练当前为“%(status)s”，只有待开始的演练可以开始", status=DRILL_STATUS.get(status, status))
        changes = {"status": "running", "real_anchor": format_time(now_real)}
        if speed is not None:  # start at a chosen speed (it was silently ignored before)
            changes["speed"] = _speed(speed)
        drill = _update(store, drill, **changes)
    elif action == "pause":
        if status != "running":
            raise Refused("演练当前为“%(status)s”，只有进行中的演练可以暂停", status=DRILL_STATUS.get(status, status))
        drill = _update(store, drill, status="paused", sim_anchor=format_time(sim), real_anchor=format_time(now_real))
    elif action == "resume":
        if status != "paused":
            raise Refused("演练当前为“%(status)s”，只有已暂停的演练可以继续", status=DRILL_STATUS.get(status, status))
        drill = _update(store, drill, status="running", real_anchor=format_time(now_real))
    elif action == "speed":
        drill = _update(store, drill, speed=_speed(speed), sim_anchor=format_time(sim),
                        real_anchor=format_time(now_real))
    elif action == "finish":
        if status == "finished":
            raise Refused("演练已结束")
        drill = _update(store, drill, status="finished", sim_anchor=format_time(sim), real_anchor=format_time(now_real),
                        finished_at=format_time(sim))
    else:
        raise InputError("action", "须为开始、暂停、继续、调整倍速或结束之一")
    return drill


def _speed(speed: Any) -> float:
    try:
        value = float(speed)
    except (TypeError, ValueError):
        raise InputError("speed", "须为1至60的数字") from None
    if not 1 <= value <= 60:
        raise InputError("speed", "须为1至60的数字")
    return value


def advance(store: UnitOfWork, drill_id: str, real: Clock) -> dict[str, Any]:
    """Fire every step that is due on the drill's clock, each stamped with its scheduled time."""
    drill = _row(store, drill_id)
    if drill["status"] in ("ready",):
        return drill
    scenario: Scenario = drill["scenario"]
    t0 = parse_time(drill["start"], "start")
    sim_now = drill_clock(drill, real).now()
    minute = (sim_now - t0).total_seconds() / 60
    steps = timeline(scenario)
    while drill["fired"] < len(steps) and steps[drill["fired"]]["at"] <= minute:
        index = drill["fired"]
        step = steps[index]
        # claim the step first so two requests never fire it twice
        if not store.drills.claim_step(drill_id, index):
            drill = _row(store, drill_id)
            continue
        _fire(store, drill, step, t0 + timedelta(minutes=step["at"]))
        drill = _row(store, drill_id)
    return drill


def _open(store: UnitOfWork, drill: dict[str, Any], inc: dict[str, Any], at: datetime) -> None:
    variation = drill["variation"] or {}
    clock = FixedClock(at)
    if inc.get("intake"):  # the report arrives as an intake: the participants choose the plan
        i = inc["intake"]
        rec = intakes.record(store, {"source": i["source"], "reference": i["reference"], "matter": i["matter"],
                                     "description": i["description"], "caller": i.get("caller", ""),
                                     "place": i.get("place", ""), "received_at": format_time(at), "drill": True},
                             CONTROLLER, clock, drill_id=drill["id"], drill_title=f"【演练】{inc['title']}")
        _log(store, drill["id"], at, f"T+{inc['at']}：{intakes.SOURCES[i['source']]}接报（{rec['id']}），"
                                     "由参演人员判断适用预案并登记事件", inc["key"])
        return
    service.report(store, {
        "plan": inc["plan"], "title": f"【演练】{inc['title']}", "facts": inc["facts"], "drill": True,
        "drill_id": drill["id"], "event_group": drill["id"], "cause": inc.get("cause"),
        "occurred_at": format_time(at - timedelta(minutes=inc["occurred_before"])), "reported_at": format_time(at),
        # a sensitive time raises the response only where the plan says so (环境 四(三)2)
        "sensitive": bool(variation.get("sensitive")) and _raises_when_sensitive(store, inc["plan"]),
    }, CONTROLLER, clock)
    _log(store, drill["id"], at, f"T+{inc['at']}：接报“{inc['title']}”（{inc['plan']}）", inc["key"])


def _raises_when_sensitive(store: UnitOfWork, plan_id: str) -> bool:
    adjustment = store.plans.plan(plan_id).response_adjustment
    return bool(adjustment and adjustment.sensitive_raise)


def _key_to_id(store: UnitOfWork, drill: dict[str, Any], key: str) -> str | None:
    sc: Scenario = drill["scenario"]
    title = next(i.title for i in sc.incidents + [j.open for j in sc.injects if j.open] if i.key == key)
    return next((s.id for s in store.incidents.list(drill=True, drill_id=drill["id"]) if s.title == f"【演练】{title}"), None)


def _fire(store: UnitOfWork, drill: dict[str, Any], step: dict[str, Any], at: datetime) -> None:
    if step["kind"] == "incident":
        _open(store, drill, step["incident"], at)
        return
    inj = step["inject"]
    if inj.get("open"):
        _open(store, drill, inj["open"], at)
    if inj.get("facts") is not None:
        iid = _key_to_id(store, drill, inj["incident"])
        if iid is not None:
            for _ in range(5):  # a participant may be acting at the same moment: retry on a stale version
                snap = store.incidents.get(iid)
                if snap.state in store.plans.lifecycle(snap.plan, snap.plan_version).final:
                    break
                try:
                    service.act(store, iid, "update_facts", snap.version, {"facts": inj["facts"]}, service.INJECTED_BY,
                                FixedClock(at))
                    break
                except StaleVersion:  # read again and retry
                    continue
    _log(store, drill["id"], at, inj["message"], inj.get("incident"), shift_change=bool(inj.get("shift_change")))


def _log(store: UnitOfWork, drill_id: str, at: datetime, message: str, key: str | None, shift_change: bool = False) -> None:
    entry = {"at": format_time(at), "message": message, "incident": key}
    if shift_change:
        entry["shift_change"] = True
    store.drills.append_log(drill_id, entry)


def shift_change_at(drill: dict[str, Any]) -> str | None:
    """When the drill's shift change fired (its inject's time on the drill's clock), or None."""
    return next((e["at"] for e in drill["log"] if e.get("shift_change")), None)


def shift_windows(drill: dict[str, Any], office: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The drill's two shifts either side of its shift change: from the start to the change, and from the change to
    the scenario's end. None when the drill has no shift change (yet)."""
    change = shift_change_at(drill)
    if change is None:
        return None
    end = format_time(parse_time(drill["start"], "start") + timedelta(minutes=drill["scenario"].duration))
    return ({"unit": office, "shift": "演练交班", "starts_at": drill["start"], "ends_at": change, "officers": [],
             "leader": "", "rostered": False},
            {"unit": office, "shift": "演练接班", "starts_at": change, "ends_at": max(end, change), "officers": [],
             "leader": "", "rostered": False})


def drill_view(drill: dict[str, Any], real: Clock) -> dict[str, Any]:
    sc: Scenario = drill["scenario"]
    clock = drill_clock(drill, real)
    t0 = parse_time(drill["start"], "start")
    now = clock.now()
    steps = timeline(sc)
    return {
        "id": drill["id"], "scenario_id": drill["scenario_id"], "title": drill["title"], "status": drill["status"],
        "speed": drill["speed"], "seed": drill["seed"], "variation": drill["variation"], "start": drill["start"],
        "sim_now": format_time(now), "minute": round((now - t0).total_seconds() / 60, 1),
        "duration": sc.duration, "fired": drill["fired"], "version": drill["version"],
        "over_length": max(0, int((now - t0).total_seconds() // 60) - sc.duration)
        if drill["status"] in ("running", "paused") and (now - t0).total_seconds() / 60 >= sc.duration else None,
        "steps": [{"at": s["at"], "kind": s["kind"], "fired": i < drill["fired"],
                   "message": s["inject"]["message"] if s["kind"] == "inject" else f"接报：{s['incident']['title']}"}
                  for i, s in enumerate(steps)],
        "log": drill["log"], "finished_at": drill["finished_at"], "plans": sc.plans, "form": sc.form,
        "shift_change": shift_change_at(drill),
    }


def clock_for(store: UnitOfWork, snap: Snapshot, real: Clock) -> Clock:
    """The clock an incident lives on: its drill's simulated clock, else ``real``.

    A real incident always runs on the real clock, whatever it names; a drill incident whose drill
    is not in the store (the demo incidents) runs on the real clock too.
    """
    if snap.drill and snap.drill_id:
        try:
            return drill_clock(get_drill(store, snap.drill_id), real)
        except NotFound:
            pass
    return real


# ---------------------------------------------------------------- the improvement list (整改事项)

def improvements(store, **filters: Any) -> list[dict[str, Any]]:
    """The improvement items found in drills (by drill, or the open ones)."""
    return store.improvements.list(**filters)


def add_improvement(store, item: dict[str, Any]) -> Any:
    """Register one improvement item (its finding, clause, owner and due date)."""
    return store.improvements.add(item)


def close_improvement(store, item_id: Any, by: str, at: str) -> None:
    """Mark an improvement item done, by whom and when."""
    store.improvements.close(item_id, by, at)
