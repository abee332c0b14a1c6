"""The operator agent's Python side (an example host of iucore)."""
