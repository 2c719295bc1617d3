"""Use cases: what irdesk does with files, the clock and the journal, behind small seams."""
