"""Write the messy sample import files (run once; the files are committed): python tests/data/make_samples.py."""

from pathlib import Path

HERE = Path(__file__).parent

HEADER = "Firma;Rechtsform;Straße;PLZ;Ort;Telefon;E-Mail;Anrede;Vorname;Ansprechpartner;Letzter Kontakt;Bemerkung"
ROWS = [
    # Same company as an existing employer ("Bäckerei Müller GmbH", 22767), spelled without umlauts.
    "Baeckerei Mueller;GmbH;Große Bergstraße 12;22767;Hamburg;040 123456;info@baeckerei-mueller.de;Herr;Jürgen;Schäfer;03.02.2024;Sucht Hilfe in der Backstube",
    "Gärtnerei Grün;;Elbchaussee 5;22763;Hamburg;040 987654;;Frau;Aylin;Özdemir;15.11.2023;Grünpflege, Laub",
    # Bad postcode (four digits that are not a lost leading zero are still four digits: 2276 → 02276 is
    # accepted, so this one has letters).
    "Hotel Elbblick;GmbH & Co. KG;Elbstraße 1;22a76;Hamburg;040 555000;;;;;;",
    # The required employer name is empty.
    ";;Musterweg 1;20095;Hamburg;;;;;;;",
    "Dresdner Werkstatt Service;;Hauptstraße 3;01067;Dresden;0351 123456;;Frau;Maria;Weiß;01.09.2023;Führung durch den Betrieb",
    '"Café Schöne Aussicht";;"Am Strand 7; Hinterhaus";22765;Hamburg;;kontakt@cafe-aussicht.de;;;;31.12.2023;',
    "Café Schöne Aussicht;;Am Strand 7;22765;Hamburg;;;;;;;Doppelt in der Liste",
    "Pflegedienst Sonnenschein;;Lindenallee 4;22769;Hamburg;;kein-at-zeichen;Herr;Tom;Berg;32.01.2024;",
]


def main() -> None:
    text = "\r\n".join([HEADER, *ROWS]) + "\r\n"
    (HERE / "messy_excel_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (HERE / "messy_excel_cp1252.csv").write_bytes(text.encode("cp1252"))


if __name__ == "__main__":
    main()
