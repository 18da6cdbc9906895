"""Binary Dense Associative Memories (Krotov & Hopfield 2016): energies of the seam, Numba and batched dynamics."""
