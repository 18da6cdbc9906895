"""Theory of Dense Associative Memories (``dense.*`` quantities): written in parallel, this placeholder registers none.

The DenseAM theory module (signal-to-noise capacities such as ``dense.poly_capacity``) replaces this file; until then
:mod:`amphase.analysis.dense.compare` reports "theory not available".
"""
