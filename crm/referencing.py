"""Find every column that points at a table, from the metadata: models added later are found too."""

from sqlalchemy import Column

from crm.extensions import db


def referencing_columns(table_name: str, column_name: str = "id") -> list[Column]:
    """Return the foreign-key columns (of any table) that reference `table_name.column_name`."""
    columns = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == table_name and fk.column.name == column_name:
                columns.append(fk.parent)
    return columns
