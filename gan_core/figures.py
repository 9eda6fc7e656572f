"""Plotly figure builders (pure functions of snapshots), tested without a browser."""
