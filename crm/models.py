"""Import every domain's models so the metadata is complete (Alembic, create_all, audit listeners)."""

from crm.activities.models import Activity  # noqa: F401
from crm.api.models import ApiToken  # noqa: F401
from crm.audit import services as audit_services  # noqa: F401  (registers the audit listener)
from crm.audit.models import AuditEntry  # noqa: F401
from crm.auth.models import LoginAttempt, RecoveryCode, User  # noqa: F401
from crm.benefits.models import LegalFact  # noqa: F401
from crm.contacts.models import Contact  # noqa: F401
from crm.duoday.models import DuoDayEvent, DuoDayInvitation, DuoDayParticipation  # noqa: F401
from crm.employers.models import Employer, Industry, Stage, StageChange, Tag  # noqa: F401
from crm.employers.search import employer_search  # noqa: F401  (search table, FTS DDL hooks)
from crm.followups.models import DigestRun, FollowUp, FollowUpSnooze, ReminderSettings  # noqa: F401
from crm.imports.models import ImportedRecord, ImportRun  # noqa: F401
from crm.mail import OutboxMessage  # noqa: F401
from crm.objections.models import Argument, ArgumentUse, EmployerObjection, Objection  # noqa: F401
from crm.placements.models import Placement, PlacementPhase  # noqa: F401
from crm.postings.models import JobPosting  # noqa: F401
from crm.referrals.models import Partner, ProviderInvolvement, Referral  # noqa: F401
from crm.reports.models import QuotaSettings  # noqa: F401
from crm.scheduler import SchedulerLock  # noqa: F401
from crm.security_events.models import SecurityEvent  # noqa: F401
from crm.sites.models import Site  # noqa: F401
