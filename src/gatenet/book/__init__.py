"""Helpers for the book's chapters only: fast mode, tables, figures and chapter analyses.

Nothing else in the package imports this subpackage, and the core package imports without
matplotlib (a book extra); the plotting modules import it themselves.
"""
