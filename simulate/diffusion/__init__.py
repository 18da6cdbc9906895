"""Simulations of diffusion models with the exact score of K training points."""
