"""Site catalogue services."""

from sqlalchemy import select

from crm.extensions import db
from crm.sites.models import Site


def list_sites(*, include_inactive: bool = False) -> list[Site]:
    """Return the sites ordered by name."""
    query = select(Site).order_by(Site.name)
    if not include_inactive:
        query = query.where(Site.active.is_(True))
    return list(db.session.scalars(query))


def seed_sites() -> None:
    """Create a first site so a fresh installation has one to choose."""
    if db.session.scalar(select(Site.id).limit(1)) is None:
        db.session.add(Site(name="Hauptstandort"))
        db.session.flush()
