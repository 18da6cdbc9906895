"""Dense Associative Memories (DenseAM): the family's analysis layer."""
