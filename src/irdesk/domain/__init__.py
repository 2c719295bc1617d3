"""irdesk's domain: the models, durations and times, journal entries, and the incident state
as a pure fold over them (incident, drill and review parts), descriptions and metrics.

Pure: no I/O, no Textual, no Rich, no database, no processes (import-linter checks it).
"""
