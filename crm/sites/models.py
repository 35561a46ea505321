"""The site catalogue."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.audit.models import Audited
from crm.extensions import db


class Site(Audited, db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name
