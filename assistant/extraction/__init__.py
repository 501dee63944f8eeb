"""Objective extraction: one module per document shape, plus grounding."""
