"""The roles of the people who use the service (their permissions are in ``emergency.users``)."""
from __future__ import annotations

from typing import Literal, get_args

Role = Literal["duty_officer", "commander", "drill_controller", "observer", "administrator"]
ROLES = {"duty_officer": "值班员", "commander": "指挥", "drill_controller": "演练导调", "observer": "观察员",
         "administrator": "管理员"}

assert set(ROLES) == set(get_args(Role)), "every role has its Chinese name"
