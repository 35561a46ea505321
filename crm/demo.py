"""Fictional demo data for trying the CRM: `crm demo` and `crm serve --demo`."""

from sqlalchemy import select

from crm.activities.demo import load_demo_activities
from crm.auth.models import Role, User
from crm.auth.services import create_user
from crm.contacts.demo import load_demo_contacts
from crm.employers.demo import load_demo_employers
from crm.extensions import db
from crm.followups.demo import load_demo_followups
from crm.objections.demo import load_demo_objections
from crm.placements.demo import load_demo_duoday, load_demo_placements, load_demo_postings
from crm.referrals.demo import load_demo_referrals
from crm.reports.demo import load_demo_quota

DEMO_PASSWORD = "Inklusiv-Demo-2026"  # nosec B105  # the published demo login (README); demo data only

DEMO_USERS = [
    ("admin@example.org", "Anna Admin", Role.ADMIN),
    ("akquise@example.org", "Jonas Akquise", Role.ACQUISITION),
    ("coach@example.org", "Miriam Coach", Role.COACH),
    ("leitung@example.org", "Lena Leitung", Role.VIEWER),
]

# Domains append loaders here: each takes the demo users (by role) and is idempotent.
DEMO_LOADERS: list = [
    load_demo_employers,
    load_demo_contacts,
    load_demo_activities,
    load_demo_postings,
    load_demo_placements,
    load_demo_duoday,
    load_demo_objections,
    load_demo_referrals,
    load_demo_followups,
    load_demo_quota,
]


def load_demo_data() -> list[User]:
    """Create the demo users and, through the domain loaders, their data; safe to run twice."""
    users = []
    for email, name, role in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(email=email, name=name, role=role, password=DEMO_PASSWORD)
        users.append(user)
    by_role = {user.role: user for user in users}
    for loader in DEMO_LOADERS:
        loader(by_role)
    db.session.commit()
    return users
