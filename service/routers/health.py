"""``GET /api/health``: is the service up, which version and model, how many actors."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from matcher import __version__
from service.deps import EngineDep
from service.routing import JsonBodyRoute
from service.schemas import Health

router = APIRouter(tags=["service"], route_class=JsonBodyRoute)


@router.get("/health", response_model=Health, summary="Service status")
async def health(engine: EngineDep) -> Health:
    """Status, program version, the sentence encoder in use, the number of actors and the
    largest ``top`` accepted. Answered outside the worker pool, so it stays quick while the
    engine is busy."""
    matcher = engine.matcher
    actors = await run_in_threadpool(matcher.store.count)
    return Health(status="ok", version=__version__, model=matcher.model_name, actors=actors,
                  max_top=matcher.settings.max_top)
