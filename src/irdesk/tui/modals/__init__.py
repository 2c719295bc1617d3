"""Dialogs over a screen. Each returns a typed result through ``dismiss`` (None when
cancelled)."""
