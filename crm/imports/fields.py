"""The fields an import can fill, the headings that name them, and the check of each cell."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.contacts.models import Salutation
from crm.employers.normalize import fold
from crm.followups.workdays import local_today

POSTCODE_RE = re.compile(r"^\d{5}$")
PHONE_RE = re.compile(r"^[0-9 +/\-()]+$")
DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y")


@dataclass(frozen=True)
class ImportField:
    key: str
    label: Any
    max_length: int | None = None
    required: bool = False
    kind: str = "text"  # text | postcode | email | phone | website | date | salutation
    # Headings (folded, without punctuation) this field is guessed from, German and English.
    aliases: tuple[str, ...] = ()


FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "name",
        _l("Employer name"),
        200,
        True,
        aliases=(
            "name",
            "firma",
            "firmenname",
            "unternehmen",
            "arbeitgeber",
            "betrieb",
            "company",
            "employer",
            "company name",
            "organisation",
            "organization",
        ),
    ),
    ImportField("legal_form", _l("Legal form"), 40, aliases=("rechtsform", "legal form")),
    ImportField("industry", _l("Industry"), 80, aliases=("branche", "industry", "sector", "wirtschaftszweig")),
    ImportField(
        "street",
        _l("Street"),
        200,
        aliases=(
            "strasse",
            "str",
            "adresse",
            "anschrift",
            "street",
            "address",
            "strasse und hausnummer",
            "strasse hausnr",
        ),
    ),
    ImportField(
        "postcode",
        _l("Postcode"),
        kind="postcode",
        aliases=("plz", "postleitzahl", "postcode", "zip", "zip code", "postal code"),
    ),
    ImportField("city", _l("City"), 100, aliases=("ort", "stadt", "city", "town", "wohnort")),
    ImportField("district", _l("District"), 100, aliases=("stadtteil", "bezirk", "district", "quarter")),
    ImportField(
        "phone",
        _l("Phone"),
        40,
        kind="phone",
        aliases=("telefon", "tel", "telefonnummer", "phone", "telephone", "firmentelefon", "telefon firma"),
    ),
    ImportField(
        "email",
        _l("E-mail"),
        254,
        kind="email",
        aliases=("email", "e mail", "mail", "e mail adresse", "email firma", "e mail firma"),
    ),
    ImportField(
        "website",
        _l("Website"),
        300,
        kind="website",
        aliases=("website", "webseite", "homepage", "internet", "url", "web"),
    ),
    ImportField("notes", _l("Notes"), aliases=("notizen", "bemerkung", "bemerkungen", "notes", "kommentar", "info")),
    ImportField("tags", _l("Tags"), aliases=("tags", "schlagworte", "schlagwoerter", "stichworte")),
    ImportField(
        "last_contact",
        _l("Last contact (date)"),
        kind="date",
        aliases=("letzter kontakt", "last contact", "kontakt am", "datum", "date", "zuletzt kontaktiert"),
    ),
    ImportField("contact_salutation", _l("Contact: salutation"), kind="salutation", aliases=("anrede", "salutation")),
    ImportField(
        "contact_first_name",
        _l("Contact: first name"),
        80,
        aliases=("vorname", "first name", "firstname", "given name", "vorname ansprechpartner"),
    ),
    ImportField(
        "contact_last_name",
        _l("Contact: last name"),
        80,
        aliases=(
            "nachname",
            "last name",
            "lastname",
            "surname",
            "ansprechpartner",
            "ansprechpartnerin",
            "kontaktperson",
            "contact",
            "contact person",
            "name ansprechpartner",
        ),
    ),
    ImportField(
        "contact_function",
        _l("Contact: function"),
        120,
        aliases=("funktion", "position", "function", "job title", "rolle"),
    ),
    ImportField(
        "contact_phone",
        _l("Contact: phone"),
        40,
        kind="phone",
        aliases=("telefon ansprechpartner", "durchwahl", "contact phone", "direct phone"),
    ),
    ImportField(
        "contact_mobile",
        _l("Contact: mobile"),
        40,
        kind="phone",
        aliases=("mobil", "handy", "mobile", "mobilnummer", "cell"),
    ),
    ImportField(
        "contact_email",
        _l("Contact: e-mail"),
        254,
        kind="email",
        aliases=("e mail ansprechpartner", "email ansprechpartner", "contact email", "contact e mail"),
    ),
)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
EMPLOYER_KEYS = ("name", "legal_form", "street", "postcode", "city", "district", "phone", "email", "website", "notes")
CONTACT_KEYS = tuple(f.key for f in FIELDS if f.key.startswith("contact_"))


def heading_key(heading: str) -> str:
    """Fold a column heading for comparison: "E-Mail-Adresse" → "e mail adresse"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(heading or "")).split())


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """Guess {field key: column index} from the headings; each column and field is used once."""
    mapping: dict[str, int] = {}
    used: set[int] = set()
    keys = [heading_key(h) for h in headers]
    # Exact alias matches first, then headings that contain an alias as a word sequence.
    for exact in (True, False):
        for field in FIELDS:
            if field.key in mapping:
                continue
            for index, key in enumerate(keys):
                if index in used or not key:
                    continue
                hit = (
                    key in field.aliases if exact else any(f" {a} " in f" {key} " for a in field.aliases if len(a) > 3)
                )
                if hit:
                    mapping[field.key] = index
                    used.add(index)
                    break
    return mapping


def as_text(value: Any) -> str:
    """Cell value as trimmed text; whole numbers from Excel lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    return str(value).replace("\x00", "").strip()


def check_cell(field: ImportField, value: Any) -> tuple[Any, str | None]:
    """Return the cleaned value and a German error message (or None) for one cell."""
    if field.kind == "date":
        return _check_date(value)
    text = as_text(value)
    if not text:
        if field.required:
            return None, _("%(field)s is missing.", field=field.label)
        return None, None
    if field.max_length and len(text) > field.max_length:
        return None, _("At most %(max)d characters are allowed here.", max=field.max_length)
    if field.kind == "postcode":
        return _check_postcode(text)
    if field.kind == "email":
        try:
            validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            return None, _("“%(value)s” is not a valid e-mail address.", value=text)
        return text, None
    if field.kind == "phone":
        if not PHONE_RE.match(text) or sum(ch.isdigit() for ch in text) < 6:
            return None, _("“%(value)s” is not a phone number (at least 6 digits).", value=text)
        return text, None
    if field.kind == "website":
        url = text if "://" in text else f"https://{text}"
        scheme, _sep, rest = url.partition("://")
        # Only web addresses: the employer page links the website, and "javascript://x.de/%0Aalert(1)" would run.
        if scheme.lower() not in ("http", "https") or " " in url or "." not in rest:
            return None, _("“%(value)s” is not a web address.", value=text)
        return url, None
    if field.kind == "salutation":
        return _check_salutation(text)
    return text, None


def _check_postcode(text: str) -> tuple[str | None, str | None]:
    digits = text.replace(" ", "")
    # Excel drops the leading zero of Saxon and Thuringian postcodes (01067 → 1067).
    if digits.isdigit() and len(digits) == 4:
        digits = "0" + digits
    if not POSTCODE_RE.match(digits):
        return None, _("“%(value)s” is not a five-digit postcode.", value=text)
    return digits, None


def _check_date(value: Any) -> tuple[datetime | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = as_text(value)
        day = None
        for pattern in DATE_FORMATS:
            try:
                day = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
        if day is None:
            return None, _("“%(value)s” is not a date; please write it as 31.12.2024.", value=text)
    if day > local_today():  # the day in Europe/Berlin, not the server's
        return None, _("The date %(value)s lies in the future.", value=day.strftime("%d.%m.%Y"))
    # Noon UTC keeps the calendar day the same in Europe/Berlin.
    return datetime.combine(day, time(12, 0), tzinfo=UTC), None


SALUTATIONS = {
    "frau": Salutation.MS,
    "fr": Salutation.MS,
    "ms": Salutation.MS,
    "mrs": Salutation.MS,
    "herr": Salutation.MR,
    "hr": Salutation.MR,
    "mr": Salutation.MR,
    "divers": Salutation.NONE,
    "keine": Salutation.NONE,
}


def _check_salutation(text: str) -> tuple[Salutation | None, str | None]:
    found = SALUTATIONS.get(heading_key(text))
    if found is None:
        return None, _("“%(value)s” is not a salutation (Frau, Herr or none).", value=text)
    return found, None
