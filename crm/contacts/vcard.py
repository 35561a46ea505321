"""A contact person as a vCard 3.0 (RFC 2426), the version every phone and Outlook import."""

import re
import unicodedata

from flask_babel import gettext as _

from crm.contacts.models import Contact

FOLD_AT = 75  # octets per line, RFC 2425 section 5.8.1


def escape_text(value: str | None) -> str:
    """Escape a TEXT value: backslash, comma, semicolon and line breaks."""
    if not value:
        return ""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets without cutting a UTF-8 character in two."""
    parts: list[str] = []
    current = ""
    size = 0
    limit = FOLD_AT
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
            limit = FOLD_AT - 1  # continuation lines start with a space
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def contact_vcard(contact: Contact) -> str:
    """The vCard text (CRLF line ends) of one contact with its employer as organisation."""
    employer = contact.employer
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:" + ";".join(escape_text(part) for part in (contact.last_name, contact.first_name, "", contact.title, "")),
        "FN:" + escape_text(contact.full_name),
        "ORG:" + escape_text(employer.name),
    ]
    if contact.function:
        lines.append("TITLE:" + escape_text(contact.function))
    if contact.phone:
        lines.append("TEL;TYPE=WORK,VOICE:" + escape_text(contact.phone))
    if contact.mobile:
        lines.append("TEL;TYPE=CELL,VOICE:" + escape_text(contact.mobile))
    if contact.email:
        lines.append("EMAIL;TYPE=INTERNET,WORK:" + escape_text(contact.email))
    if employer.street or employer.postcode or employer.city:
        address = ("", "", employer.street, employer.city, "", employer.postcode, _("Germany"))
        lines.append("ADR;TYPE=WORK:" + ";".join(escape_text(part) for part in address))
    notes = []
    if contact.do_not_contact:
        notes.append(_("Do not contact"))
    if contact.has_left:
        notes.append(_("Has left the company"))
    if notes:
        # Only these flags: the internal notes stay in the CRM when the card lands on a phone.
        lines.append("NOTE:" + escape_text(". ".join(notes)))
    lines.append(f"UID:urn:inklusiv-crm:contact:{contact.id}")
    if contact.updated_at:
        lines.append("REV:" + contact.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    lines.append("END:VCARD")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def vcard_filename(contact: Contact) -> str:
    """A file name from the person's name, safe on every operating system."""
    name = unicodedata.normalize("NFC", " ".join(p for p in (contact.first_name, contact.last_name) if p))
    name = re.sub(r"[^\w\- ]+", "", name).strip()
    name = re.sub(r"\s+", " ", name)
    return f"{name or 'kontakt'}.vcf"
