"""The lifecycle drawn for people (presentation kept out of the engine's lifecycle): the main path as a
large Mermaid flowchart, and every state and transition as a Mermaid state diagram drawn by transitions'
``GraphMachine`` from the same plan data. Pure: text in, text out."""
from __future__ import annotations

from transitions.extensions.diagrams import GraphMachine

from emergency.response.lifecycle import Lifecycle
from emergency.response.registry import guard_words


def main_path_chart(machine: Lifecycle, current: str | None = None, allowed: list[str] | tuple = ()) -> str:
    """The main path (plan data ``main_path``) as a top-to-bottom Mermaid flowchart, large and in order:
    each step labelled with the plan's words and its guards with their clauses; the current state
    highlighted and the steps allowed now drawn bold. Side paths are left to ``state_diagram``."""
    main = machine.plan.lifecycle.main_path or machine.states
    labels = {st.name: st.label for st in machine.plan.lifecycle.states}

    def esc(text: str) -> str:
        return text.replace('"', "'").replace("<", "‹").replace(">", "›")

    lines = ["flowchart TB"]
    for name in main:
        lines.append(f'  {name}["{esc(labels[name])}"]')
    order = {name: i for i, name in enumerate(main)}
    edges, bold = [], []
    for t in machine.specs:
        target = t.dest
        sources = [src for src in t.source if src in order]
        if target is None:  # stays put: only 升降级 (a level change) is a step of the main path
            sources = sources if t.trigger == "change_level" else []
        elif target not in order:
            continue
        else:  # one arrow per step, from the latest state before it on the path (the rest: full diagram)
            forward = [src for src in sources if order[src] < order[target]]
            sources = forward[-1:] if forward else []
        for src in sources:
            words = [t.label] + [guard_words(g, machine.plan, t) for g in t.conditions]
            if t.levels:
                words.append("、".join(t.levels) + "级")
            if src == current and t.trigger in allowed:
                bold.append(len(edges))
            edges.append(f'  {src} -->|"{"<br>".join(esc(w) for w in words)}"| {target or src}')
    lines += edges
    lines.append("  classDef step font-size:16px")
    lines.append("  class " + ",".join(main) + " step")
    if current in main:
        lines.append("  classDef current fill:#ffe08a,stroke:#b45309,stroke-width:3px,font-weight:bold")
        lines.append(f"  class {current} current")
    for i in bold:
        lines.append(f"  linkStyle {i} stroke:#0b4f9c,stroke-width:4px")
    return "\n".join(lines)

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
