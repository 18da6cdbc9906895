"""Simulation engines and the sweep runner (the Hopfield engines arrive with the next issue)."""
