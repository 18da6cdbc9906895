"""Analysis of the Hopfield family: comparison of simulations with the replica-symmetric theory, figures."""
