"""One router per resource, all under ``/api``."""

from fastapi import APIRouter

from service.routers import actors, health, matching, reports

api_router = APIRouter(prefix="/api")
api_router.include_router(health.router)
api_router.include_router(actors.router)
api_router.include_router(matching.router)
api_router.include_router(reports.router)
