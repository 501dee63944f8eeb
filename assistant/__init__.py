"""The assistant: retrieval, cited answers, objectives, comparisons; one service for CLI and API."""
