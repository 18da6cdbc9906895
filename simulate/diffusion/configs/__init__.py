"""Built-in sweep configurations of the diffusion family (``amphase run --list``)."""
