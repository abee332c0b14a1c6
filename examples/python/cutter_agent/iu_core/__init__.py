"""iu-core operator commands, hosted over iucore (see dot_commands)."""
