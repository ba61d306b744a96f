import json

import pytest

from matcher.errors import InputFormatError, ValidationError
from matcher.formats import detect_format, dump_profiles, parse_profiles, read_profiles

ROWS = [
    {"id": "ngo-eau", "name": "Eau Vive", "kind": "ngo", "description": "Eau à Kinshasa.",
     "countries": ["CD"], "themes": ["eau", "santé"], "contact_email": "info@example.org"},
    {"id": "diaspora-mbour", "name": "Mbour Solidarité", "kind": "diaspora",
     "description": "Diaspora sénégalaise de Mbour.", "countries": ["Sénégal"]},
]


def jsonl(rows):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def test_reads_the_three_formats_to_the_same_profiles():
    from_jsonl = parse_profiles(jsonl(ROWS), "jsonl")
    from_json = parse_profiles(json.dumps(ROWS).encode(), "json")
    csv_text = dump_profiles(from_jsonl, "csv")
    from_csv = parse_profiles(csv_text.encode(), "csv")
    assert from_jsonl == from_json == from_csv
    assert from_jsonl[1].countries == ("SN",)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_export_round_trip(fmt):
    profiles = parse_profiles(jsonl(ROWS), "jsonl")
    assert parse_profiles(dump_profiles(profiles, fmt).encode(), fmt) == profiles


def test_semicolon_csv_as_written_by_belgian_spreadsheets():
    data = b"id;name;kind;description;countries\nx-1;X;ngo;Texte;RDC\n"
    [profile] = parse_profiles(data, "csv")
    assert profile.countries == ("CD",)


def test_every_bad_row_is_reported_with_its_line():
    rows = [ROWS[0], {**ROWS[1], "kind": "bank"}, {"id": "x"}, ROWS[0]]
    with pytest.raises(ValidationError) as info:
        parse_profiles(jsonl(rows), "jsonl")
    described = [i.describe() for i in info.value.issues]
    assert any(d.startswith("line 2: field 'kind'") for d in described)
    assert any(d.startswith("line 3: field 'name'") for d in described)
    assert any(d.startswith("line 4: field 'id': duplicate id 'ngo-eau'") for d in described)


def test_columns_of_other_tools_are_skipped_and_named():
    data = b"id;name;kind;description;city;notes\nx-1;X;ngo;Texte;Gent;a note\n"
    parsed = read_profiles(data, "csv")
    assert [p.id for p in parsed.profiles] == ["x-1"]
    assert parsed.ignored_fields == ("city", "notes")


def test_a_typo_of_a_profile_field_is_an_error_not_skipped():
    with pytest.raises(ValidationError) as info:
        parse_profiles(jsonl([{**ROWS[1], "countires": ["CD"]}]), "jsonl")
    [issue] = info.value.issues
    assert issue.field == "countires" and "did you mean 'countries'" in issue.message


def test_malformed_json_line():
    with pytest.raises(InputFormatError) as info:
        parse_profiles(jsonl(ROWS[:1]) + b"{not json\n", "jsonl")
    assert info.value.issues[0].line == 2


def test_malformed_json_array():
    with pytest.raises(InputFormatError, match="malformed JSON"):
        parse_profiles(b"[{", "json")


def test_json_must_be_array_of_objects():
    with pytest.raises(InputFormatError, match="array"):
        parse_profiles(b"42", "json")


def test_csv_with_missing_columns_or_extra_cells():
    with pytest.raises(InputFormatError, match="lacks required column"):
        parse_profiles(b"id,name\nx,y\n", "csv")
    with pytest.raises(InputFormatError, match="cells"):
        parse_profiles(b"id,name,kind,description\nx,y,ngo,d,extra\n", "csv")


@pytest.mark.parametrize("data", [b"", b"  \n\n"])
def test_empty_file(data):
    with pytest.raises(InputFormatError, match="empty"):
        parse_profiles(data, "jsonl")


def test_non_utf8_file():
    with pytest.raises(InputFormatError, match="not valid UTF-8") as info:
        parse_profiles('{"id": "x", "name": "Élan"}\n'.encode("latin-1"), "jsonl")
    assert info.value.issues[0].line == 1


def test_utf8_bom_is_accepted():
    assert parse_profiles(b"\xef\xbb\xbf" + jsonl(ROWS[:1]), "jsonl")[0].id == "ngo-eau"


def test_format_from_extension():
    assert detect_format("a.JSONL") == "jsonl"
    assert detect_format("a.csv") == "csv"
    with pytest.raises(InputFormatError, match=".xlsx|xlsx"):
        detect_format("a.xlsx")
