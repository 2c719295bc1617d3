"""irdesk's services: what a person (or the watcher, or a script) can do, journaled.

The desk gathers what the front ends need and opens sessions: an incident, a drill, a
review, a replay. Every action checks that it makes sense, appends to the journal and
returns after the journal committed. No Textual, no SQL; the CLI and the TUI are front
ends over these same services.
"""
