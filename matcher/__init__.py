"""Soliris Match engine: actor registry, multilingual embeddings and partner ranking.

The engine never imports the HTTP layer; ``service`` and the ``soliris`` command line
are thin front ends over :class:`matcher.engine.Matcher`.
"""

__version__ = "0.1.0"
