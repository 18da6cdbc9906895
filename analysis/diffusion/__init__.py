"""Analysis of diffusion-model samples: memorized, spurious and generalized states, curvature, basins."""
