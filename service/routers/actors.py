"""``/api/actors``: the registry. Reads are public; writes, import and export need a key.

Every engine call runs in the service's bounded worker threads (``engine.run`` for reads,
``engine.write`` for writes), so the embedding of a new profile never blocks the event loop.
The engine validates and stores; this module translates.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import (
    APIRouter,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)

from matcher.engine import Matcher
from matcher.errors import Issue, NotFoundError, TooLargeError, ValidationError
from matcher.formats import FORMATS, detect_format
from matcher.progress import Progress
from service.deps import CoordinatorDep, EngineDep, OptionalCoordinatorDep
from service.errors import clip
from service.routing import JsonBodyRoute
from service.schemas import (
    ActorCreate,
    ActorList,
    ActorOut,
    ActorUpdate,
    Deleted,
    ImportReport,
    KindName,
    QueryInt,
    actor_out,
    error_responses,
)

router = APIRouter(prefix="/actors", tags=["actors"], route_class=JsonBodyRoute)

MAX_PAGE = 100
EXPORT_TYPES = {"jsonl": "application/x-ndjson; charset=utf-8",
                "csv": "text/csv; charset=utf-8"}
UPLOAD_CHUNK = 1 << 20
IMPORT_PARTS = ("file", "format")


@router.get("", response_model=ActorList, summary="List actors",
            responses=error_responses(403, 422))
async def list_actors(
    engine: EngineDep,
    coordinator: OptionalCoordinatorDep,
    kind: Annotated[KindName | None, Query(description="only actors of this kind (NGO, asbl, "
                                           "gemeente... are accepted)")] = None,
    country: Annotated[str | None, Query(
        max_length=100, description="only actors working in this partner country (code or "
        "name; not empty)")] = None,
    q: Annotated[str | None, Query(
        max_length=200, description="text search in id, name, description and themes "
        "(accents, case and punctuation ignored; at least one letter or digit)")] = None,
    limit: Annotated[QueryInt, Query(ge=1, le=MAX_PAGE, description="page size")] = 20,
    offset: Annotated[QueryInt, Query(ge=0, description="actors to skip")] = 0,
) -> ActorList:
    """Actors by id, filtered by kind, partner country and a text search, one page at a time.
    ``contact_email`` is included for coordinators only."""
    page = await engine.run(engine.matcher.list, kind=kind, country=country, q=q, limit=limit,
                            offset=offset)
    private = coordinator is not None
    return ActorList(items=[actor_out(a, private=private) for a in page.items],
                     total=page.total, limit=limit, offset=offset)


@router.post("", response_model=ActorOut, status_code=status.HTTP_201_CREATED,
             summary="Register an actor (coordinators)",
             responses=error_responses(401, 403, 409, 413, 422))
async def create_actor(body: ActorCreate, engine: EngineDep, coordinator: CoordinatorDep
                       ) -> ActorOut:
    """Add a new profile; it is matched on at once. 409 when the id is taken. The profile is
    read as ``soliris import`` reads it (``"kind": "NGO"``, country names...)."""
    profile = body.to_profile()
    return actor_out(await engine.write(engine.matcher.create, profile), private=True)


@router.get("/export", response_class=Response, summary="Export every profile (coordinators)",
            responses={200: {"description": "every profile, contact e-mails included",
                             "content": {"application/x-ndjson": {"schema": {"type": "string"}},
                                         "text/csv": {"schema": {"type": "string"}}}},
                       **error_responses(401, 403, 422)})
async def export_actors(
    engine: EngineDep,
    coordinator: CoordinatorDep,
    fmt: Annotated[Literal["jsonl", "csv"], Query(alias="format", description="file format")
                   ] = "jsonl",
) -> Response:
    """The whole registry as JSON Lines or CSV, in the format ``soliris import`` reads back."""
    text = await engine.run(engine.matcher.export, fmt)
    return Response(text, media_type=EXPORT_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="soliris-actors.{fmt}"'})


def _import(matcher: Matcher, data: bytes, fmt: str, progress: Progress | None = None
            ) -> ImportReport:
    summary = matcher.import_bytes(data, fmt, progress)
    return ImportReport(created=summary.created, updated=summary.updated,
                        unchanged=summary.unchanged, actors=matcher.store.count(),
                        ignored_fields=[clip(name) for name in summary.ignored_fields])


@router.post("/import", response_model=ImportReport, summary="Import a file (coordinators)",
             responses=error_responses(401, 403, 413, 422))
async def import_actors(
    request: Request,
    engine: EngineDep,
    coordinator: CoordinatorDep,
    file: Annotated[UploadFile, File(description="profiles as .jsonl, .json or .csv (UTF-8)")],
    fmt: Annotated[Literal[FORMATS] | None, Form(  # type: ignore[valid-type]
        alias="format", description="override the format given by the file name")] = None,
) -> ImportReport:
    """All or nothing, upsert by id, exactly like ``soliris import``: on any problem nothing is
    written and the 422 error lists every problem with its line and field."""
    # FastAPI binds the last of parts given twice and ignores unknown ones: say so instead.
    form = await request.form()
    issues = [Issue("is not a part of an import upload (send 'file' and, optionally, "
                    "'format')", field=clip(name)) for name in form if name not in IMPORT_PARTS]
    issues += [Issue(f"send one {name} per import, got {len(form.getlist(name))}", field=name)
               for name in IMPORT_PARTS if len(form.getlist(name)) > 1]
    if issues:
        raise ValidationError(issues)
    limit = engine.matcher.settings.max_upload_bytes
    data = bytearray()
    while chunk := await file.read(UPLOAD_CHUNK):
        data += chunk
        if len(data) > limit:
            raise TooLargeError(f"the upload is larger than the limit of {limit} bytes "
                                "(SOLIRIS_MAX_UPLOAD); split the file or import it with "
                                "`soliris import`")
    return await engine.write(_import, engine.matcher, bytes(data),
                              fmt or detect_format(file.filename or ""), engine.check_stopping)


@router.get("/{actor_id}", response_model=ActorOut, summary="One actor",
            responses=error_responses(403, 404))
async def get_actor(actor_id: str, engine: EngineDep, coordinator: OptionalCoordinatorDep
                    ) -> ActorOut:
    """One profile by id; ``contact_email`` is included for coordinators only."""
    try:
        stored = await engine.run(engine.matcher.get, actor_id)
    except NotFoundError:
        if actor_id == "import":  # the upload's address, read with the wrong method
            raise HTTPException(status.HTTP_405_METHOD_NOT_ALLOWED,
                                headers={"Allow": "POST"}) from None
        raise
    return actor_out(stored, private=coordinator is not None)


@router.put("/{actor_id}", response_model=ActorOut, summary="Replace an actor (coordinators)",
            responses=error_responses(401, 403, 404, 413, 422))
async def replace_actor(actor_id: str, body: ActorUpdate, engine: EngineDep,
                        coordinator: CoordinatorDep) -> ActorOut:
    """Replace a whole profile; it is matched on at once. The body's ``id``, when present,
    must be the id in the path."""
    if body.id is not None and body.id != actor_id:
        raise ValidationError([Issue(f"'{body.id}' differs from the id in the address "
                                     f"('{clip(actor_id)}'); leave it out or make them equal",
                                     field="id", value=body.id)])
    profile = body.to_profile(id=actor_id)
    return actor_out(await engine.write(engine.matcher.replace, profile), private=True)


@router.delete("/{actor_id}", response_model=Deleted, summary="Remove an actor (coordinators)",
               responses=error_responses(401, 403, 404))
async def delete_actor(actor_id: str, engine: EngineDep, coordinator: CoordinatorDep
                       ) -> Deleted:
    """Remove a profile; it is no longer suggested from the next request on."""
    await engine.write(engine.matcher.remove, actor_id)
    return Deleted(id=actor_id)
