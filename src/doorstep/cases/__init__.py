"""The closed loop: a case for every unhappy customer, its owner, clocks and timeline."""
