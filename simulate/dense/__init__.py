"""Dense Associative Memories (DenseAM): the family's simulate layer."""
