"""Name normalisation for duplicate detection: one comparable spelling per company name.

"Bäckerei Müller GmbH & Co. KG", "BAECKEREI MUELLER" and "Bäckerei-Müller e.K." all become
"baeckerei mueller". Umlauts fold to the two-letter spelling (ä → ae), because that is how Germans
type them without an umlaut key; the fuzzy match covers the rarer plain spelling (ä → a).
"""

import re
import unicodedata

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})

# Legal forms at the end of a name, spelled as they are after folding, dot removal and lower-casing.
# Longer forms come first so "gmbh und co kg" is stripped as a whole, not as "kg".
LEGAL_FORM_SUFFIXES = [
    r"gmbh und co kgaa",
    r"gmbh und co kg",
    r"ag und co kgaa",
    r"ag und co kg",
    r"se und co kgaa",
    r"se und co kg",
    r"ug haftungsbeschraenkt und co kg",
    r"ug haftungsbeschraenkt",
    r"und co kgaa",
    r"und co kg",
    r"und co ohg",
    r"und co",
    r"co kg",
    r"ggmbh",
    r"gemeinnuetzige gmbh",
    r"gmbh",
    r"mbh",
    r"kgaa",
    r"kg",
    r"ohg",
    r"gbr",
    r"ag",
    r"se",
    r"ug",
    r"e ?k",
    r"e ?kfm",
    r"e ?kfr",
    r"e ?v",
    r"e ?g",
    r"partg ?mbb",
    r"partg",
    r"aoer",
    r"kdoer",
    r"ltd",
    r"inc",
]
_SUFFIX_RE = re.compile(r"(?:^|\s)(?:" + "|".join(LEGAL_FORM_SUFFIXES) + r")$")
# "Inh." introduces the owner's name: "Blumen Schmidt Inh. Hans Schmidt" is the firm "Blumen Schmidt".
_OWNER_RE = re.compile(r"\s(?:inh|inhaber|inhaberin)\s.*$")


def fold(text: str) -> str:
    """Lower-case and fold umlauts, ß and accents to plain ASCII letters."""
    text = text.lower().translate(UMLAUTS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _clean(text: str) -> str:
    text = fold(text)
    text = text.replace("&", " und ").replace("+", " und ")
    # Dots vanish ("e.K." -> "ek", "Co." -> "co"); every other non-alphanumeric separates words.
    text = text.replace(".", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def normalize_name(name: str) -> str:
    """Return the comparable form of a company name (see the module docstring)."""
    cleaned = _clean(name or "")
    base = _OWNER_RE.sub("", f" {cleaned}").strip() or cleaned
    # Strip repeatedly: "Foo GmbH i. G." is rare, but "Foo Holding GmbH & Co. KG" nests.
    while True:
        stripped = _SUFFIX_RE.sub("", base).strip()
        if stripped == base or not stripped:
            break
        base = stripped
    return base
