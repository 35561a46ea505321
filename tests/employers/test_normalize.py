"""Name normalisation: one comparable spelling per company name."""

import pytest

from crm.employers.normalize import fold, normalize_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Bäckerei Müller", "baeckerei mueller"),
        ("BÄCKEREI MÜLLER", "baeckerei mueller"),
        ("Baeckerei Mueller", "baeckerei mueller"),
        ("Bäckerei-Müller", "baeckerei mueller"),
        ("  Bäckerei   Müller  ", "baeckerei mueller"),
        ("Straßenbau Groß", "strassenbau gross"),
        ("Café Élan", "cafe elan"),
        ("Bäckerei Müller GmbH", "baeckerei mueller"),
        ("Bäckerei Müller gGmbH", "baeckerei mueller"),
        ("Bäckerei Müller GmbH & Co. KG", "baeckerei mueller"),
        ("Bäckerei Müller GmbH und Co. KG", "baeckerei mueller"),
        ("Bäckerei Müller GmbH & Co KGaA", "baeckerei mueller"),
        ("Bäckerei Müller KG", "baeckerei mueller"),
        ("Bäckerei Müller OHG", "baeckerei mueller"),
        ("Bäckerei Müller AG", "baeckerei mueller"),
        ("Bäckerei Müller e.K.", "baeckerei mueller"),
        ("Bäckerei Müller e. K.", "baeckerei mueller"),
        ("Bäckerei Müller e.Kfm.", "baeckerei mueller"),
        ("Hilfe für Hamburg e.V.", "hilfe fuer hamburg"),
        ("Hilfe für Hamburg e. V.", "hilfe fuer hamburg"),
        ("Start-up UG (haftungsbeschränkt)", "start up"),
        ("Start-up UG (haftungsbeschraenkt)", "start up"),
        ("Verwaltungsgesellschaft Nord mbH", "verwaltungsgesellschaft nord"),
        ("Maler Schulz GbR", "maler schulz"),
        ("Wohnen eG", "wohnen"),
        ("Blumen Schmidt Inh. Hans Schmidt", "blumen schmidt"),
        ("Blumen Schmidt, Inhaberin Eva Schmidt", "blumen schmidt"),
        ("Müller & Co.", "mueller"),
        ("Müller & Söhne", "mueller und soehne"),
        ("Müller und Söhne", "mueller und soehne"),
        ("Elbe-Werkstätten GmbH", "elbe werkstaetten"),
        ("Hotel 4 Jahreszeiten", "hotel 4 jahreszeiten"),
        # A name that is only a legal form keeps it, rather than becoming empty.
        ("AG", "ag"),
        ("", ""),
    ],
)
def test_normalize_name(name, expected):
    assert normalize_name(name) == expected


def test_words_that_merely_end_like_a_legal_form_are_kept():
    assert normalize_name("Tag und Nacht Bar") == "tag und nacht bar"
    assert normalize_name("Inhalt Verlag") == "inhalt verlag"
    assert normalize_name("Hausbag") == "hausbag"


def test_fold_spells_umlauts_with_two_letters_and_drops_accents():
    assert fold("Ärger Über Öl ß é") == "aerger ueber oel ss e"
