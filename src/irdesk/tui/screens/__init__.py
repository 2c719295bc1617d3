"""The desk's screens: home, the runner (and the drill and replay screens built on it),
review, report, contacts, help. Screens take services in ``__init__`` and hold no SQL and
no YAML."""
