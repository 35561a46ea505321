"""The pure benefit calculations: every levy bracket, its boundaries, the order offset and the BfA subsidy."""

from decimal import Decimal

import pytest

from crm.benefits.calc import (
    Bracket,
    CalculationError,
    bfa_subsidy,
    compensation_levy,
    employment_quota,
    levy_bracket,
    mandatory_places,
    workshop_order_offset,
)

# The 2025 rates from FACTS.md, plus made-up small-employer rates (FACTS.md has none verified).
RATES_2025 = {
    "levy_ge60_3_5": Decimal(155),
    "levy_ge60_2_3": Decimal(275),
    "levy_ge60_0_2": Decimal(405),
    "levy_ge60_zero": Decimal(815),
    "levy_lt40_below1": Decimal(11),
    "levy_lt40_zero": Decimal(12),
    "levy_lt60_below2": Decimal(21),
    "levy_lt60_below1": Decimal(22),
    "levy_lt60_zero": Decimal(23),
}


@pytest.mark.parametrize(
    ("workplaces", "places"),
    [
        (0, 0),
        (19, 0),  # below the obligation
        (20, 1),
        (39, 1),  # 1.95 rounded down below 60
        (40, 2),
        (59, 2),  # 2.95 rounded down below 60
        (60, 3),
        (69, 3),  # 3.45 rounded down
        (70, 4),  # 3.5 rounded up from 60
        (100, 5),
        (109, 5),  # 5.45
        (110, 6),  # 5.5
    ],
)
def test_mandatory_places_round_down_below_60_and_half_up_from_60(workplaces, places):
    assert mandatory_places(workplaces) == places


def test_quota_is_employed_per_workplace_in_percent():
    assert employment_quota(100, Decimal(3)) == Decimal(3)
    assert employment_quota(0, Decimal(0)) == 0


@pytest.mark.parametrize(
    ("workplaces", "employed", "bracket"),
    [
        (19, 0, Bracket.NOT_OBLIGED),
        (20, 0, Bracket.LT40_ZERO),
        (20, Decimal("0.5"), Bracket.LT40_BELOW_1),
        (20, 1, Bracket.QUOTA_MET),
        (39, 0, Bracket.LT40_ZERO),
        (40, 0, Bracket.LT60_ZERO),
        (40, Decimal("0.5"), Bracket.LT60_BELOW_1),
        (40, 1, Bracket.LT60_BELOW_2),
        (59, Decimal("1.5"), Bracket.LT60_BELOW_2),
        (40, 2, Bracket.QUOTA_MET),
        (60, 0, Bracket.LARGE_ZERO),
        (100, Decimal("0.5"), Bracket.LARGE_BELOW_2),
        (100, Decimal("1.5"), Bracket.LARGE_BELOW_2),  # 1.5 % is below 2 %
        (100, 2, Bracket.LARGE_2_TO_3),  # exactly 2 % belongs to the 2–3 % bracket
        (100, Decimal("2.5"), Bracket.LARGE_2_TO_3),
        (100, 3, Bracket.LARGE_3_TO_5),  # exactly 3 % belongs to the 3–5 % bracket
        (100, Decimal("4.5"), Bracket.LARGE_3_TO_5),
        (100, 5, Bracket.QUOTA_MET),  # exactly 5 %: no levy
        (100, 6, Bracket.QUOTA_MET),
        (70, Decimal("3.5"), Bracket.LARGE_3_TO_5),  # 5 % reached, but 4 places (rounded up): one half unfilled
    ],
)
def test_levy_bracket_for_each_size_and_quota_with_boundaries(workplaces, employed, bracket):
    assert levy_bracket(workplaces, Decimal(employed)) == bracket


@pytest.mark.parametrize(
    ("employed", "rate", "monthly"),
    [
        (0, 815, 4075),  # 5 unfilled × 815
        (1, 405, 1620),  # 4 × 405
        (2, 275, 825),  # 3 × 275
        (3, 155, 310),  # 2 × 155
        (4, 155, 155),  # 1 × 155
        (5, 0, 0),
    ],
)
def test_levy_for_100_workplaces_with_2025_rates(employed, rate, monthly):
    result = compensation_levy(workplaces=100, employed=employed, rates=RATES_2025)
    assert result.rate == rate
    assert result.monthly == monthly
    assert result.yearly == monthly * 12


def test_levy_uses_the_rates_it_is_given_2024():
    rates_2024 = {"levy_ge60_zero": Decimal(720)}
    result = compensation_levy(workplaces=60, employed=0, rates=rates_2024)
    assert (result.mandatory, result.unfilled, result.monthly, result.yearly) == (3, 3, 2160, 25920)


def test_small_employer_levies_use_their_own_rates():
    assert compensation_levy(workplaces=20, employed=0, rates=RATES_2025).monthly == 12
    assert compensation_levy(workplaces=39, employed=Decimal("0.5"), rates=RATES_2025).monthly == Decimal("5.50")
    assert compensation_levy(workplaces=45, employed=1, rates=RATES_2025).monthly == 21
    assert compensation_levy(workplaces=45, employed=0, rates=RATES_2025).monthly == 46


def test_missing_rate_gives_no_amount_and_says_so():
    result = compensation_levy(workplaces=30, employed=0, rates={"levy_lt40_zero": None})
    assert result.rate_missing
    assert result.monthly is None and result.yearly is None
    assert result.unfilled == 1


def test_no_obligation_below_20_workplaces():
    result = compensation_levy(workplaces=19, employed=0, rates=RATES_2025)
    assert (result.bracket, result.mandatory, result.monthly, result.rate_missing) == (Bracket.NOT_OBLIGED, 0, 0, False)


@pytest.mark.parametrize(
    ("workplaces", "employed", "field"), [(-1, 0, "workplaces"), (10, -1, "employed"), (10, 11, "employed")]
)
def test_impossible_inputs_are_refused(workplaces, employed, field):
    with pytest.raises(CalculationError) as error:
        compensation_levy(workplaces=workplaces, employed=employed, rates=RATES_2025)
    assert error.value.field == field


def test_order_offset_is_half_the_labour_share_capped_by_the_levy():
    result = workshop_order_offset(order_labour=10000, yearly_levy=Decimal(9900))
    assert (result.offsettable, result.offset, result.labour_for_full_offset) == (5000, 5000, 19800)
    capped = workshop_order_offset(order_labour=30000, yearly_levy=Decimal(9900))
    assert (capped.offsettable, capped.offset) == (15000, 9900)


def test_order_offset_without_a_levy_figure_shows_only_the_offsettable_share():
    result = workshop_order_offset(order_labour=1000, yearly_levy=None)
    assert (result.offsettable, result.offset, result.labour_for_full_offset) == (500, None, None)


def test_order_offset_with_zero_levy_offsets_nothing():
    result = workshop_order_offset(order_labour=1000, yearly_levy=Decimal(0))
    assert (result.offset, result.labour_for_full_offset) == (0, 0)


def test_order_offset_refuses_negative_amounts():
    with pytest.raises(CalculationError):
        workshop_order_offset(order_labour=-1, yearly_levy=None)


def test_bfa_subsidy_is_up_to_75_percent_of_the_wage_cost():
    result = bfa_subsidy(monthly_wage_cost=2400)
    assert (result.subsidy, result.employer_share) == (1800, 600)
    assert bfa_subsidy(monthly_wage_cost=Decimal("2000.10"), max_percent=75).subsidy == Decimal("1500.08")
    assert bfa_subsidy(monthly_wage_cost=0).subsidy == 0
    with pytest.raises(CalculationError):
        bfa_subsidy(monthly_wage_cost=-5)
