"""The plans as data: the plan file models (``model``), the facts vocabulary (``facts``) and the
12345/110 routing list (``routing``). Above ``core`` only."""
