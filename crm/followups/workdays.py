"""Local dates in Europe/Berlin, working days and German public holidays (nationwide plus one state)."""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app

from crm.db import utcnow

BERLIN = ZoneInfo("Europe/Berlin")


def local_now(now: datetime | None = None) -> datetime:
    """The current (or given) instant in Europe/Berlin."""
    return (now or utcnow()).astimezone(BERLIN)


def local_today(now: datetime | None = None) -> date:
    """Today's date in Europe/Berlin: the day staff think of, not the UTC day."""
    return local_now(now).date()


def local_instant(day: date, at: time) -> datetime:
    """The UTC instant of wall-clock time `at` on `day` in Berlin.

    Daylight-saving switches follow PEP 495 with fold=0: on the spring day a time inside the skipped
    hour (02:00–02:59) is read with the winter offset and lands one hour later (02:30 → 03:30 CEST);
    on the autumn day the repeated hour means its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=BERLIN).astimezone(UTC)


def end_of_local_day(day: date) -> datetime:
    """The UTC instant when `day` ends in Berlin (midnight of the next day)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BERLIN).astimezone(UTC)


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


# State holidays beyond the nationwide ones, by state code (ISO 3166-2:DE suffix). Easter-relative
# days are given as offsets in days; fixed days as (month, day).
_STATE_FIXED: dict[str, list[tuple[int, int]]] = {
    "BW": [(1, 6), (11, 1)],
    "BY": [(1, 6), (8, 15), (11, 1)],
    "BE": [(3, 8)],
    "BB": [(10, 31)],
    "HB": [(10, 31)],
    "HH": [(10, 31)],
    "MV": [(3, 8), (10, 31)],
    "NI": [(10, 31)],
    "NW": [(11, 1)],
    "RP": [(11, 1)],
    "SL": [(8, 15), (11, 1)],
    "SN": [(10, 31)],
    "ST": [(1, 6), (10, 31)],
    "SH": [(10, 31)],
    "TH": [(9, 20), (10, 31)],
}
_STATE_EASTER: dict[str, list[int]] = {
    "BW": [60],
    "BY": [60],
    "HE": [60],
    "NW": [60],
    "RP": [60],
    "SL": [60],
}
STATES = tuple(sorted(set(_STATE_FIXED) | set(_STATE_EASTER) | {"HE"}))


@lru_cache(maxsize=64)
def public_holidays(year: int, state: str | None = None) -> frozenset[date]:
    """Nationwide German public holidays of `year`, plus those of `state` (e.g. "HH")."""
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1),  # Neujahr
        easter - timedelta(days=2),  # Karfreitag
        easter + timedelta(days=1),  # Ostermontag
        date(year, 5, 1),  # Tag der Arbeit
        easter + timedelta(days=39),  # Christi Himmelfahrt
        easter + timedelta(days=50),  # Pfingstmontag
        date(year, 10, 3),  # Tag der Deutschen Einheit
        date(year, 12, 25),
        date(year, 12, 26),
    }
    if state:
        days.update(date(year, month, day) for month, day in _STATE_FIXED.get(state, []))
        days.update(easter + timedelta(days=offset) for offset in _STATE_EASTER.get(state, []))
        if state == "SN":  # Buß- und Bettag: the Wednesday before 23 November
            nov22 = date(year, 11, 22)
            days.add(nov22 - timedelta(days=(nov22.weekday() - 2) % 7))
    return frozenset(days)


def is_working_day(day: date) -> bool:
    """Digest days: the configured weekdays (Mon–Fri), minus public holidays unless switched off."""
    config = current_app.config
    if day.weekday() not in set(config.get("DIGEST_WEEKDAYS") or (0, 1, 2, 3, 4)):
        return False
    if config.get("DIGEST_SKIP_PUBLIC_HOLIDAYS", True):
        return day not in public_holidays(day.year, config.get("PUBLIC_HOLIDAY_STATE") or None)
    return True
