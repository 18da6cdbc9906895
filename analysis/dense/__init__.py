"""Analysis of binary Dense Associative Memory simulations: stability, retrieval, critical loads, theory."""
