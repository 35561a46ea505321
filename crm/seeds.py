"""Catalogue seeding for `crm init`: every function is idempotent and only adds what is missing."""

from collections.abc import Callable

from crm.sites.services import seed_sites

# Domains append their seed function here, in dependency order.
SEEDERS: list[Callable[[], None]] = [seed_sites]


def seed_catalogues() -> None:
    """Run every seeder; the caller commits."""
    for seeder in SEEDERS:
        seeder()
