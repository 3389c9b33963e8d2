"""The terminal demo: the baseline policy deciding the acceptance scenarios."""
