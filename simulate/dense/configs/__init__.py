"""Built-in sweep configurations of the Dense Associative Memory family (``amphase run --list``); data only."""
