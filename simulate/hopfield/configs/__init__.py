"""Built-in sweep configurations of the Hopfield family (``amphase run --list``); data only."""
