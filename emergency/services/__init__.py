"""The service layer: each action end to end over the store — incidents (one read, the role, the step, the
write, the answer), intakes, written reports, drills on their clock, the directory, the roster and its rota, the
shift's log and handover, calls and the call sheet, outbound messages, users, after-action reports, coverage and
exports."""
