"""The vCard download: parsed back, escaping, folding, UTF-8, file name."""

import re

from crm.contacts.vcard import contact_vcard, escape_text, fold_line, vcard_filename
from crm.extensions import db


def parse_vcard(text: str) -> dict[str, list[tuple[str, list[str]]]]:
    """Parse a vCard 3.0 strictly enough to catch escaping and folding mistakes."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "bare line feeds"
    lines = text[:-2].split("\r\n")
    for line in lines:
        assert len(line.encode("utf-8")) <= 75, line
    unfolded: list[str] = []
    for line in lines:
        if line.startswith(" "):
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    result: dict[str, list[tuple[str, list[str]]]] = {}
    for line in unfolded:
        head, value = line.split(":", 1)
        name, *params = head.split(";")
        parts = [_unescape(part) for part in re.split(r"(?<!\\);", value)] if _escaped_ok(value) else None
        assert parts is not None, f"bad escape in {line!r}"
        result.setdefault(name, []).append((";".join(params), parts))
    return result


def _escaped_ok(value: str) -> bool:
    # Every backslash starts one of the four escapes; a bare comma would split a TEXT value.
    i = 0
    while i < len(value):
        if value[i] == "\\":
            if i + 1 >= len(value) or value[i + 1] not in "\\,;nN":
                return False
            i += 2
            continue
        if value[i] == ",":
            return False
        i += 1
    return True


def _unescape(part: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), part)


def test_vcard_parses_back_with_all_fields(create_employer, create_contact):
    employer = create_employer(
        "Bäckerei Müller; Söhne, Filiale \\ Altona", street="Große Bergstraße 1", postcode="22767", city="Hamburg"
    )
    contact = create_contact(
        employer,
        "Müller-Lüdenscheidt",
        first_name="Anna, Maria",
        title="Dr.",
        function="Leitung; Personal\nund Ausbildung",
        phone="040 123456-12",
        mobile="0171 1234567",
        email="anna@example.org",
        notes="Interne Notiz, nicht für das Telefon",
    )
    card = parse_vcard(contact_vcard(contact))
    assert card["BEGIN"] == [("", ["VCARD"])] and card["END"] == [("", ["VCARD"])]
    assert card["VERSION"] == [("", ["3.0"])]
    assert card["N"] == [("", ["Müller-Lüdenscheidt", "Anna, Maria", "", "Dr.", ""])]
    assert card["FN"] == [("", ["Dr. Anna, Maria Müller-Lüdenscheidt"])]
    assert card["ORG"] == [("", ["Bäckerei Müller; Söhne, Filiale \\ Altona"])]
    assert card["TITLE"] == [("", ["Leitung; Personal\nund Ausbildung"])]
    assert ("TYPE=WORK,VOICE", ["040 123456-12"]) in card["TEL"]
    assert ("TYPE=CELL,VOICE", ["0171 1234567"]) in card["TEL"]
    assert card["EMAIL"] == [("TYPE=INTERNET,WORK", ["anna@example.org"])]
    assert card["ADR"][0][1][2:6] == ["Große Bergstraße 1", "Hamburg", "", "22767"]
    assert "NOTE" not in card  # internal notes stay in the CRM


def test_do_not_contact_is_written_into_the_card(create_employer, create_contact):
    contact = create_contact(create_employer(), "Schulz", do_not_contact=True)
    card = parse_vcard(contact_vcard(contact))
    assert card["NOTE"] == [("", ["Nicht kontaktieren"])]


def test_long_lines_fold_without_splitting_umlauts():
    line = "NOTE:" + "ä" * 100
    folded = fold_line(line)
    for part in folded.split("\r\n"):
        assert len(part.encode("utf-8")) <= 75
        part.encode("utf-8").decode("utf-8")  # no half characters
    assert folded.replace("\r\n ", "") == line


def test_escape_text_escapes_backslash_first():
    assert escape_text("a\\b,c;d\r\ne\nf") == "a\\\\b\\,c\\;d\\ne\\nf"


def test_download_is_utf8_vcard_named_after_the_person(login_as, create_employer, create_contact):
    contact = create_contact(create_employer(), "Müller", first_name="Jürgen")
    client = login_as("viewer")
    response = client.get(f"/contacts/{contact.id}.vcf")
    assert response.status_code == 200
    assert response.mimetype == "text/vcard"
    assert response.mimetype_params.get("charset") == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''J%C3%BCrgen%20M%C3%BCller.vcf" in disposition
    card = parse_vcard(response.get_data().decode("utf-8"))
    assert card["FN"] == [("", ["Jürgen Müller"])]


def test_file_name_drops_characters_file_systems_reject(create_employer, create_contact):
    contact = create_contact(create_employer(), "Schulz/../etc", first_name='A"n:na')
    assert vcard_filename(contact) == "Anna Schulzetc.vcf"
    db.session.rollback()


def test_vcard_of_unknown_contact_is_404(login_as):
    assert login_as("viewer").get("/contacts/999.vcf").status_code == 404
