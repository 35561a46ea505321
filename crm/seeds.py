"""Catalogue seeding for `crm init`: every function is idempotent and only adds what is missing."""

from collections.abc import Callable

from crm.employers.seeds import seed_industries, seed_stages
from crm.sites.services import seed_sites

# Domains add their seed function here, in dependency order.
SEEDERS: list[Callable[[], None]] = [seed_sites, seed_stages, seed_industries]


def seed_catalogues() -> None:
    """Run every seeder; the caller commits."""
    for seeder in SEEDERS:
        seeder()
