import pytest

from matcher.errors import ValidationError
from matcher.profile import ISO_639_1, KINDS, language_code, validate_record

VALID = {"id": "ngo-eau", "name": "Eau Vive", "kind": "ngo",
         "description": "Accès à l'eau potable à Kinshasa."}


def issues_of(record):
    with pytest.raises(ValidationError) as info:
        validate_record(record, line=7)
    return info.value.issues


def test_valid_record_is_normalised():
    profile = validate_record({**VALID, "countries": "RDC; Marokko; CD", "languages": ["FR"],
                               "themes": ["eau", "eau", "santé"]})
    assert profile.countries == ("CD", "MA")
    assert profile.languages == ("fr",)
    assert profile.themes == ("eau", "santé")


@pytest.mark.parametrize("field", ["id", "name", "kind", "description"])
def test_missing_required_field(field):
    record = {k: v for k, v in VALID.items() if k != field}
    [issue] = issues_of(record)
    assert issue.field == field and issue.line == 7
    assert "required" in issue.message


def test_unknown_kind_names_allowed_values():
    [issue] = issues_of({**VALID, "kind": "bank"})
    assert issue.field == "kind"
    assert "'bank'" in issue.message and all(k in issue.message for k in KINDS)


def test_unknown_country_is_reported_with_value():
    [issue] = issues_of({**VALID, "countries": ["Atlantis"]})
    assert issue.field == "countries" and "'Atlantis'" in issue.message


def test_text_over_limit():
    [issue] = issues_of({**VALID, "description": "x" * 10_001})
    assert issue.field == "description" and "10001" in issue.message and "10000" in issue.message


def test_offers_and_needs_typed_as_a_list_are_one_text():
    profile = validate_record({**VALID, "offers": ["Forages", " formation de réparateurs "],
                               "needs": ["", "Un partenaire communal"]})
    assert profile.offers == "Forages; formation de réparateurs"
    assert profile.needs == "Un partenaire communal"
    [issue] = issues_of({**VALID, "offers": ["Forages", 3]})
    assert issue.field == "offers" and "must be text" in issue.message


def test_wrong_types_and_unknown_fields_all_reported():
    issues = issues_of({**VALID, "name": 12, "countries": "CD", "themes": [1], "colour": "red"})
    assert {i.field for i in issues} == {"name", "themes", "colour"}


def test_bad_id_email_and_website():
    issues = issues_of({**VALID, "id": "Eau Vive", "contact_email": "nobody",
                        "website": "ftp://x"})
    assert {i.field for i in issues} == {"id", "contact_email", "website"}


def test_not_an_object():
    [issue] = issues_of(["a", "list"])
    assert "expected an object" in issue.message


def test_private_fields_hidden_on_request():
    profile = validate_record({**VALID, "contact_email": "info@example.org"})
    assert "contact_email" in profile.to_dict()
    assert "contact_email" not in profile.to_dict(private=False)


def test_unpaired_surrogate_is_refused():
    [issue] = issues_of({**VALID, "name": "bad \ud800 text"})
    assert issue.field == "name" and "surrogate" in issue.message


@pytest.mark.parametrize("reserved", ["export", "import"])
def test_reserved_ids(reserved):
    [issue] = issues_of({**VALID, "id": reserved})
    assert issue.field == "id" and "reserved" in issue.message


@pytest.mark.parametrize("written, kind", [("NGO", "ngo"), ("Advisory council", "advisory_council"),
                                           ("regional-body", "regional_body")])
def test_kind_spelling_is_normalised(written, kind):
    assert validate_record({**VALID, "kind": written}).kind == kind


def test_values_written_by_hand_are_normalised():
    profile = validate_record({**VALID, "kind": "asbl", "languages": ["French", "Nederlands",
                                                                      "en", "Lingala"],
                               "website": "www.example.org/about"})
    assert profile.kind == "association"
    assert profile.languages == ("fr", "nl", "en", "ln")
    # Languages without a two-letter code keep their ISO 639-2/3 code, which re-imports.
    assert validate_record({**VALID, "languages": ["Tamazight", "Dioula", "ber"]}
                           ).languages == ("ber", "dyu")
    assert profile.website == "https://www.example.org/about"
    for written, kind in [("NGO", "ngo"), ("ONG", "ngo"), ("gemeente", "commune"),
                          ("Diaspora organisation", "diaspora"),
                          ("conseil consultatif", "advisory_council"),
                          ("Consultant", "expert"), ("regional-body", "regional_body"),
                          ("CCSI", "advisory_council"), ("diaspora-organisatie", "diaspora")]:
        assert validate_record({**VALID, "kind": written}).kind == kind


def test_other_organisation_types_locale_tags_and_more_languages_are_read():
    for written, kind in [("NGO (Belgian)", "ngo"), ("Fondation", "other"),
                          ("Haute École", "other"), ("coöperatie", "other"),
                          ("migrantenorganisatie", "diaspora"),
                          ("Région de Bruxelles-Capitale", "regional_body")]:
        assert validate_record({**VALID, "kind": written}).kind == kind
    [issue] = issues_of({**VALID, "kind": "platform (network)"})
    assert issue.field == "kind" and "platform (network)" in issue.message
    profile = validate_record({**VALID, "languages": ["fr-BE", "nl_BE", "Kurdish", "népalais",
                                                     "Roemeens", "LSFB", "Vlaamse Gebarentaal"]})
    assert profile.languages == ("fr", "nl", "ku", "ne", "ro", "sfb", "vgt")
    assert issues_of({**VALID, "languages": ["fr-BELG"]})[0].field == "languages"


def test_occupied_palestinian_territory_atlas_and_amazonia_are_places():
    profile = validate_record({**VALID, "countries": ["Occupied Palestinian Territory",
                                                      "Haut Atlas", "Amazonie"]})
    assert profile.countries == ("PS", "MA", "BR", "PE", "CO", "EC", "BO", "VE")


def test_unknown_language_name_is_reported():
    issues = issues_of({**VALID, "languages": ["Klingon"]})
    assert issues[0].field == "languages" and "Klingon" in issues[0].message


def test_countries_field_accepts_regions_and_towns():
    profile = validate_record({**VALID, "countries": ["Sahel", "Kinshasa", "Mali"]})
    assert profile.countries == ("ML", "BF", "NE", "MR", "TD", "SN", "CD")


def test_comma_separated_countries_and_languages_are_split_when_each_part_is_known():
    profile = validate_record({**VALID, "countries": "Sénégal, Mali", "languages": ["fr/nl"]})
    assert profile.countries == ("SN", "ML")
    assert profile.languages == ("fr", "nl")
    whole = validate_record({**VALID, "countries": ["Congo, Democratic Republic of the"]})
    assert whole.countries == ("CD",)
    issues = issues_of({**VALID, "countries": ["Sénégal, Atlantis"]})
    assert issues[0].field == "countries" and "Sénégal, Atlantis" in issues[0].message


def test_countries_joined_by_a_word_and_languages_by_spaces_are_split():
    profile = validate_record({**VALID, "countries": ["Rwanda en Burundi", "Mali et Niger"],
                               "languages": "fr en nl"})
    assert profile.countries == ("RW", "BI", "ML", "NE")
    assert profile.languages == ("fr", "en", "nl")  # the Dutch "en" is English here
    named = validate_record({**VALID, "countries": ["Trinidad and Tobago"],
                             "languages": "Frans en Nederlands"})
    assert named.countries == ("TT",)
    assert named.languages == ("fr", "nl")  # here it is "and"


@pytest.mark.parametrize("actor_id", ["ngo-eau", "ngo_eau_vive", "NGO.12", "x", "a1"])
def test_slug_ids_as_tools_make_them(actor_id):
    assert validate_record({**VALID, "id": actor_id}).id == actor_id


@pytest.mark.parametrize("actor_id", ["Eau Vive", "-eau", "eau-", "eau/vive", "é-eau", "x" * 81])
def test_ids_that_are_not_slugs(actor_id):
    [issue] = issues_of({**VALID, "id": actor_id})
    assert issue.field == "id" and "not a valid id" in issue.message


@pytest.mark.parametrize("field, value", [("name", "\u0007\u0008"), ("description", "\u0000"),
                                          ("description", "abc\u0000def"),
                                          ("offers", "Forages\x1b[31m"), ("themes", ["eau\x7f"]),
                                          ("commune", "Uccle\x85")])
def test_control_characters_are_refused_naming_the_field(field, value):
    [issue] = issues_of({**VALID, field: value})
    assert issue.field == field and "control character" in issue.message


@pytest.mark.parametrize("field, value", [("name", "Eau Vive\u202e2202"),
                                          ("themes", ["\u202deau"]),
                                          ("description", "Eau \u202bpotable")])
def test_direction_overrides_are_refused_naming_the_field(field, value):
    [issue] = issues_of({**VALID, field: value})
    assert issue.field == field and "direction control U+202" in issue.message


def test_direction_marks_and_isolates_of_mixed_scripts_are_text():
    name = "\u062c\u0645\u0639\u064a\u0629 \u2066Rif Water\u2069 \u200easbl"
    assert validate_record({**VALID, "name": name}).name == name


def test_tabs_and_line_breaks_are_text():
    profile = validate_record({**VALID, "description": "Eau\tpotable\r\nà Kinshasa\n"})
    assert profile.description == "Eau\tpotable\r\nà Kinshasa"


@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize("value", ["\u200b", "\ufeff \u200d", "-", " ... "])
def test_required_text_needs_a_letter_or_digit(field, value):
    [issue] = issues_of({**VALID, field: value})
    assert issue.field == field and "no letter or digit" in issue.message
    assert validate_record({**VALID, field: f"{value}42"})  # a digit is content


@pytest.mark.parametrize("code", ["xx", "zz", "qq", "iw", "sh"])
def test_two_letters_that_are_no_iso_639_1_code_are_refused(code):
    [issue] = issues_of({**VALID, "languages": ["fr", code]})
    assert issue.field == "languages" and f"'{code}'" in issue.message
    assert "ISO 639-1" in issue.message and "language name" in issue.message


def test_iso_639_1_codes_and_other_codes_we_know_are_accepted():
    assert len(ISO_639_1) == 184
    codes = ["he", "yi", "id", "jv", "ln", "rw", "rn", "wo", "ff", "ha", "yo", "ig", "am", "ti",
             "om", "so", "sw", "mg", "ar", "fa", "ps", "ku", "bh", "za", "zu"]
    assert all(language_code(code.upper()) == code for code in codes)
    assert validate_record({**VALID, "languages": ["ber", "dyu", "fr-BE", "Wolof"]}
                           ).languages == ("ber", "dyu", "fr", "wo")
    assert language_code("xx-BE") is None


def test_a_list_item_with_semicolons_is_several_items_as_in_a_csv_cell():
    profile = validate_record({"id": "a", "name": "A", "kind": "ngo", "description": "Puits.",
                               "themes": ["eau; santé", "genre"]})
    assert profile.themes == ("eau", "santé", "genre")


@pytest.mark.parametrize("offers, shown", [([1, 2], "a number"), (["a", None], "null")])
def test_offers_items_that_are_not_text_are_named(offers, shown):
    with pytest.raises(ValidationError) as info:
        validate_record({"id": "a", "name": "A", "kind": "ngo", "description": "Puits.",
                         "offers": offers})
    assert info.value.issues[0].field == "offers"
    assert f"items must be text, got {shown}" in info.value.issues[0].message


@pytest.mark.parametrize("field, value, expected", [
    ("name", "Tab\there", "must be one line"),
    ("name", "A\nB", "must be one line"),
    ("commune", "Ixelles\nElsene", "must be one line"),
    ("commune", "\u200b", "holds no letter or digit"),
    ("needs", "- - -", "holds no letter or digit"),
    ("themes", ["eau", "-"], "theme '-' holds no letter or digit"),
])
def test_short_fields_are_one_line_and_optional_texts_hold_words(field, value, expected):
    record = {"id": "a", "name": "A", "kind": "ngo", "description": "Puits.", field: value}
    with pytest.raises(ValidationError) as info:
        validate_record(record)
    assert info.value.issues[0].field == field and expected in info.value.issues[0].message
