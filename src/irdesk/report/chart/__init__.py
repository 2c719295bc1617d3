"""The report's step chart: one bar per step visit on a time axis, as text or SVG."""
