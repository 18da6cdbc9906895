"""Dense Associative Memories (DenseAM): the family's theory layer."""
