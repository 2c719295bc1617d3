"""irdesk's domain: formats, models, loading and the incident state machine.

Nothing in this package imports textual or rich; the UI is a thin skin over it.
"""
