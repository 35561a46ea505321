"""Referral services: recording rules, creating an employer from a referral, the tree, thank-you, insights, providers."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from crm.employers.models import EmployerSource, Stage
from crm.employers.services import EmployerInput, move_employer_to_stage
from crm.extensions import db
from crm.referrals.models import Partner, PartnerKind, Referral
from crm.referrals.services import (
    ReferralError,
    add_provider,
    create_referred_employer,
    create_thanks_followup,
    dismiss_thanks,
    employer_providers,
    employers_with_other_providers,
    find_employers_by_name,
    record_referral,
    referral_tree,
    remove_provider,
    save_partner,
    top_referrers,
)


def partner(name: str = "Agentur für Arbeit") -> Partner:
    return db.session.scalar(select(Partner).where(Partner.name == name))


def stage(key: str) -> Stage:
    return db.session.scalar(select(Stage).where(Stage.key == key))


def test_partners_are_seeded():
    assert partner().kind == PartnerKind.EMPLOYMENT_AGENCY
    assert partner("Integrationsfachdienst (IFD)").kind == PartnerKind.PROVIDER


def test_creating_an_employer_from_a_referral_sets_the_source_and_the_link(create_employer, create_contact, make_user):
    referrer = create_employer("Kita Sonnenschein")
    contact = create_contact(referrer, "Meier")
    user = make_user("acquisition")
    employer, referral = create_referred_employer(
        data=EmployerInput(name="Kita Regenbogen", city="Hamburg"),
        referred_on=date.today(),
        actor=user,
        referrer_employer=referrer,
        contact=contact,
        note="Leiterinnen kennen sich",
    )
    db.session.commit()
    assert employer.source == EmployerSource.REFERRAL and employer.stage.key == "lead"
    assert (referral.referrer_employer_id, referral.referrer_contact_id, referral.referred_id) == (
        referrer.id,
        contact.id,
        employer.id,
    )


@pytest.mark.parametrize("case", ["none", "both", "self", "foreign_contact", "future", "duplicate"])
def test_referral_rules(case, create_employer, create_contact):
    referred = create_employer("Gärtnerei Grün")
    referrer = create_employer("Hotel Hafen")
    other = create_employer("Café Eck")
    record_referral(referred=referred, referred_on=date.today(), actor=None, referrer_employer=other)
    kwargs = {"referred": referred, "referred_on": date.today(), "actor": None}
    expected_field = "referrer"
    if case == "both":
        kwargs.update(referrer_employer=referrer, partner=partner())
    elif case == "self":
        kwargs.update(referrer_employer=referred)
    elif case == "foreign_contact":
        kwargs.update(referrer_employer=referrer, contact=create_contact(other, "Fremd"))
        expected_field = "contact_id"
    elif case == "future":
        kwargs.update(partner=partner(), referred_on=date.today() + timedelta(days=2))
        expected_field = "referred_on"
    elif case == "duplicate":
        kwargs.update(referrer_employer=other)
    with pytest.raises(ReferralError) as error:
        record_referral(**kwargs)
    assert error.value.field == expected_field


def test_tree_shows_recommended_by_has_recommended_and_the_next_level(create_employer):
    a, b, c, d = (create_employer(n) for n in ("Alpha", "Beta", "Gamma", "Delta"))
    record_referral(referred=b, referred_on=date.today(), actor=None, referrer_employer=a)
    record_referral(referred=c, referred_on=date.today(), actor=None, referrer_employer=b)
    record_referral(referred=d, referred_on=date.today(), actor=None, referrer_employer=c)
    record_referral(referred=b, referred_on=date.today(), actor=None, partner=partner("Handelskammer"))
    db.session.commit()
    tree = referral_tree(b.id)
    assert sorted(r.referrer_name for r in tree.recommended_by) == ["Alpha", "Handelskammer"]
    assert [r.referred.name for r in tree.has_recommended] == ["Gamma"]
    assert [r.referred.name for r in tree.grandchildren[c.id]] == ["Delta"]


def test_thanks_is_suggested_once_the_referred_employer_cooperates(create_employer, make_user):
    referrer, referred = create_employer("Alpha"), create_employer("Beta")
    user = make_user("acquisition")
    referral = record_referral(referred=referred, referred_on=date.today(), actor=None, referrer_employer=referrer)
    assert referral_tree(referrer.id).thanks_due == []
    move_employer_to_stage(employer=referred, stage=stage("cooperation"), actor=user)
    db.session.commit()
    assert referral_tree(referrer.id).thanks_due == [referral]
    assert referral_tree(referred.id).thanks_due == [referral]
    followup = create_thanks_followup(referral=referral, actor=user, today=date.today())
    db.session.commit()
    assert followup.employer_id == referrer.id and "Beta" in followup.title
    assert referral.thanks_followup_id == followup.id
    assert referral_tree(referrer.id).thanks_due == []
    with pytest.raises(ReferralError):
        create_thanks_followup(referral=referral, actor=user)


def test_thanks_can_be_dismissed(create_employer):
    referrer = create_employer("Alpha")
    referred = create_employer("Beta", stage_key="cooperation")
    referral = record_referral(referred=referred, referred_on=date.today(), actor=None, referrer_employer=referrer)
    assert referral_tree(referrer.id).thanks_due == [referral]
    dismiss_thanks(referral=referral)
    assert referral_tree(referrer.id).thanks_due == []


def test_no_thanks_suggestion_for_network_partners(create_employer):
    referred = create_employer("Beta", stage_key="cooperation")
    record_referral(referred=referred, referred_on=date.today(), actor=None, partner=partner())
    assert referral_tree(referred.id).thanks_due == []


def test_top_referrers_count_referrals_and_cooperations(create_employer):
    alpha = create_employer("Alpha")
    for i, key in enumerate(["cooperation", "lead", "cooperation"]):
        record_referral(
            referred=create_employer(f"Firma {i}", stage_key=key),
            referred_on=date.today(),
            actor=None,
            referrer_employer=alpha,
        )
    record_referral(referred=create_employer("Firma X"), referred_on=date(2024, 1, 1), actor=None, partner=partner())
    db.session.commit()
    rows = top_referrers()
    assert [(r.name, r.referrals, r.cooperations, r.rate) for r in rows] == [
        ("Alpha", 3, 2, 67),
        ("Agentur für Arbeit", 1, 0, 0),
    ]
    assert [r.name for r in top_referrers(start=date(2025, 1, 1))] == ["Alpha"]
    assert rows[1].kind_label == "Agentur für Arbeit"


def test_providers_can_be_added_removed_and_added_again(create_employer):
    employer = create_employer("Alpha")
    provider = partner("Andere Werkstatt (WfbM)")
    involvement = add_provider(employer=employer, partner=provider, note="Frau K.", actor=None)
    with pytest.raises(ReferralError):
        add_provider(employer=employer, partner=provider, note=None, actor=None)
    assert employers_with_other_providers([employer.id]) == {employer.id: ["Andere Werkstatt (WfbM)"]}
    remove_provider(involvement=involvement)
    assert employer_providers(employer.id) == []
    again = add_provider(employer=employer, partner=provider, note=None, actor=None)
    assert again.id == involvement.id and again.archived_at is None


def test_partner_names_are_unique(create_employer):
    with pytest.raises(ReferralError):
        save_partner(partner=None, name="handelskammer", kind=PartnerKind.CHAMBER, note=None, active=True)


def test_find_employers_by_name_is_case_insensitive_and_exact_first(create_employer):
    create_employer("Bäckerei Müller Filiale")
    exact = create_employer("Bäckerei Müller")
    assert [e.name for e in find_employers_by_name("bäckerei müller")][0] == exact.name
    assert find_employers_by_name("  ") == []


def test_referral_is_audited_and_archivable(create_employer):
    referral = record_referral(referred=create_employer("A"), referred_on=date.today(), actor=None, partner=partner())
    db.session.commit()
    assert db.session.scalar(select(Referral)).id == referral.id


def test_a_referral_dated_today_is_accepted_in_berlins_first_hour(create_employer):
    """At 00:30 in Berlin the server's UTC day is still yesterday; "today" is the day the staff member sees."""
    with time_machine.travel(datetime(2026, 3, 10, 23, 30, tzinfo=UTC), tick=False):
        referral = record_referral(
            referred=create_employer("Gärtnerei Grün"),
            referred_on=date(2026, 3, 11),
            actor=None,
            referrer_employer=create_employer("Hotel Hafen"),
        )
    assert referral.referred_on == date(2026, 3, 11)
