"""The plan data, shipped with the package as ``emergency_plans`` (the default plans directory)."""
