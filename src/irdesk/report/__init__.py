"""After-action reports: one model (:mod:`~irdesk.report.model`), built in one streaming pass
over an incident's entries (:mod:`~irdesk.report.build`), rendered as Markdown, HTML or
JSON (:mod:`~irdesk.report.render`), with a step chart as text or SVG
(:mod:`~irdesk.report.chart`).

Every piece of text a person or a playbook wrote is *user text*: each renderer makes it
inert for its format, and all of them make terminal control characters visible
(:func:`irdesk.text.visible`). Times are UTC, to the second (the JSON carries
milliseconds).
"""
