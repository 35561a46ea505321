"""Catalogue seeding for `crm init`: every function is idempotent and only adds what is missing."""

from collections.abc import Callable

from crm.benefits.services import seed_legal_facts
from crm.employers.seeds import seed_industries, seed_stages
from crm.objections.seeds import seed_objection_catalogues
from crm.referrals.seeds import seed_partners
from crm.sites.services import seed_sites

# Domains add their seed function here, in dependency order.
SEEDERS: list[Callable[[], None]] = [
    seed_sites,
    seed_stages,
    seed_industries,
    seed_objection_catalogues,
    seed_partners,
    seed_legal_facts,
]


def seed_catalogues() -> None:
    """Run every seeder; the caller commits."""
    for seeder in SEEDERS:
        seeder()
