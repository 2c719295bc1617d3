"""Reading irdesk's YAML formats into domain models, with positioned problems."""
