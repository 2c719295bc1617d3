"""irdesk: a terminal incident desk."""

__version__ = "0.1.0"
