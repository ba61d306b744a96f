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


# -- CSV as spreadsheets and dump_profiles write it -------------------------------------------
TRICKY = [
    {"id": "q-1", "name": 'Le "Projet", Goma; Kivu', "kind": "ngo",
     "description": 'Ligne 1\nLigne 2\r\nfin\tavec tab, virgule; point-virgule et ""guillemets""',
     "offers": 'Forages\t"clé en main", formation; suivi', "needs": "Un partenaire\n\tcommunal",
     "themes": ["eau, potable", 'santé "publique"'], "languages": ["fr", "ln"],
     "commune": "Saint-Josse", "contact_email": "info@example.org"},
    {"id": "q-2", "name": "Sans souci", "kind": "association",
     "description": '"Tout" entre guillemets', "needs": "ligne\u2028séparée"},
]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_quotes_delimiters_and_line_breaks_in_text_survive_a_round_trip(fmt):
    profiles = parse_profiles(jsonl(TRICKY), "jsonl")
    assert profiles[0].name == 'Le "Projet", Goma; Kivu'
    assert parse_profiles(dump_profiles(profiles, fmt).encode(), fmt) == profiles


def test_csv_doubled_quotes_and_quoted_header_are_standard_csv():
    data = 'id,name,kind,description\nq-3,A,ngo,"Le projet ""Eau"" à Goma"\n'.encode()
    assert parse_profiles(data, "csv")[0].description == 'Le projet "Eau" à Goma'
    quoted = b'"id";"name";"kind";"description"\nq-4;B;ngo;"un; deux"\n'
    assert parse_profiles(quoted, "csv")[0].description == "un; deux"
    # The delimiter is the header's, not one inside a quoted column name.
    tabs = b'id\tname\tkind\tdescription\t"notes, misc"\nq-5\tC\tngo\ta, b\tx\n'
    [profile] = parse_profiles(tabs, "csv")
    assert profile.description == "a, b"
    spaced = parse_profiles(b'id, name, kind, description\nq-6, D, ngo, "e, f"\n', "csv")
    assert spaced[0].description == "e, f"


def test_csv_header_names_fields_whatever_their_case_and_spaces():
    data = b"ID,Name , KIND,Description,Countries,Notes\nq-7,G,ngo,Eau potable,Maroc,x\n"
    parsed = read_profiles(data, "csv")
    [profile] = parsed.profiles
    assert (profile.id, profile.name, profile.kind, profile.countries) == ("q-7", "G", "ngo",
                                                                          ("MA",))
    assert parsed.ignored_fields == ("Notes",)  # not a field: skipped under its own name
    with pytest.raises(InputFormatError, match="column 'id' appears twice"):
        parse_profiles(b"id,name,kind,description,ID\nq-8,H,ngo,d,e\n", "csv")


def test_csv_unnamed_columns_are_named_by_their_place():
    parsed = read_profiles(b'id,name,kind,description,,"  "\nq-9,I,ngo,Eau,a,\n', "csv")
    assert parsed.ignored_fields == ("(unnamed column 5)",)  # column 6 holds nothing
    assert parsed.profiles[0].description == "Eau"


def test_csv_errors_are_reported_at_the_line_where_the_row_starts():
    with pytest.raises(InputFormatError) as info:
        parse_profiles(b'id,name,kind,description\nx,X,ngo,"never closed\n', "csv")
    [issue] = info.value.issues
    assert issue.line == 2 and "never closed" in issue.message
    with pytest.raises(ValidationError) as info:
        parse_profiles(b'id,name,kind,description\nx,X,bank,"on\nthree\nlines"\ny,Y,ngo,d\n', "csv")
    [issue] = info.value.issues
    assert (issue.line, issue.field) == (2, "kind")


def test_an_over_long_csv_cell_is_a_too_long_field_not_a_csv_error():
    data = ("id,name,kind,description\nx,X,ngo," + "x" * 200_000 + "\n").encode()
    with pytest.raises(ValidationError) as info:
        parse_profiles(data, "csv")
    [issue] = info.value.issues
    assert (issue.line, issue.field) == (2, "description")
    assert "200000" in issue.message and "10000" in issue.message


# -- keys and columns -----------------------------------------------------------------------
def test_a_column_given_twice_is_an_error():
    with pytest.raises(InputFormatError) as info:
        parse_profiles(b"id,id,name,kind,description\na,b,A,ngo,d\n", "csv")
    [issue] = info.value.issues
    assert (issue.line, issue.field) == (1, "id") and "twice" in issue.message


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_a_json_key_given_twice_is_an_error(fmt):
    record = '{"id": "new-1", "id": "new-2", "name": "A", "kind": "ngo", "description": "d"}'
    data = (jsonl(ROWS[:1]).decode() + record + "\n").encode()
    if fmt == "json":
        data = ("[" + ",\n".join(data.decode().splitlines()) + "]").encode()  # one per line
    with pytest.raises(ValidationError) as info:
        parse_profiles(data, fmt)
    [issue] = info.value.issues
    assert (issue.line, issue.field) == (2, "id") and "duplicate key 'id'" in issue.message


def test_a_key_that_is_not_unicode_text_is_an_error_named_safely():
    data = b'{"id": "a", "name": "A", "kind": "ngo", "description": "d", "note\\ud800": "x"}\n'
    with pytest.raises(ValidationError) as info:
        parse_profiles(data, "jsonl")
    [issue] = info.value.issues
    assert issue.line == 1 and issue.field == "note\\ud800" and "surrogate" in issue.message
    json.dumps(issue.to_dict(), ensure_ascii=False).encode()  # can be sent back


# -- JSON the parser gives up on --------------------------------------------------------------
HUGE = "9" * 5000
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("value, words", [(HUGE, "5000 digits"), (f"-{HUGE}", "5000 digits"),
                                          (DEEP, "nested")])
def test_json_too_long_a_number_or_too_deep_is_malformed(value, words):
    line = '{"id": "a", "name": "A", "kind": "ngo", "description": "d", "x": ' + value + "}"
    with pytest.raises(InputFormatError) as info:
        parse_profiles(jsonl(ROWS[:1]) + line.encode() + b"\n", "jsonl")
    [issue] = info.value.issues
    assert issue.line == 2 and "malformed JSON" in issue.message and words in issue.message
    with pytest.raises(InputFormatError) as info:
        parse_profiles(f'[\n{json.dumps(ROWS[0])},\n{line}]'.encode(), "json")
    [issue] = info.value.issues
    assert issue.line == 3 and "malformed JSON" in issue.message and words in issue.message


def test_digits_in_text_do_not_count_as_a_number():
    text = "1" * 5000
    record = {**ROWS[1], "description": f"Code {text}", "ref": int("7" * 40)}
    assert parse_profiles(jsonl([record]), "jsonl")[0].description.endswith(text)


def test_a_json_array_reports_the_line_where_each_profile_starts():
    good = '{"id": "a-1", "name": "A", "kind": "ngo", "description": "Puits."}'
    bad = '{\n  "id": "a-2",\n  "name": "B",\n  "kind": "club",\n  "description": "d"\n}'
    data = f"[\n  {good},\n\n  {bad}\n]".encode()
    with pytest.raises(ValidationError) as info:
        parse_profiles(data, "json")
    [issue] = info.value.issues
    assert (issue.line, issue.field) == (4, "kind")
