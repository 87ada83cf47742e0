"""Experiments: one module per figure or table, plus the ``inv-gym`` command line."""
