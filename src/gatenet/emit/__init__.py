"""Emitters: one module per target language, each turning a Circuit into source text."""
