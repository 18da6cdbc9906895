"""Analysis: classification of end states, comparison of datasets with theory, and plots."""
