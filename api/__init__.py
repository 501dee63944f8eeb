"""HTTP API and chat widget over the assistant service."""
