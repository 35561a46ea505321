import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from crm.csv_export import iter_csv
from crm.xlsx_export import write_xlsx, xlsx_response

DANGEROUS = ['=HYPERLINK("http://evil")', "+49 40 123", "-1+2", "@SUM(A1)", "\t=1", "harmless"]


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets[0]


def test_xlsx_neutralises_formula_text_and_keeps_it_as_text(app):
    buffer = io.BytesIO()
    with app.test_request_context():
        write_xlsx(buffer, ["Name"], [[value] for value in DANGEROUS])
    sheet = _sheet(buffer.getvalue())
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["'" + v for v in DANGEROUS[:5]] + ["harmless"]
    assert all(c.data_type == "s" for c in cells)


def test_csv_neutralises_the_same_cells(app):
    with app.test_request_context():
        text = "".join(iter_csv(["Name"], [[value] for value in DANGEROUS]))
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[1] == '\'=HYPERLINK(""http://evil"")' or lines[1].startswith("\"'=HYPERLINK")
    assert lines[2:5] == ["'+49 40 123", "'-1+2", "'@SUM(A1)"]
    assert lines[6] == "harmless"


def test_xlsx_keeps_numbers_dates_and_local_times(app):
    buffer = io.BytesIO()
    with app.test_request_context():
        write_xlsx(
            buffer,
            ["n", "d", "t", "b", "empty"],
            [[-5, date(2024, 2, 3), datetime(2024, 7, 1, 10, 0, tzinfo=UTC), True, None]],
        )
    row = next(_sheet(buffer.getvalue()).iter_rows(min_row=2, values_only=True))
    assert row == (-5, datetime(2024, 2, 3), datetime(2024, 7, 1, 12, 0), "ja", None)


def test_xlsx_response_is_a_download_with_the_row_count(app):
    counted = []
    with app.test_request_context():
        response = xlsx_response("Arbeitgeber-2024.xlsx", ["Name"], [["A"], ["B"]], on_complete=counted.append)
        data = response.get_data()
    assert counted == [2]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''Arbeitgeber-2024.xlsx" in response.headers["Content-Disposition"]
    assert [r[0] for r in _sheet(data).iter_rows(values_only=True)] == ["Name", "A", "B"]
