"""The Textual skin over irdesk's services. Screens hold no SQL and no YAML."""
