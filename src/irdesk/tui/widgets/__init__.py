"""Pieces of screens that more than one screen shows."""
