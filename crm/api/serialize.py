"""JSON shapes of the API resources (the OpenAPI document in crm.api.spec describes exactly these)."""

from datetime import datetime
from typing import Any

from crm.activities.models import Activity
from crm.contacts.models import Contact
from crm.employers.models import Employer


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _enum(value: Any) -> str | None:
    return value.value if value is not None else None


def employer_json(e: Employer) -> dict[str, Any]:
    return {
        "id": e.id,
        "name": e.name,
        "legal_form": e.legal_form,
        "industry_id": e.industry_id,
        "industry": e.industry.name if e.industry else None,
        "size_class": _enum(e.size_class),
        "street": e.street,
        "postcode": e.postcode,
        "city": e.city,
        "district": e.district,
        "phone": e.phone,
        "email": e.email,
        "website": e.website,
        "accessibility_notes": e.accessibility_notes,
        "transport_notes": e.transport_notes,
        "notes": e.notes,
        "source": _enum(e.source),
        "owner_id": e.owner_id,
        "site_id": e.site_id,
        "stage_id": e.stage_id,
        "stage_key": e.stage.key,
        "stage": e.stage.name,
        "tags": [t.name for t in e.tags],
        "last_contact_at": _dt(e.last_contact_at),
        "created_at": _dt(e.created_at),
        "updated_at": _dt(e.updated_at),
        "archived_at": _dt(e.archived_at),
        "version": e.version,
    }


def contact_json(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id,
        "employer_id": c.employer_id,
        "salutation": _enum(c.salutation),
        "title": c.title,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "function": c.function,
        "phone": c.phone,
        "mobile": c.mobile,
        "email": c.email,
        "preferred_channel": _enum(c.preferred_channel),
        "is_primary": c.is_primary,
        "has_left": c.has_left,
        "do_not_contact": c.do_not_contact,
        "notes": c.notes,
        "data_source": c.data_source,
        "created_at": _dt(c.created_at),
        "updated_at": _dt(c.updated_at),
        "archived_at": _dt(c.archived_at),
        "version": c.version,
    }


def activity_json(a: Activity) -> dict[str, Any]:
    return {
        "id": a.id,
        "employer_id": a.employer_id,
        "contact_id": a.contact_id,
        "user_id": a.user_id,
        "kind": a.kind.value,
        "occurred_at": _dt(a.occurred_at),
        "subject": a.subject,
        "summary": a.summary,
        "outcome": a.outcome,
        "created_at": _dt(a.created_at),
        "updated_at": _dt(a.updated_at),
        "archived_at": _dt(a.archived_at),
    }
