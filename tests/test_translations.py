"""The German catalogue is complete and the compiled file matches it."""

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from crm.paths import PACKAGE_DIR

CATALOGUE = PACKAGE_DIR / "translations" / "de" / "LC_MESSAGES"


def _po():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return read_po(handle, locale="de")


def _text(string) -> tuple:
    return tuple(string) if isinstance(string, list | tuple) else (string,)


def test_every_german_message_is_translated_and_not_fuzzy():
    untranslated = [m.id for m in _po() if m.id and (m.fuzzy or not all(_text(m.string)))]
    assert untranslated == []


def test_catalogue_covers_every_message_in_the_code():
    """Every msgid in the code is in the .po (run `make translations-update` after adding text)."""
    from babel.messages.extract import extract_from_dir

    root = PACKAGE_DIR.parent
    method_map = [("crm/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    if not (root / "templates").is_dir():  # installed package: nothing to compare against
        return
    found = {
        (msgid if isinstance(msgid, str) else msgid[0])
        for _, _, msgid, _, _ in extract_from_dir(str(root), method_map, keywords=keywords, strip_comment_tags=True)
        if msgid
    }
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _po() if m.id}
    assert sorted(found - known) == []


def test_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = {_text(m.id): _text(m.string) for m in read_mo(handle) if m.id}
    source = {_text(m.id): _text(m.string) for m in _po() if m.id and not m.fuzzy}
    assert compiled == source, "run `make translations-compile`"
