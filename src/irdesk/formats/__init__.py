"""irdesk's file formats: YAML read with positions, loaded into the domain's frozen models
(every problem named by file, line and key path), and the catalog of playbooks and
scenarios found in the bundled and the user's folders.
"""
