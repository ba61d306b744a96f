"""Request and response models of the JSON API (they also make the OpenAPI page at /docs).

Layered like the FastAPI full-stack template: ``ActorBase`` holds the fields a client writes,
``ActorCreate`` / ``ActorUpdate`` / ``DraftProfile`` are what it sends, ``ActorPublic`` is what
everybody reads and ``ActorPrivate`` adds ``contact_email`` for coordinators. The models check
types and sizes; the profile rules themselves (id format, known countries, e-mail and web
addresses...) stay in :func:`matcher.profile.validate_record`, the one validator the command line
uses too, so the API and ``soliris import`` accept exactly the same profiles.
"""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from matcher.profile import (
    ID_PATTERN,
    ID_RULE,
    KINDS,
    MAX_LIST_ITEMS,
    MAX_NAME_CHARS,
    MAX_SHORT_CHARS,
    MAX_THEME_CHARS,
    ActorProfile,
)
from matcher.ranking import Match
from matcher.reasons import kind_label
from matcher.settings import MAX_TEXT_CHARS
from matcher.store import StoredActor

Kind = Literal[KINDS]
Lang = Literal["fr", "nl", "en"]
ReportName = Literal["report.html", "pairs.csv", "report.json"]
MAX_EXCLUDE = 1000


def _valid_unicode(value: str) -> str:
    """JSON may escape lone UTF-16 surrogates (``"\\ud800"``): they are not text we can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains an unpaired surrogate (\\ud800-\\udfff escape): send valid "
                         "Unicode text") from None
    return value


def Text(max_length: int, min_length: int = 0, **extra: Any) -> Any:
    """A string of valid Unicode with length limits (``extra`` goes to the schema)."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, **extra),
                     AfterValidator(_valid_unicode)]


ActorId = Text(80, 1, pattern=ID_PATTERN, description=ID_RULE, examples=["asbl-kintambo"])
CountryName = Text(100, 1, description="ISO 3166-1 alpha-2 code (CD, MA, SN...) or the country's "
                   "name in French, Dutch or English", examples=["CD"])
Theme = Text(MAX_THEME_CHARS, 1)
LanguageCode = Text(3, 2, pattern=r"^[A-Za-z]{2,3}$",
                    description="ISO 639-1 code (ISO 639-2/3 for a language without one: ber)",
                    examples=["fr"])
ShortText = Text(MAX_SHORT_CHARS)
LongText = Text(MAX_TEXT_CHARS)
Name = Text(MAX_NAME_CHARS, 1, examples=["Kintambo Solidarité"])
Description = Text(MAX_TEXT_CHARS, 1, description="what the actor does, in French, Dutch or "
                   "English")
InitiativeText = Text(MAX_TEXT_CHARS, 1, description="the initiative, in French, Dutch or "
                      "English (at most 10,000 characters)")
ExcludeId = Text(80)

_ACTOR_EXAMPLE: dict[str, Any] = {
    "id": "asbl-kintambo-solidarite",
    "name": "Kintambo Solidarité",
    "kind": "diaspora",
    "description": "Association de la diaspora congolaise d'Uccle qui soutient des comités "
                   "d'usagers de l'eau à Kintambo (Kinshasa).",
    "languages": ["fr", "ln"],
    "countries": ["CD"],
    "themes": ["eau potable", "diaspora"],
    "offers": "Relais sur place à Kintambo et contacts avec les comités de quartier.",
    "needs": "Cofinancement communal et expertise technique pour l'entretien des bornes-fontaines.",
    "commune": "Uccle",
    "website": "https://example.org/kintambo-solidarite",
    "contact_email": "contact@example.org",
}


# -- actors -------------------------------------------------------------------------------
class ActorBase(BaseModel):
    """The fields of a profile that a client writes (``id`` and ``contact_email`` aside)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: Kind = Field(description="kind of actor", examples=["diaspora"])
    description: Description
    languages: list[LanguageCode] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description="working languages")
    countries: list[CountryName] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description="partner countries")
    themes: list[Theme] = Field(default_factory=list,
                                max_length=MAX_LIST_ITEMS)
    offers: LongText = Field("", description="what the actor can bring to a partnership")
    needs: LongText = Field("", description="what the actor looks for in a partner")
    commune: ShortText = Field("", description="Brussels commune of the actor")
    website: ShortText = Field("", description="http(s):// address")


class ActorCreate(ActorBase):
    """A new profile (coordinators only). ``contact_email`` is shown to coordinators only."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ACTOR_EXAMPLE]})

    id: ActorId
    contact_email: ShortText = ""


class ActorUpdate(ActorBase):
    """A whole profile replacing the stored one; ``id``, when given, must be the path's id."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {k: v for k, v in _ACTOR_EXAMPLE.items() if k != "id"}]})

    id: ActorId | None = None
    contact_email: ShortText = ""


class DraftProfile(ActorBase):
    """A newcomer's profile, used for suggestions and never saved. ``id`` and ``name`` may be
    left out; an ``id`` equal to a registered actor's keeps that actor out of the results."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {k: v for k, v in _ACTOR_EXAMPLE.items() if k not in ("id", "contact_email")}]})

    id: ActorId | None = None
    name: Name | None = None
    contact_email: ShortText = ""


class ActorPublic(ActorBase):
    """A registered actor as everybody sees it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {**{k: v for k, v in _ACTOR_EXAMPLE.items() if k != "contact_email"},
         "created_at": "2025-01-15T10:00:00+00:00",
         "updated_at": "2025-01-15T10:00:00+00:00"}]})

    id: str
    created_at: str
    updated_at: str


class ActorPrivate(ActorPublic):
    """A registered actor as a coordinator sees it: with ``contact_email`` (maybe empty)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {**_ACTOR_EXAMPLE, "created_at": "2025-01-15T10:00:00+00:00",
         "updated_at": "2025-01-15T10:00:00+00:00"}]})

    contact_email: str


ActorOut = ActorPrivate | ActorPublic


class ActorList(BaseModel):
    """One page of actors, by id."""

    items: list[ActorOut]
    total: int = Field(description="actors matching the filters, all pages together")
    limit: int
    offset: int


class Deleted(BaseModel):
    id: str
    deleted: bool = True


class ImportReport(BaseModel):
    """What an import changed (nothing at all when it fails: see the 422 error)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"created": 12, "updated": 3, "unchanged": 84, "actors": 111}]})

    created: int
    updated: int
    unchanged: int
    actors: int = Field(description="actors in the registry after the import")
    ignored_fields: list[str] = Field(
        default_factory=list, description="keys or columns of the file that are not profile "
        "fields and were skipped")


# -- matching -----------------------------------------------------------------------------
class _RankingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top: int = Field(10, ge=1, description="number of results, at most SOLIRIS_MAX_TOP "
                     "(100 by default)", examples=[10])
    kinds: list[Kind] = Field(default_factory=list, max_length=len(KINDS) * 4,
                              description="only actors of these kinds (any of them)")
    countries: list[CountryName] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS,
        description="only actors working in one of these partner countries")
    lang: Lang = Field("en", description="language of the reasons")


class MatchRequest(_RankingOptions):
    """An initiative to find partners for."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "text": "Nous voulons améliorer l'accès à l'eau potable à Kintambo (Kinshasa) avec "
                "une commune bruxelloise et la diaspora congolaise.",
        "top": 5, "kinds": [], "countries": ["CD"], "exclude": [], "lang": "fr"}]})

    text: InitiativeText
    exclude: list[ExcludeId] = Field(
        default_factory=list, max_length=MAX_EXCLUDE, description="ids of actors to leave out")


class SuggestionRequest(_RankingOptions):
    """A draft profile (not saved) to find partners for."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "profile": {k: v for k, v in _ACTOR_EXAMPLE.items() if k not in ("id", "contact_email")},
        "top": 5, "lang": "fr"}]})

    profile: DraftProfile


PARTS_DESCRIPTION = (
    "the weighted parts that add up to `score`: `semantic` (what the texts say), `geography` "
    "(shared partner countries and towns), `complementarity` (offers meeting needs), "
    "`peer` (zero or negative: for partners of an actor, one of its own kind is lowered), "
    "`diversity` (zero or negative: a repeat of a better result's kind, or a near-duplicate of "
    "it, is lowered), and any part "
    "a later engine adds")


class MatchResult(BaseModel):
    """One suggested partner, best first."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    kind: Kind
    kind_label: str = Field(description="the kind in the language of the request")
    score: float
    parts: dict[str, float] = Field(description=PARTS_DESCRIPTION)
    reasons: list[str] = Field(description="why this actor, in the language of the request")
    countries: list[str] = Field(default_factory=list, description="partner countries")
    themes: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    commune: str = ""
    website: str = ""


class MatchResultPrivate(MatchResult):
    """A suggested partner as a coordinator sees it."""

    contact_email: str


class MatchResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "count": 1, "lang": "fr",
        "results": [{
            "id": "commune-uccle", "name": "Commune d'Uccle", "kind": "commune",
            "kind_label": "commune", "score": 0.7942,
            "parts": {"semantic": 0.5706, "geography": 0.2, "complementarity": 0.0236,
                      "diversity": 0.0},
            "reasons": ["Même localité ou région partenaire : Kinshasa",
                        "Pays partenaire commun : République démocratique du Congo"],
            "countries": ["CD"], "themes": ["eau potable", "jumelage"], "languages": ["fr"],
            "commune": "Uccle", "website": "https://example.org/commune-uccle"}]}]})

    results: list[MatchResultPrivate | MatchResult]
    count: int
    lang: Lang


# -- service ------------------------------------------------------------------------------
class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "ok", "version": "0.1.0", "model": "use-multilingual-v3@0.2.1",
        "actors": 99}]})

    status: Literal["ok"] = "ok"
    version: str
    model: str = Field(description="the sentence encoder used for matching")
    actors: int = Field(description="actors in the registry")


class ErrorDetail(BaseModel):
    line: int | None = Field(None, description="line (or array position) in an uploaded file")
    field: str | None = None
    message: str


class ErrorBody(BaseModel):
    code: str = Field(description="stable machine-readable code: invalid, bad_format, "
                      "not_found, conflict, too_large, unauthorized, forbidden...",
                      examples=["invalid"])
    message: str
    field: str | None = Field(None, description="the field at fault, when there is one")
    details: list[ErrorDetail] = Field(default_factory=list,
                                       description="every problem found, one per row")


class ErrorResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"error": {
        "code": "invalid", "message": "line 3: field 'kind': 'club' is not a known kind",
        "field": "kind",
        "details": [{"line": 3, "field": "kind", "message": "'club' is not a known kind"}]}}]})

    error: ErrorBody


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error codes a route may answer."""
    text = {401: "No coordinator key (send `Authorization: Bearer <key>`)",
            403: "Wrong or revoked key", 404: "Unknown id", 409: "Duplicate id",
            413: "Body or upload too large", 422: "Invalid input"}
    return {code: {"model": ErrorResponse, "description": text.get(code, "Error")}
            for code in codes}


# -- conversions from engine objects ------------------------------------------------------
def actor_out(stored: StoredActor, *, private: bool) -> ActorPublic:
    model = ActorPrivate if private else ActorPublic
    data = _profile_fields(stored.profile, private)
    data.update(created_at=stored.created_at, updated_at=stored.updated_at)
    return model(**{k: v for k, v in data.items() if k in model.model_fields})


def match_out(match: Match, lang: str, *, private: bool) -> MatchResult:
    model = MatchResultPrivate if private else MatchResult
    data = match.to_dict(lang, private=private)
    data["kind_label"] = kind_label(match.profile.kind, lang)
    if private:
        data.setdefault("contact_email", "")
    # Only the documented fields: a field the engine adds later does not break the API.
    return model(**{k: v for k, v in data.items() if k in model.model_fields})


def _profile_fields(profile: ActorProfile, private: bool) -> dict[str, Any]:
    data = profile.to_dict(private=private)
    out: dict[str, Any] = {"languages": [], "countries": [], "themes": [], "offers": "",
                           "needs": "", "commune": "", "website": ""}
    if private:
        out["contact_email"] = ""
    out.update(data)
    return out
