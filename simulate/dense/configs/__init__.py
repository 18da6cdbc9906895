"""Built-in sweep configurations of the binary Dense Associative Memory models."""
