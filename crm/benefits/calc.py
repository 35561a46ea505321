"""Pure calculations for the benefits sheet: compensation levy (SGB IX §§ 154, 157, 160), workshop-order offset
(§ 223) and the Budget-für-Arbeit wage subsidy (§ 61). No database, no Flask: the figures come in as arguments.

Simplification (said on the sheet): the law assesses the levy month by month; here the annual averages of
workplaces and employed severely disabled people stand for every month.
"""

import enum
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

QUOTA_PERCENT = Decimal(5)  # § 154 Abs. 1: 5 % of the workplaces
MIN_WORKPLACES = 20  # § 154 Abs. 1: the obligation starts at 20 workplaces
SMALL_LIMIT_1 = 40  # § 160 Abs. 2: special rates below 40 …
SMALL_LIMIT_2 = 60  # … and below 60 workplaces; from 60 the rate depends on the quota reached
CENT = Decimal("0.01")


class Bracket(enum.StrEnum):
    """Which levy rate applies."""

    NOT_OBLIGED = "not_obliged"  # fewer than 20 workplaces
    QUOTA_MET = "quota_met"  # every mandatory place filled
    LARGE_3_TO_5 = "large_3_5"  # ≥ 60 workplaces, quota 3 % to < 5 %
    LARGE_2_TO_3 = "large_2_3"  # quota 2 % to < 3 %
    LARGE_BELOW_2 = "large_0_2"  # quota > 0 % to < 2 %
    LARGE_ZERO = "large_zero"  # quota 0 %
    LT40_BELOW_1 = "lt40_below1"  # 20–39 workplaces, on average fewer than one (but some) employed
    LT40_ZERO = "lt40_zero"  # 20–39 workplaces, none employed
    LT60_BELOW_2 = "lt60_below2"  # 40–59 workplaces, at least one but fewer than two employed
    LT60_BELOW_1 = "lt60_below1"  # 40–59 workplaces, fewer than one (but some) employed
    LT60_ZERO = "lt60_zero"  # 40–59 workplaces, none employed


# The legal-fact key holding each bracket's monthly rate per unfilled mandatory place.
RATE_KEYS = {
    Bracket.LARGE_3_TO_5: "levy_ge60_3_5",
    Bracket.LARGE_2_TO_3: "levy_ge60_2_3",
    Bracket.LARGE_BELOW_2: "levy_ge60_0_2",
    Bracket.LARGE_ZERO: "levy_ge60_zero",
    Bracket.LT40_BELOW_1: "levy_lt40_below1",
    Bracket.LT40_ZERO: "levy_lt40_zero",
    Bracket.LT60_BELOW_2: "levy_lt60_below2",
    Bracket.LT60_BELOW_1: "levy_lt60_below1",
    Bracket.LT60_ZERO: "levy_lt60_zero",
}


class CalculationError(ValueError):
    """An input the calculation cannot take; `field` names the form field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def mandatory_places(workplaces: int) -> int:
    """Places to fill with severely disabled people: 5 %, fractions ≥ 0.5 rounded up from 60 workplaces, else down."""
    if workplaces < MIN_WORKPLACES:
        return 0
    exact = Decimal(workplaces) * QUOTA_PERCENT / 100
    rounding = ROUND_HALF_UP if workplaces >= SMALL_LIMIT_2 else ROUND_DOWN
    return int(exact.quantize(Decimal(1), rounding=rounding))


def employment_quota(workplaces: int, employed: Decimal) -> Decimal:
    """The quota reached in percent (employed severely disabled people per workplace × 100)."""
    if workplaces <= 0:
        return Decimal(0)
    return Decimal(employed) * 100 / Decimal(workplaces)


def levy_bracket(workplaces: int, employed: Decimal) -> Bracket:
    """The levy bracket for an employer's annual averages."""
    employed = Decimal(employed)
    if workplaces < MIN_WORKPLACES:
        return Bracket.NOT_OBLIGED
    if employed >= mandatory_places(workplaces):
        return Bracket.QUOTA_MET
    if workplaces < SMALL_LIMIT_1:
        return Bracket.LT40_ZERO if employed == 0 else Bracket.LT40_BELOW_1
    if workplaces < SMALL_LIMIT_2:
        if employed == 0:
            return Bracket.LT60_ZERO
        return Bracket.LT60_BELOW_1 if employed < 1 else Bracket.LT60_BELOW_2
    quota = employment_quota(workplaces, employed)
    if quota == 0:
        return Bracket.LARGE_ZERO
    if quota < 2:
        return Bracket.LARGE_BELOW_2
    if quota < 3:
        return Bracket.LARGE_2_TO_3
    # 3 % and more; ≥ 5 % with an unfilled place can only come from rounding up the mandatory places.
    return Bracket.LARGE_3_TO_5


@dataclass(frozen=True)
class LevyResult:
    workplaces: int
    employed: Decimal
    mandatory: int
    unfilled: Decimal
    quota: Decimal
    bracket: Bracket
    rate: Decimal | None  # euros per unfilled place and month; None = the figure is not entered
    monthly: Decimal | None
    yearly: Decimal | None

    @property
    def rate_missing(self) -> bool:
        return self.bracket in RATE_KEYS and self.rate is None

    @property
    def rate_key(self) -> str | None:
        return RATE_KEYS.get(self.bracket)


def compensation_levy(*, workplaces: int, employed: Decimal | int, rates: dict[str, Decimal | None]) -> LevyResult:
    """The levy an employer owes per month and year; `rates` maps RATE_KEYS values to euros (None = unknown)."""
    if workplaces < 0:
        raise CalculationError("workplaces must not be negative", "workplaces")
    employed = Decimal(employed)
    if employed < 0:
        raise CalculationError("employed must not be negative", "employed")
    if employed > workplaces:
        raise CalculationError("more employed than workplaces", "employed")
    mandatory = mandatory_places(workplaces)
    bracket = levy_bracket(workplaces, employed)
    unfilled = max(Decimal(mandatory) - employed, Decimal(0)) if bracket in RATE_KEYS else Decimal(0)
    rate = rates.get(RATE_KEYS[bracket]) if bracket in RATE_KEYS else Decimal(0)
    monthly = None if rate is None else (unfilled * rate).quantize(CENT)
    return LevyResult(
        workplaces=workplaces,
        employed=employed,
        mandatory=mandatory,
        unfilled=unfilled,
        quota=employment_quota(workplaces, employed).quantize(CENT),
        bracket=bracket,
        rate=rate,
        monthly=monthly,
        yearly=None if monthly is None else monthly * 12,
    )


@dataclass(frozen=True)
class OffsetResult:
    order_labour: Decimal  # labour share of the workshop's invoices (net, without material)
    share_percent: Decimal
    offsettable: Decimal  # what the orders could offset at most
    offset: Decimal | None  # what they offset against this levy (capped by it); None = levy unknown
    labour_for_full_offset: Decimal | None  # labour share that would offset the whole levy


def workshop_order_offset(
    *, order_labour: Decimal | int, yearly_levy: Decimal | None, share_percent: Decimal | int = 50
) -> OffsetResult:
    """§ 223: a share (50 %) of the labour part of workshop invoices may be set against the levy, never beyond it."""
    order_labour = Decimal(order_labour)
    share = Decimal(share_percent)
    if order_labour < 0:
        raise CalculationError("order labour must not be negative", "order_labour")
    offsettable = (order_labour * share / 100).quantize(CENT)
    if yearly_levy is None:
        return OffsetResult(order_labour, share, offsettable, None, None)
    offset = min(offsettable, yearly_levy)
    full = (yearly_levy * 100 / share).quantize(CENT) if share else None
    return OffsetResult(order_labour, share, offsettable, offset, full)


@dataclass(frozen=True)
class SubsidyResult:
    wage_cost: Decimal
    max_percent: Decimal
    subsidy: Decimal  # up to this much per month
    employer_share: Decimal


def bfa_subsidy(*, monthly_wage_cost: Decimal | int, max_percent: Decimal | int = 75) -> SubsidyResult:
    """Budget für Arbeit (§ 61): a wage-cost subsidy of up to `max_percent` of the employer's wage cost."""
    wage = Decimal(monthly_wage_cost)
    if wage < 0:
        raise CalculationError("wage cost must not be negative", "wage_cost")
    percent = Decimal(max_percent)
    subsidy = (wage * percent / 100).quantize(CENT)
    return SubsidyResult(wage, percent, subsidy, wage - subsidy)
