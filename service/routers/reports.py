"""``/api/reports/latest/{name}``: the files of the last ``soliris report`` (coordinators)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from matcher.report.render_html import CSP
from service.deps import CoordinatorDep, SettingsDep
from service.errors import ApiError
from service.routing import JsonBodyRoute
from service.schemas import ReportName, error_responses

router = APIRouter(prefix="/reports", tags=["reports"], route_class=JsonBodyRoute)

MEDIA_TYPES = {"report.html": "text/html; charset=utf-8",
               "pairs.csv": "text/csv; charset=utf-8",
               "report.json": "application/json"}
# The report's own policy (its inline styles and script, nothing from elsewhere), which its
# <meta> tag cannot extend to framing: the service's page of a coordinator is framed by nobody.
REPORT_HEADERS = {"Content-Security-Policy": f"{CSP}; frame-ancestors 'none'"}


def own_file(folder: Path, name: str) -> Path | None:
    """The real path of the file ``name`` of ``folder`` when it lies in that folder, ``None``
    when it is a link that leads out of it (to ``/etc/passwd``, to the registry): the route
    serves the report folder's own files only. The folder itself may be a link."""
    real = (folder / name).resolve()
    return real if real.parent == folder.resolve() and real.is_file() else None


@router.get("/latest/{name}", response_class=FileResponse,
            summary="The latest platform report (coordinators)",
            responses={200: {"description": "the file",
                             "content": {"text/html": {}, "text/csv": {},
                                         "application/json": {}}},
                       **error_responses(401, 403, 404, 422)})
async def latest_report(name: ReportName, settings: SettingsDep, coordinator: CoordinatorDep
                        ) -> FileResponse:
    """One file written by ``soliris report`` to ``SOLIRIS_REPORT_DIR``: the HTML report, the
    CSV of suggested pairs or the JSON data. 404 until a report has been written."""
    folder = Path(settings.report_dir)
    if not (folder / name).is_file():
        raise ApiError(404, "not_found", f"no report yet: '{name}' is not in "
                       f"{settings.report_dir} (run `soliris report` to write one)")
    path = own_file(folder, name)
    if path is None:
        raise ApiError(404, "not_found", f"'{name}' in {settings.report_dir} is a link to a "
                       "file outside that folder, which is not served (`soliris report` "
                       "writes the files themselves)")
    disposition = "inline" if name.endswith(".html") or name.endswith(".json") else "attachment"
    return FileResponse(path, media_type=MEDIA_TYPES[name], filename=name,
                        content_disposition_type=disposition,
                        headers=REPORT_HEADERS if name == "report.html" else None)
