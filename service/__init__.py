"""Soliris Match HTTP service: a thin FastAPI layer over :class:`matcher.engine.Matcher`.

Start it with ``soliris serve`` (``uvicorn service.app:create_app --factory``).
"""
