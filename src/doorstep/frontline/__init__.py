"""What couriers, agents and implementation engineers see at the door."""
