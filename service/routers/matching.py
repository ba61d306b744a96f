"""Matching: partners for an initiative, for a registered actor, for a draft profile.

All three go through the engine's one ranking code path (:mod:`matcher.ranking`), the same as
``soliris match`` and ``soliris suggest``. Encoding the query is CPU work: it runs in the
service's bounded worker threads (``engine.run``), never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query

from matcher.ranking import Match
from service.deps import EngineDep, OptionalCoordinatorDep
from service.errors import field_error
from service.routing import JsonBodyRoute
from service.schemas import (
    KindName,
    Lang,
    MatchRequest,
    MatchResponse,
    QueryInt,
    SuggestionRequest,
    error_responses,
    match_out,
)

router = APIRouter(tags=["matching"], route_class=JsonBodyRoute)


def respond(results: Sequence[Match], lang: str, private: bool) -> MatchResponse:
    """The response of every matching route: ``results`` in ``lang``, with contact e-mails
    when ``private`` (a coordinator asks)."""
    return MatchResponse(results=[match_out(m, lang, private=private) for m in results],
                         count=len(results), lang=lang)


@router.post("/match", response_model=MatchResponse, summary="Partners for an initiative",
             responses=error_responses(403, 413, 422))
async def match(body: MatchRequest, engine: EngineDep, coordinator: OptionalCoordinatorDep
                ) -> MatchResponse:
    """Rank the registered actors for an initiative described in French, Dutch or English.
    Each result has its ``score``, the parts of that score and the ``reasons``, written in
    ``lang``. A text over the limit (10,000 characters) is a 413."""
    limit = engine.matcher.settings.max_text_chars
    if len(body.text) > limit:
        raise field_error(413, "too_large", "text", f"is {len(body.text)} characters long; the "
                          f"limit is {limit}")
    results = await engine.run(engine.matcher.match, body.text, top=body.top, kinds=body.kinds,
                               countries=body.countries, exclude=body.exclude)
    return respond(results, body.lang, coordinator is not None)


@router.get("/actors/{actor_id}/suggestions", response_model=MatchResponse,
            summary="Partners for a registered actor", tags=["actors"],
            responses=error_responses(403, 404, 422))
async def suggestions_for_actor(
    actor_id: str,
    engine: EngineDep,
    coordinator: OptionalCoordinatorDep,
    top: Annotated[QueryInt, Query(ge=1, description="number of results, at most SOLIRIS_MAX_TOP "
                              "(100 by default)")] = 10,
    kinds: Annotated[list[KindName] | None, Query(max_length=32, description="only these "
                                                  "kinds (repeat the parameter for several)")
                     ] = None,
    countries: Annotated[list[str] | None, Query(max_length=50, description="only actors "
                                                 "working in these partner countries (code or "
                                                 "name; repeatable)")] = None,
    lang: Annotated[Lang, Query(description="language of the reasons")] = "en",
) -> MatchResponse:
    """Suggested partners for a registered actor (never the actor itself)."""
    results = await engine.run(engine.matcher.suggest, actor_id, top=top, kinds=kinds or (),
                               countries=countries or ())
    return respond(results, lang, coordinator is not None)


@router.post("/suggestions", response_model=MatchResponse,
             summary="Partners for a draft profile (not saved)",
             responses=error_responses(403, 413, 422))
async def suggestions_for_draft(body: SuggestionRequest, engine: EngineDep,
                                coordinator: OptionalCoordinatorDep) -> MatchResponse:
    """A newcomer describes its organisation as a profile (``id`` and ``name`` optional) and
    gets suggested partners. Nothing is saved: not the profile, not its embeddings. The
    profile is read as ``soliris import`` reads it; its problems are reported as
    ``profile.<field>``."""
    profile = body.profile.to_profile()
    results = await engine.run(engine.matcher.suggest_for, profile, top=body.top,
                               kinds=body.kinds, countries=body.countries)
    return respond(results, body.lang, coordinator is not None)
