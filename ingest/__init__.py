"""Ingestion: load, normalise, structure, chunk and index planning documents."""
