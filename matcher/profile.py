"""The actor profile: its fields, their limits and the validation of raw records."""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from matcher.errors import Issue, ValidationError, clip
from matcher.places import fold, gazetteer
from matcher.settings import MAX_TEXT_CHARS

KINDS: tuple[str, ...] = (
    "commune", "advisory_council", "ngo", "association", "diaspora", "regional_body",
    "expert", "other",
)
REQUIRED = ("id", "name", "kind", "description")
LIST_FIELDS = ("languages", "countries", "themes")
TEXT_FIELDS = ("offers", "needs", "commune", "website", "contact_email")
ALL_FIELDS = REQUIRED + LIST_FIELDS + TEXT_FIELDS
PRIVATE_FIELDS = ("contact_email",)

# Ids that would collide with routes such as /api/actors/export.
RESERVED_IDS = frozenset({"export", "import"})
MAX_NAME_CHARS = 200
MAX_SHORT_CHARS = 500
MAX_LIST_ITEMS = 50
MAX_THEME_CHARS = 80

# A slug as most tools make them ("ngo-eau-vive", "ngo_eau_vive", "NGO.12"): safe in a URL path.
ID_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9])?$"
ID_RULE = ("1-80 letters, digits, hyphens, underscores or dots, starting and ending with a "
           "letter or digit")
_ID_RE = re.compile(ID_PATTERN)
# Control characters (Unicode category Cc) but tab, line feed and carriage return: a text that
# holds one (NUL, BEL, ESC...) is binary debris, and breaks terminals, CSV tools and searches.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Direction embeddings and overrides (U+202A, U+202B, U+202D, U+202E) reorder the text after
# them until a U+202C that may never come: a name could show as another actor's. Marks and
# isolates (U+200E, U+2066...), which mixed Arabic and Latin text uses, stay allowed.
_OVERRIDE_RE = re.compile("[\u202a\u202b\u202d\u202e]")
_LOCALE_RE = re.compile(r"^([a-z]{2,3})[-_][a-z]{2}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL_RE = re.compile(r"^https?://\S+$")
_BARE_DOMAIN_RE = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?$", re.IGNORECASE)

# The 184 two-letter codes of ISO 639-1 (as its registration authority, the Library of
# Congress, lists them; the withdrawn iw, in, ji, jw, mo and sh are left out). Any other pair of
# letters ("xx") is a typo, not a language.
ISO_639_1 = frozenset("""
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
    ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
    ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
    yo za zh zu
""".split())


@dataclass(frozen=True)
class ActorProfile:
    """A validated actor of the platform. Build one with :func:`validate_record`."""

    id: str
    name: str
    kind: str
    description: str
    languages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    offers: str = ""
    needs: str = ""
    commune: str = ""
    website: str = ""
    contact_email: str = ""

    def to_dict(self, *, private: bool = True) -> dict[str, Any]:
        """Plain dict for JSON/CSV; empty optional fields are left out, private ones on request."""
        out: dict[str, Any] = {}
        for key in ALL_FIELDS:
            value = getattr(self, key)  # text or tuples of text: nothing to copy deeply
            if key in PRIVATE_FIELDS and not private:
                continue
            if key in REQUIRED or value:
                out[key] = list(value) if isinstance(value, tuple) else value
        return out


def profile_from_dict(data: Mapping[str, Any]) -> ActorProfile:
    """Rebuild a profile from :meth:`ActorProfile.to_dict` output without validating it again
    (for data the store validated when it was written)."""
    values = {k: (tuple(v) if k in LIST_FIELDS else v) for k, v in data.items()
              if k in ALL_FIELDS}
    return ActorProfile(**values)


def unknown_fields(record: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Fields of ``record`` that are not profile fields: those that look like nothing we know,
    and the near misses (a typo such as ``countires``) with the field they probably meant."""
    extra, typos = [], {}
    for key in sorted(str(k) for k in set(record) - set(ALL_FIELDS)):
        close = difflib.get_close_matches(key.lower(), ALL_FIELDS, n=1, cutoff=0.8)
        if close:
            typos[key] = close[0]
        else:
            extra.append(key)
    return extra, typos


def validate_record(record: Mapping[str, Any], *, line: int | None = None,
                    ignore_extra: bool = False) -> ActorProfile:
    """Check one raw record (from JSON, CSV or the API) and return the profile.

    Raises :class:`ValidationError` listing every problem, each with field, value and reason.
    Country names in French, Dutch or English are normalised to ISO 3166-1 alpha-2 codes.
    With ``ignore_extra`` (files exported by other tools), fields that look like nothing we know
    are skipped (see :func:`unknown_fields`); a near miss of a known field is still an error,
    since skipping it would lose that field's data.
    """
    issues: list[Issue] = []

    def bad(fieldname: str, message: str, value: object = None) -> None:
        issues.append(Issue(message, field=fieldname, line=line, value=value))

    if not isinstance(record, Mapping):
        raise ValidationError([Issue(f"expected an object with fields, got {_type(record)}",
                                     line=line)])
    # A name that is not text (JSON may escape a lone surrogate in a key too) cannot be stored,
    # skipped or even named in a reply: refuse the record, naming the key with escapes.
    broken_keys = [key for key in record if isinstance(key, str) and not is_text(key)]
    for key in broken_keys:
        bad(printable(key), "this field name holds an unpaired surrogate escape "
                            "(\\ud800-\\udfff), which is not text: rename the field")
    extra, typos = unknown_fields({k: v for k, v in record.items() if k not in broken_keys})
    for key, meant in typos.items():
        bad(key, f"unknown field: did you mean '{meant}'? (allowed: {', '.join(ALL_FIELDS)})")
    if not ignore_extra:
        for key in extra:
            bad(key, f"unknown field (allowed: {', '.join(ALL_FIELDS)})")
    unreadable: set[str] = set()  # fields reported here, not checked any further
    for key in ALL_FIELDS:
        value = record.get(key)
        items = value if isinstance(value, list | tuple) else (value,)
        texts = [item for item in items if isinstance(item, str)]
        control = next((found for text in texts if (found := _CONTROL_RE.search(text))), None)
        override = next((found for text in texts if (found := _OVERRIDE_RE.search(text))),
                        None)
        if any(not is_text(text) for text in texts):
            bad(key, "holds an unpaired surrogate escape (\\ud800-\\udfff), which is not text")
            unreadable.add(key)
        elif control:
            bad(key, f"holds the control character U+{ord(control.group()):04X}; text may hold "
                     "tabs and line breaks but no other control character")
            unreadable.add(key)
        elif override:
            bad(key, f"holds the direction control U+{ord(override.group()):04X}, which shows "
                     "text in another order than it is written; remove it")
            unreadable.add(key)
    values: dict[str, Any] = {}
    for key in REQUIRED:
        value = record.get(key)
        if key in unreadable:
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            bad(key, "is required and missing or empty")
        elif not isinstance(value, str):
            bad(key, f"must be text, got {_type(value)}", value)
        elif not has_words(value):
            # "\u200b", "\u0007", "-": nothing a reader, or the matcher, could use.
            bad(key, "is required and holds no letter or digit (only spaces, punctuation or "
                     "invisible characters)", value)
        elif key in _ONE_LINE and any(char in value.strip() for char in "\t\r\n"):
            bad(key, "must be one line (it holds a tab or a line break)", value)
        else:
            values[key] = value.strip()
    if values.get("id") in RESERVED_IDS:
        bad("id", f"'{values['id']}' is reserved (it names an address of the service); "
                  "choose another id", values["id"])
    elif "id" in values and not _ID_RE.match(values["id"]):
        bad("id", f"'{clip(values['id'])}' is not a valid id: use {ID_RULE}", values["id"])
    if "name" in values and len(values["name"]) > MAX_NAME_CHARS:
        bad("name", f"is {len(values['name'])} characters long; the limit is {MAX_NAME_CHARS}")
    if "kind" in values:
        values["kind"] = normalise_kind(values["kind"]) or values["kind"]
    if "kind" in values and values["kind"] not in KINDS:
        bad("kind", f"'{clip(values['kind'])}' is not a known kind "
                    f"(allowed: {', '.join(KINDS)})", values["kind"])
    if "description" in values and len(values["description"]) > MAX_TEXT_CHARS:
        bad("description", f"is {len(values['description'])} characters long; "
                           f"the limit is {MAX_TEXT_CHARS}")

    lists: dict[str, tuple[str, ...]] = {}
    for key in LIST_FIELDS:
        items = None if key in unreadable else _as_list(record.get(key), key, bad)
        if items is None:
            continue
        if len(items) > MAX_LIST_ITEMS:
            bad(key, f"has {len(items)} items; the limit is {MAX_LIST_ITEMS}")
            continue
        lists[key] = items
    langs = []
    for lang in _split_if_list(lists.get("languages", ()), language_code):
        code = language_code(lang)
        if code is None:
            bad("languages", f"'{clip(lang)}' is not an ISO 639-1 code (two letters such as "
                             "fr, nl, en, ar, ln) nor a language name we know (in English, "
                             "French or Dutch, such as Lingala or néerlandais)", lang)
        elif code not in langs:
            langs.append(code)
    countries = []
    for name in _split_if_list(lists.get("countries", ()), gazetteer().countries_named):
        codes = gazetteer().countries_named(name)
        if not codes:
            bad("countries", f"'{clip(name)}' is not a known country (use an ISO 3166-1 "
                             "code such as CD, MA, SN or a name in French, Dutch or English)",
                name)
        countries.extend(code for code in codes if code not in countries)
    themes = []
    for theme in lists.get("themes", ()):
        if not has_words(theme):
            bad("themes", f"theme '{clip(theme)}' holds no letter or digit; leave it out",
                theme)
        elif len(theme) > MAX_THEME_CHARS:
            bad("themes", f"theme '{clip(theme)}' is longer than {MAX_THEME_CHARS} characters")
        elif theme not in themes:
            themes.append(theme)

    texts: dict[str, str] = {}
    for key in TEXT_FIELDS:
        value = record.get(key)
        if value is None or value == "" or key in unreadable:
            continue
        if key in ("offers", "needs") and isinstance(value, list | tuple):
            wrong = [item for item in value if not isinstance(item, str)]
            if wrong:
                bad(key, f"items must be text, got {_type(wrong[0])}", wrong[0])
                continue
            # Offers and needs are often typed as a list: joined, they read as a typed list.
            value = "; ".join(item.strip() for item in value if item.strip())
        if not isinstance(value, str):
            bad(key, f"must be text, got {_type(value)}", value)
            continue
        value = value.strip()
        if not value:
            continue
        if not has_words(value):
            bad(key, "holds no letter or digit (only spaces, punctuation or invisible "
                     "characters); leave it out if there is nothing to say", value)
            continue
        if key in _ONE_LINE and any(char in value for char in "\t\r\n"):
            bad(key, "must be one line (it holds a tab or a line break)", value)
            continue
        limit = MAX_TEXT_CHARS if key in ("offers", "needs") else MAX_SHORT_CHARS
        if len(value) > limit:
            bad(key, f"is {len(value)} characters long; the limit is {limit}")
            continue
        texts[key] = value
    if texts.get("contact_email") and not _EMAIL_RE.match(texts["contact_email"]):
        bad("contact_email", f"'{clip(texts['contact_email'])}' is not an e-mail address")
    if texts.get("website") and _BARE_DOMAIN_RE.match(texts["website"]):
        texts["website"] = "https://" + texts["website"]  # "www.example.org" as typed
    if texts.get("website") and not _URL_RE.match(texts["website"]):
        bad("website", f"'{clip(texts['website'])}' is not an http(s):// address")

    if issues:
        raise ValidationError(issues)
    return ActorProfile(
        id=values["id"], name=values["name"], kind=values["kind"],
        description=values["description"], languages=tuple(langs), countries=tuple(countries),
        themes=tuple(themes), **texts,
    )


# Kinds as people write them in French, Dutch or English ("ONG", "asbl", "gemeente",
# "diaspora organisation", "conseil consultatif", "consultant").
_KIND_SYNONYMS = {
    "commune": ("municipality", "municipalite", "gemeente", "gemeentebestuur",
                "administration communale", "local authority", "pouvoir local", "city",
                "ville"),
    "advisory_council": ("council", "conseil consultatif", "adviesraad",
                         "conseil consultatif communal", "gemeentelijke adviesraad", "ccsi",
                         "conseil consultatif de la solidarite internationale"),
    "ngo": ("ong", "non governmental organisation", "non governmental organization",
            "niet gouvernementele organisatie"),
    "association": ("asbl", "vzw", "vereniging", "non profit", "nonprofit", "npo"),
    "diaspora": ("diaspora organisation", "diaspora organization", "diaspora association",
                 "diaspora group", "diasporavereniging", "diasporaorganisatie",
                 "association de la diaspora", "organisation de la diaspora",
                 "diaspora organisatie", "diaspora vereniging", "diasporagroep",
                 "migrant organisation", "migrant organization", "migrantenorganisatie",
                 "zelforganisatie", "organisation de migrants", "association de migrants"),
    "regional_body": ("region", "regional", "gewest", "regional authority", "public body",
                      "organisme regional", "gewestelijke instelling", "brussels region",
                      "region bruxelloise", "region de bruxelles capitale", "brussels gewest",
                      "brussels hoofdstedelijk gewest", "organisme public",
                      "overheidsinstelling"),
    "expert": ("consultant", "consultante", "experte", "deskundige", "specialist",
               "independent expert", "expert independant"),
    "other": ("autre", "ander", "andere", "foundation", "fondation", "stichting",
              "university", "universite", "universiteit", "hogeschool", "haute ecole",
              "school", "ecole", "hospital", "hopital", "ziekenhuis", "company", "entreprise",
              "bedrijf", "cooperative", "cooperatie", "research centre", "research center",
              "centre de recherche", "onderzoekscentrum"),
}
_KIND_OF_NAME = {fold(name): kind for kind, names in _KIND_SYNONYMS.items() for name in names}


def normalise_kind(value: str) -> str | None:
    """The kind a hand-written value means ("NGO", "Advisory council", "regional-body", "asbl",
    "gemeente", "diaspora organisation"); ``None`` when unknown."""
    folded = fold(value)
    as_code = folded.replace(" ", "_")
    if as_code in KINDS:
        return as_code
    kind = _KIND_OF_NAME.get(folded)
    if kind is None and "(" in value:  # "NGO (Belgian)", "asbl (association sans but lucratif)"
        head = value.split("(", 1)[0]
        kind = normalise_kind(head) if head.strip() else None
    return kind


def language_code(value: str) -> str | None:
    """ISO 639-1 code of a code or of a language's name in English, French or Dutch ("Dutch",
    "néerlandais", "Nederlands" -> "nl"); ``None`` when unknown (two letters that are no ISO
    639-1 code, "xx", included). A language without a two-letter code keeps its ISO 639-2/3
    code ("Tamazight", "ber" -> "ber")."""
    code = value.strip().lower()
    if code in ISO_639_1:
        return code
    locale = _LOCALE_RE.match(code)  # "fr-BE", "nl_BE": the language of a locale tag
    if locale:
        return language_code(locale.group(1))
    return _language_names().get(fold(value))


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    text = resources.files("matcher.resources").joinpath("languages.csv").read_text("utf-8")
    names: dict[str, str] = {}
    for row in csv.DictReader(text.splitlines()):
        for name in (row["en"], row["fr"], row["nl"], *row["other"].split(";")):
            if name.strip():
                names[fold(name)] = row["code"]
    return names


def _as_list(value: Any, key: str, bad: Any) -> tuple[str, ...] | None:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        # CSV cells and hand-written JSON may give "a; b" for a list.
        return tuple(part.strip() for part in value.split(";") if part.strip())
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            if not isinstance(item, str):
                bad(key, f"items must be text, got {_type(item)}", item)
                return None
            # An item "eau; santé" is two, as in a CSV cell: stored whole, it would come back
            # as two from a CSV export.
            items.extend(part.strip() for part in item.split(";") if part.strip())
        return tuple(items)
    bad(key, f"must be a list of text, got {_type(value)}", value)
    return None


_LIST_SEPARATOR = re.compile(r"\s*[,/&+|]\s*|\s+(?:and|et|en|y)\s+", re.IGNORECASE)
# "fr en nl" lists three language codes: the Dutch "en" is one of them, not "and".
_CODES_BY_SPACES = re.compile(r"[A-Za-z]{2,3}(?:\s+[A-Za-z]{2,3})+")


def _split_if_list(items: Sequence[str], known: Callable[[str], object]) -> list[str]:
    """Items with "fr, nl", "fr en nl", "Sénégal / Mali" or "Rwanda en Burundi" split when the
    whole is unknown and every part is known; a name with a comma or an "and" of its own
    ("Congo, Democratic Republic of the", "Trinidad and Tobago") stays whole."""
    out: list[str] = []
    for item in items:
        separator = r"\s+" if _CODES_BY_SPACES.fullmatch(item.strip()) else _LIST_SEPARATOR
        parts = [part for part in re.split(separator, item.strip()) if part]
        if len(parts) > 1 and not known(item) and all(known(part) for part in parts):
            out.extend(parts)
        else:
            out.append(item)
    return out


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit: "-----", "\u200b" or "!!!" says nothing."""
    return any(char.isalnum() for char in text)


def printable(name: str) -> str:
    """``name`` as it can be shown and sent back: an unpaired surrogate, which no encoding
    writes, as its escape ("note\\ud800")."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def is_text(value: str) -> bool:
    """Whether ``value`` is valid Unicode (JSON can escape a lone UTF-16 surrogate, which is
    not)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: Fields shown on one line (tables, result cards): a tab or line break there is a typing slip.
_ONE_LINE = frozenset({"id", "name", "kind", "commune", "website", "contact_email"})


def _type(value: object) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


