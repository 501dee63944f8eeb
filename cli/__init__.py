"""The ``pdz`` command: the composition root, a thin client of :class:`assistant.service.Assistant`.

One module per command group; only this package imports ``api`` (response
models, server) and ``eval`` (harness) together with the assistant.
"""
