"""The lifecycle drawn for people (presentation kept out of the engine's lifecycle): the main path as a
large Mermaid flowchart, and every state and transition as a Mermaid state diagram drawn by transitions'
``GraphMachine`` from the same plan data. Pure: text in, text out."""
from __future__ import annotations

from transitions.extensions.diagrams import GraphMachine

from emergency.response.lifecycle import Lifecycle
from emergency.response.registry import guard_words


def _esc(text: str) -> str:
    return text.replace('"', "'").replace("<", "‹").replace(">", "›")


def main_path_chart(machine: Lifecycle, current: str | None = None, allowed: list[str] | tuple = ()) -> str:
    """The main path (plan data ``main_path``) as a top-to-bottom Mermaid flowchart, large and in order:
    each step labelled with the plan's words and its guards with their clauses; the current state
    highlighted and the steps allowed now drawn bold. Side paths are left to ``state_diagram``."""
    main = machine.plan.lifecycle.main_path or machine.states
    labels = {st.name: st.label for st in machine.plan.lifecycle.states}
    lines = ["flowchart TB"] + [f'  {name}["{_esc(labels[name])}"]' for name in main]
    order = {name: i for i, name in enumerate(main)}
    edges, bold = [], []
    for t in machine.specs:
        for src in _main_path_sources(t, order):
            if src == current and t.trigger in allowed:
                bold.append(len(edges))
            edges.append(f'  {src} -->|"{"<br>".join(_esc(w) for w in _step_words(machine, t))}"| {t.dest or src}')
    lines += edges
    lines.append("  classDef step font-size:16px")
    lines.append("  class " + ",".join(main) + " step")
    if current in main:
        lines.append("  classDef current fill:#ffe08a,stroke:#b45309,stroke-width:3px,font-weight:bold")
        lines.append(f"  class {current} current")
    lines += [f"  linkStyle {i} stroke:#0b4f9c,stroke-width:4px" for i in bold]
    return "\n".join(lines)


def _main_path_sources(t, order: dict[str, int]) -> list[str]:
    """Where a step's arrow starts on the main path: one arrow per step, from the latest state before it on the path
    (the rest is the full diagram's); a step that stays put is drawn only for 升降级 (a level change)."""
    sources = [src for src in t.source if src in order]
    if t.dest is None:
        return sources if t.trigger == "change_level" else []
    if t.dest not in order:
        return []
    forward = [src for src in sources if order[src] < order[t.dest]]
    return forward[-1:]


def _step_words(machine: Lifecycle, t) -> list[str]:
    """A step's label, each guard with its clause, and the levels it applies to."""
    words = [t.label] + [guard_words(g, machine.plan, t) for g in t.conditions]
    return words + (["、".join(t.levels) + "级"] if t.levels else [])


def state_diagram(machine: Lifecycle, current: str | None = None) -> str:
    """A Mermaid state diagram drawn by transitions' GraphMachine from the same data."""
    labels = {s.name: s.label for s in machine.plan.lifecycle.states}
    transitions = []
    for t in machine.specs:
        conds = [guard_words(g, machine.plan, t) for g in t.conditions] + ([f"{'/'.join(t.levels)}级"] if t.levels else [])
        transitions.append({"trigger": t.label, "source": t.source, "dest": t.dest or "=",
                            "conditions": conds})

    class _Model:  # a throwaway model for drawing; its conditions are never called
        pass

    model = _Model()
    GraphMachine(model=model, states=machine.states, transitions=transitions,
                 initial=current or machine.plan.lifecycle.initial, graph_engine="mermaid",
                 show_conditions=True, auto_transitions=False, title=machine.plan.short_title)
    text = model.get_graph().draw(None).replace("[internal]", "")
    for name, label in labels.items():  # GraphMachine states carry no label: put the plan's words in
        text = text.replace(f'state "{name}" as {name}', f'state "{label}" as {name}')
    return text
