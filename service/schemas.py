"""Request and response models of the JSON API (they also make the OpenAPI page at /docs).

Layered like the FastAPI full-stack template: ``ActorBase`` holds the fields a client writes,
``ActorCreate`` / ``ActorUpdate`` / ``DraftProfile`` are what it sends, ``ActorPublic`` is what
everybody reads and ``ActorPrivate`` adds ``contact_email`` for coordinators.

A profile a client sends is checked and normalised by :func:`matcher.profile.validate_record`,
the one validator ``soliris import`` uses too (see :class:`ProfileIn`), so the API and the import
accept exactly the same profiles: ``"kind": "NGO"``, ``"languages": ["French"]``,
``"countries": "CD; MA"`` and ``"offers": ["a", "b"]`` are read as the import reads them, and
every problem is reported with its field (``profile.countries`` inside a draft profile). The
models then hold the normalised profile; their request schema documents what is accepted, their
response schema the normalised form. The models check the types and sizes of the other fields;
whole numbers in a JSON body are strict (``true`` or ``"5"`` is no number), and so are those of a
query string (plain digits: ``?top=2.0`` is refused as ``{"top": 2.0}`` is).
"""

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core import ValidationError as PydanticValidationError

from matcher.errors import Issue, ValidationError
from matcher.profile import (
    ID_PATTERN,
    ID_RULE,
    KINDS,
    MAX_LIST_ITEMS,
    MAX_NAME_CHARS,
    MAX_SHORT_CHARS,
    MAX_THEME_CHARS,
    ActorProfile,
    is_text,
    normalise_kind,
    printable,
    validate_record,
)
from matcher.ranking import Match
from matcher.reasons import kind_label
from matcher.settings import MAX_TEXT_CHARS
from matcher.store import StoredActor
from service.errors import clip

Kind = Literal[KINDS]
# "FR" is what many people type; the reasons' languages are one per code whatever its case.
Lang = Annotated[Literal["fr", "nl", "en"],
                 BeforeValidator(lambda value: value.lower() if isinstance(value, str) else value)]
ReportName = Literal["report.html", "pairs.csv", "report.json"]


def _plain_digits(value: Any) -> Any:
    # A query string is text, which pydantic reads leniently ("1.0", " 3", "+3"); a JSON body
    # refuses 1.0, so the query string takes plain digits only and both say the same. A minus
    # sign passes, so that the bound's message ("at least 0") names the real problem.
    if isinstance(value, str):
        digits = value.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()):
            raise PydanticCustomError("int_parsing", "must be a whole number")
    return value


#: A whole number in a query string: digits only, like a whole number in a JSON body.
QueryInt = Annotated[int, BeforeValidator(_plain_digits)]
MAX_EXCLUDE = 1000
# What a draft profile (POST /api/suggestions) is called when it has no id or name of its own.
DRAFT_ID = "draft"
DRAFT_NAME = "Draft profile"
KIND_RULE = (f"one of {', '.join(KINDS)}; in requests, the usual spellings in French, Dutch or "
             "English (NGO, ONG, asbl, vzw, gemeente, Advisory council, consultant...) are "
             "accepted and normalised")


def invalid(message: str, kind: str = "invalid") -> PydanticCustomError:
    """A validation error whose message is ``message`` as written (no "Value error, "); a lone
    surrogate it quotes is written as its escape (pydantic cannot hold one in a message)."""
    return PydanticCustomError(kind, "{message}", {"message": printable(message)})


def _valid_unicode(value: str) -> str:
    """JSON may escape lone UTF-16 surrogates (``"\\ud800"``): they are not text we can
    store."""
    if not is_text(value):
        raise invalid("contains an unpaired surrogate (\\ud800-\\udfff escape): send valid "
                      "Unicode text")
    return value


def _known_kind(value: str) -> str:
    """The kind ``value`` means, as the engine reads it (``"NGO"`` -> ``"ngo"``)."""
    kind = normalise_kind(value)
    if kind is None:
        raise invalid(f"'{clip(value)}' is not a known kind (allowed: {', '.join(KINDS)})")
    return kind


def Text(max_length: int, min_length: int = 0, **extra: Any) -> Any:
    """A string of valid Unicode with length limits (``extra`` goes to the schema)."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, **extra),
                     AfterValidator(_valid_unicode)]


def _accepts(schema: dict[str, Any]) -> WithJsonSchema:
    """The request schema of a profile field: what the engine accepts and normalises, where
    the response schema shows the normalised form only."""
    return WithJsonSchema(schema, mode="validation")


def _list_or_string(items: dict[str, Any]) -> WithJsonSchema:
    return _accepts({"anyOf": [{"type": "array", "items": items, "maxItems": MAX_LIST_ITEMS},
                               {"type": "string", "description": "items separated by ';'"}]})


ActorId = Text(80, 1, pattern=ID_PATTERN, description=ID_RULE, examples=["asbl-kintambo"])
KindName = Annotated[str, AfterValidator(_known_kind),
                     WithJsonSchema({"type": "string", "description": KIND_RULE,
                                     "examples": ["diaspora", "NGO"]})]
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
InitiativeText = Annotated[str, Field(description="the initiative, in French, Dutch or English "
                                      "(at most 10,000 characters; more is a 413)",
                                      json_schema_extra={"minLength": 1,
                                                         "maxLength": MAX_TEXT_CHARS}),
                           AfterValidator(_valid_unicode)]
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
    kind: Annotated[Kind, _accepts({"type": "string", "examples": ["diaspora", "NGO"]})] = Field(
        description=f"kind of actor: {KIND_RULE}", examples=["diaspora"])
    description: Description
    languages: Annotated[list[LanguageCode], _list_or_string({"type": "string"})] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description="working languages: ISO "
        "639-1 codes (fr, nl, en...); in requests, language names in English, French or Dutch "
        "(French, néerlandais, Engels) are accepted and normalised to codes, and a string "
        "'fr; nl' is read as a list")
    countries: Annotated[list[CountryName], _list_or_string({"type": "string"})] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description="partner countries: ISO "
        "3166-1 alpha-2 codes; in requests, names in French, Dutch or English (RDC, Marokko), "
        "regions (Sahel) and towns (Kinshasa) are accepted and normalised to codes, and a "
        "string 'CD; MA' is read as a list")
    themes: Annotated[list[Theme], _list_or_string({"type": "string",
                                                    "maxLength": MAX_THEME_CHARS})] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description="tags; in requests a "
        "string 'a; b' is read as a list")
    offers: Annotated[LongText, _accepts({"anyOf": [
        {"type": "string", "maxLength": MAX_TEXT_CHARS},
        {"type": "array", "items": {"type": "string"}}]})] = Field(
        "", description="what the actor can bring to a partnership (in requests, a list of "
        "strings is joined with '; ')")
    needs: Annotated[LongText, _accepts({"anyOf": [
        {"type": "string", "maxLength": MAX_TEXT_CHARS},
        {"type": "array", "items": {"type": "string"}}]})] = Field(
        "", description="what the actor looks for in a partner (in requests, a list of "
        "strings is joined with '; ')")
    commune: ShortText = Field("", description="Brussels commune of the actor")
    website: ShortText = Field("", description="http(s):// address (www.example.org gets "
                               "https://)")


def _blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


def issues_error(title: str, issues: list[Issue]) -> PydanticValidationError:
    """The engine's issues as one pydantic error, each at its field (under the model's own
    place in the request: ``profile.countries`` inside a draft)."""
    return PydanticValidationError.from_exception_data(title, [
        InitErrorDetails(type=invalid(issue.message, "profile"),
                         loc=(issue.field,) if issue.field else (), input=issue.value)
        for issue in issues])


class ProfileIn(ActorBase):
    """A profile a client sends, checked and normalised by the engine's own validation
    (:func:`matcher.profile.validate_record`, as ``soliris import`` does) before the fields
    are read: the model holds the normalised profile (``"NGO"`` is ``"ngo"``, ``"French"`` is
    ``"fr"``, ``"CD; MA"`` is ``["CD", "MA"]``). Each problem the engine finds is a 422 detail
    at its field, an unknown field (with "did you mean ...?" for a near miss) included."""

    # Fields a client may leave out, and what the validation reads in their place meanwhile.
    STAND_INS: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _engine_rules(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data  # not an object: pydantic says so
        record = dict(data)
        left_out = [key for key in cls.STAND_INS if record.get(key) is None]
        # A field that may be left out but is sent empty is a mistake (which the engine, reading
        # it as required, would call "required").
        issues = [Issue("is empty: give a value or leave the field out", field=key)
                  for key in cls.STAND_INS if _blank(record.get(key))]
        record.update({key: cls.STAND_INS[key] for key in cls.STAND_INS
                       if key in left_out or _blank(record.get(key))})
        try:
            profile = validate_record(record)
        except ValidationError as exc:
            issues.extend(exc.issues)
        if issues:
            raise issues_error(cls.__name__, issues)
        normalised = profile.to_dict(private=True)
        normalised.update(dict.fromkeys(left_out))
        return {key: value for key, value in normalised.items() if key in cls.model_fields}

    def to_profile(self, **fields: str) -> ActorProfile:
        """The engine's profile of this body, with ``fields`` set (the id of the address)."""
        record = self.model_dump()
        record.update({key: value for key, value in self.STAND_INS.items()
                       if record.get(key) is None})
        record.update(fields)
        return validate_record(record)


class ActorCreate(ProfileIn):
    """A new profile (coordinators only). ``contact_email`` is shown to coordinators only."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ACTOR_EXAMPLE]})

    id: ActorId
    contact_email: ShortText = ""


class ActorUpdate(ProfileIn):
    """A whole profile replacing the stored one; ``id``, when given, must be the path's id."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {k: v for k, v in _ACTOR_EXAMPLE.items() if k != "id"}]})
    STAND_INS: ClassVar[dict[str, str]] = {"id": "actor"}

    id: ActorId | None = None
    contact_email: ShortText = ""


class DraftProfile(ProfileIn):
    """A newcomer's profile, used for suggestions and never saved. ``id`` and ``name`` may be
    left out; an ``id`` equal to a registered actor's keeps that actor out of the results."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {k: v for k, v in _ACTOR_EXAMPLE.items() if k not in ("id", "contact_email")}]})
    STAND_INS: ClassVar[dict[str, str]] = {"id": DRAFT_ID, "name": DRAFT_NAME}

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
    """The answer to a removal: which actor is gone."""

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

    top: int = Field(10, ge=1, strict=True, description="number of results, at most "
                     "SOLIRIS_MAX_TOP (100 by default); a JSON number, not a string",
                     examples=[10])
    kinds: list[KindName] = Field(default_factory=list, max_length=len(KINDS) * 4,
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
    """Suggested partners, best first, with their reasons in ``lang``."""

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
    """The service's status, version, encoder and registry size."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "ok", "version": "0.1.0", "model": "use-multilingual-v3@0.2.1",
        "actors": 99, "max_top": 100}]})

    status: Literal["ok"] = "ok"
    version: str
    model: str = Field(description="the sentence encoder used for matching")
    actors: int = Field(description="actors in the registry")
    max_top: int = Field(description="the largest number of results a request may ask for "
                         "(SOLIRIS_MAX_TOP)")


class ErrorDetail(BaseModel):
    """One problem of an error: where (line, field) and what."""

    line: int | None = Field(None, description="line (or array position) in an uploaded file")
    field: str | None = None
    message: str


class ErrorBody(BaseModel):
    """What went wrong: a stable code, a message and every problem found."""

    code: str = Field(description="stable machine-readable code: invalid, bad_format, "
                      "not_found, conflict, too_large, unauthorized, forbidden...",
                      examples=["invalid"])
    message: str
    field: str | None = Field(None, description="the field at fault, when there is one")
    details: list[ErrorDetail] = Field(default_factory=list,
                                       description="every problem found, one per row")


class ErrorResponse(BaseModel):
    """The body of every error answer of the API."""

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
    """A stored actor as the API shows it: with ``contact_email`` when ``private`` (for
    coordinators), without it otherwise."""
    model = ActorPrivate if private else ActorPublic
    data = _profile_fields(stored.profile, private)
    data.update(created_at=stored.created_at, updated_at=stored.updated_at)
    return model(**{k: v for k, v in data.items() if k in model.model_fields})


def match_out(match: Match, lang: str, *, private: bool) -> MatchResult:
    """One ranked result as the API shows it, its kind and reasons in ``lang``; with
    ``contact_email`` when ``private`` (for coordinators)."""
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
