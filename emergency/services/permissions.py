"""Who may do what to whose item (权限): one table of actions and one ``authorize``.

Every action the console, the API and the CLI offer is named in ``ACTIONS``, reads included, with the roles allowed
it and the relation the actor's office must have to the thing acted on (``RELATIONS``). ``authorize(actor, action,
resource)`` is the only place that decides: the web layer's gate calls it for the action of every route before the
view runs (the role), and each service calls it again with the thing it has loaded (the office's relation to it).
A resource the actor may not see is ``NotFound`` (404); an action it may not take there is ``Forbidden`` (403).

Who may fire a plan's own step is plan data, folded in and never copied: each transition's ``roles`` and the
lifecycle's ``record_roles`` (recording an incident and the record steps); a drill controller may act on any drill
incident. The office relations below are this service's decisions where the plans say nothing (each written beside
its relation); the plans name bodies, never who at a console may sign for them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from emergency.core.errors import EmergencyError, NotFound, Said
from emergency.core.roles import ROLES
from emergency.response.lifecycle import FOLLOW_UP_TRIGGERS, RECORD_TRIGGERS, REPORT_TRIGGER, SERVER_TRIGGERS, step_label
from emergency.plans.model import Plan


class Actor(NamedTuple):
    """Who acts: the sign-in name recorded on the event, the role that decides what they may do, and their office
    (a user with no unit works for the instance's duty room: the caller resolves it)."""
    name: str
    role: str
    office: str | None = None


class Forbidden(EmergencyError):
    """The actor may not take this action on this item (HTTP 403)."""
    kind = "forbidden"


ALL = frozenset(ROLES)
OFFICERS = frozenset({"duty_officer", "commander"})
PLAN = None   # the roles are the plan's: its transition's ``roles`` or its lifecycle's ``record_roles``


@dataclass(frozen=True)
class Action:
    """One thing a person may do: ``words`` (what it is called in a refusal), ``roles`` (``PLAN``: the plan's),
    ``relation`` (a key of ``RELATIONS``) and whether it is a ``read`` (a read refused by relation is a 404)."""
    words: str
    roles: frozenset[str] | None
    relation: str = "any"
    read: bool = False
    # also a drill controller's on a drill's own things (a drill incident, a drill's handover)
    drills_too: bool = False


# The relations an actor's office may need to the resource. Each is decided here (the plans name no console roles).
RELATIONS = {
    "public": "不需登录",
    "any": "任何单位",
    # a shift's log, its entries, its handovers and an office's swaps are that office's: another office does not see
    # them at all (404), as a paper 值班日志 stays in its own room
    "office": "本单位",
    # a task is signed for, reported on and finished by the office it was given to; the office that gave it may
    # record the receiver's call on its behalf (naming the caller, the engine's rule); nobody else (a third office
    # recorded another's 办结 with any name it liked)
    "task": "任务的承办单位或下达、移交该任务的单位",
    # 交班 is signed by an officer or the 带班领导 of the ending shift's crew; 接班 by one of the next shift's crew,
    # within the time the handover page offers it. An office without a roster (未排班) has no crew to check: any of
    # its officers signs. A roster names people, so a user is on a crew when the sign-in name is the roster's name.
    "crew": "该班次的值班员或带班领导",
    "next_crew": "下一班次的值班员或带班领导",
    # a swap is decided by a commander of the office who is neither party to it (nobody approves their own swap)
    "decider": "本单位不是换班当事人的指挥",
}

ACTIONS: dict[str, Action] = {
    "public": Action("打开登录页", ALL, "public", read=True),
    "session": Action("退出登录", ALL, read=True),
    # reads: every role of every office sees the plans, the incidents, the directory and the drills
    "plans.read": Action("查看预案", ALL, read=True),
    "incidents.read": Action("查看事件", ALL, read=True),
    "documents.read": Action("查看书面报告", ALL, read=True),
    "directory.read": Action("查看通讯录和值班表", ALL, read=True),
    "directory.personal": Action("查看个人手机号码", ALL - {"observer"}, read=True),
    "drills.read": Action("查看演练", ALL, read=True),
    "shift.read": Action("查看值班日志和交接班", ALL, "office", read=True),
    "intake.read": Action("查看接报登记", ALL, read=True),
    # incidents: the plan's roles
    "incident.report": Action("接报登记", PLAN),
    "incident.act": Action("处置事件", PLAN),
    "report.issue": Action("签发书面报告", PLAN),
    "task.follow_up": Action("签收、反馈、办结任务", PLAN, "task"),
    # the shift
    "shift.write": Action("记录值班日志", OFFICERS, "office"),
    "handover.sign_out": Action("交班签字", OFFICERS, "crew"),
    "drill.handover": Action("演练中交班签字", OFFICERS, "crew", drills_too=True),
    "handover.sign_in": Action("接班签字", OFFICERS, "next_crew", drills_too=True),
    # the roster
    "roster.generate": Action("按规则排班", frozenset({"administrator", "commander"}), "office"),
    "swap.request": Action("申请换班", OFFICERS, "office"),
    "swap.decide": Action("审批换班", frozenset({"commander"}), "decider"),
    # drills
    "drills.run": Action("组织演练", frozenset({"drill_controller", "commander"})),
    "drills.clock": Action("推进演练时钟", frozenset({"drill_controller", "commander", "duty_officer"})),
    # administration
    "directory.manage": Action("维护通讯录和值班表", frozenset({"administrator"})),
    "admin": Action("管理用户和安全日志", frozenset({"administrator"})),
}


@dataclass
class IncidentStep:
    """A step on an incident (or a new one): the plan it is of, whether it is a drill's, and the trigger."""
    plan: Plan | None
    drill: bool
    trigger: str
    candidates: list[Plan] = field(default_factory=list)   # no plan chosen yet (an intake): any of these


@dataclass
class TaskOf:
    """A task of an incident: the office it was given to (``unit``) and the office that gave it (``giver``)."""
    plan: Plan
    drill: bool
    trigger: str
    unit: str
    giver: str


@dataclass
class OfficeThing:
    """Something an office keeps: a shift entry, a handover, a swap (``private``: seen by that office alone), a month
    of the roster (seen by everyone: the roster is read by every office)."""
    office: str | None
    private: bool = True


@dataclass
class Crew(OfficeThing):
    """A shift's crew: its officers and 带班领导 by the roster's names (``rostered`` False: an office without a
    roster, whose shift has no crew to check; ``drill``: a drill's shift change, whose crew is its participants)."""
    officers: list[str] = field(default_factory=list)
    leader: str = ""
    rostered: bool = False
    drill: bool = False


@dataclass
class Swap(OfficeThing):
    """A swap of the office's roster and the people party to it (who asked, who gives, who takes)."""
    parties: tuple[str, ...] = ()


def plan_roles(role: str, trigger: str, drill: bool, plan: Plan) -> bool:
    """Whether ``role`` may fire ``trigger`` (``report`` = record an incident) on a real or drill incident of
    ``plan``: the plan's lifecycle says who may fire each transition (``roles``) and who records (``record_roles``:
    the report and the record steps; a task is given by a commander alone); a drill controller may act on any drill
    incident."""
    if role == "drill_controller" and drill:
        return True
    if trigger == "assign_task":  # a commander gives tasks to member units
        return role == "commander" and role in plan.lifecycle.record_roles
    if (trigger in FOLLOW_UP_TRIGGERS or trigger == REPORT_TRIGGER or trigger in SERVER_TRIGGERS
            or trigger in RECORD_TRIGGERS):
        return role in plan.lifecycle.record_roles
    return role in plan.lifecycle.roles_for(trigger)


def _roles_allow(actor: Actor, rule: Action, resource: Any) -> bool:
    if rule.roles is not PLAN:
        # a drill controller's too on a drill's own things; before they are loaded (the gate), the service decides
        drill = bool(getattr(resource, "drill", False)) or resource is None
        return actor.role in rule.roles or (rule.drills_too and drill and actor.role == "drill_controller")
    if isinstance(resource, (IncidentStep, TaskOf)):
        plans = [resource.plan] if resource.plan is not None else getattr(resource, "candidates", [])
        return any(plan_roles(actor.role, resource.trigger, resource.drill, p) for p in plans)
    return True   # the gate, before the thing is loaded: the service decides with the plan


def _relation_holds(actor: Actor, relation: str, resource: Any) -> bool:
    if resource is None or relation in ("any", "public"):
        return True
    if relation == "task":
        return actor.office in (resource.unit, resource.giver) and bool(actor.office)
    if relation == "office":
        return actor.role == "administrator" or resource.office == actor.office
    if relation in ("crew", "next_crew"):   # another office's shift is not seen at all (``_seen``)
        return (not resource.rostered or resource.drill
                or actor.name in resource.officers or (bool(resource.leader) and actor.name == resource.leader))
    if relation == "decider":
        return resource.office == actor.office and actor.name not in resource.parties
    raise ValueError(f"unknown relation {relation!r}")


def _seen(actor: Actor, resource: Any) -> bool:
    """Whether the resource is the actor's to see at all: an office's own things are seen by that office alone
    (an administrator sees every office's, to help it)."""
    if isinstance(resource, OfficeThing) and resource.private and not getattr(resource, "drill", False):
        return actor.role == "administrator" or resource.office == actor.office
    return True


def allowed(actor: Actor, action: str, resource: Any = None) -> bool:
    """Whether ``authorize`` would let it through (for showing a button or a field, never instead of it)."""
    try:
        authorize(actor, action, resource)
    except (Forbidden, NotFound):
        return False
    return True


def authorize(actor: Actor, action: str, resource: Any = None) -> None:
    """Let ``actor`` take ``action`` on ``resource`` (None: the role alone, as the web gate checks before the thing is
    loaded), or raise: ``NotFound`` when the resource is another office's to see, ``Forbidden`` when the role or the
    office's relation to it does not allow the action. An action missing from ``ACTIONS`` is a programming error."""
    rule = ACTIONS[action]
    if rule.relation == "public":
        return
    if not _roles_allow(actor, rule, resource):   # as the gate says before anything is loaded
        raise _refusal(actor, action, resource)
    if resource is not None and not _seen(actor, resource):
        raise NotFound(_kind(resource), "")
    if not _relation_holds(actor, rule.relation, resource):
        if rule.read:
            raise NotFound(_kind(resource), "")
        raise Forbidden("%(action)s须由%(who)s办理", action=Said(rule.words, action),
                        who=Said(RELATIONS[rule.relation], rule.relation))


def _kind(resource: Any) -> str:
    return {Crew: "handover", Swap: "swap"}.get(type(resource), "record")


def _refusal(actor: Actor, action: str, resource: Any) -> Forbidden:
    role = Said(ROLES.get(actor.role, actor.role), actor.role)
    if isinstance(resource, (IncidentStep, TaskOf)) and resource.plan is not None:
        return Forbidden("%(role)s无权执行“%(step)s”", role=role,
                         step=Said(step_label(resource.plan, resource.trigger), resource.trigger))
    return Forbidden("%(role)s无权%(action)s", role=role, action=Said(ACTIONS[action].words, action))
