"""The roles of the people who use the service (their permissions are in ``emergency.services.users``)."""
from __future__ import annotations

from typing import Literal, get_args

from emergency.core.wording import N_

Role = Literal["duty_officer", "commander", "drill_controller", "observer", "administrator"]
ROLES = {"duty_officer": N_("值班员"), "commander": N_("指挥"), "drill_controller": N_("演练导调"), "observer": N_("观察员"),
         "administrator": N_("管理员")}

assert set(ROLES) == set(get_args(Role)), "every role has its Chinese name"
