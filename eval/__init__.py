"""Evaluation harness (import submodules explicitly: ``from eval import metrics``)."""
