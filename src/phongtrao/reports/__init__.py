"""The review report: figures of a subtree over a date range, written up in Vietnamese."""
