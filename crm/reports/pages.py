"""Each report as a page: figures, charts and the tables under them (the same tables feed CSV and XLSX)."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from crm.activities.models import ActivityKind
from crm.duoday.models import ParticipationOutcome, ParticipationStatus
from crm.employers.models import EmployerSource
from crm.placements.models import PlacementOutcome, PlacementType
from crm.reports import charts, queries
from crm.reports.queries import Period


@dataclass
class Table:
    key: str
    caption: str
    columns: list[str]
    rows: list[list[Any]]
    links: list[str | None] = field(default_factory=list)  # one per row: where the first cell leads
    totals: list[Any] | None = None
    text_columns: int = 1  # the leading columns that hold text (left-aligned); the rest are figures
    shown: bool = True  # False: too long for the page (a row per month and user and kind), download only


@dataclass
class Figure:
    label: str
    value: Any
    suffix: str = ""
    url: str | None = None


@dataclass
class ReportPage:
    key: str
    title: str
    intro: str
    figures: list[Figure] = field(default_factory=list)
    charts: list[Markup] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty: bool = False

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _month_label(month: str) -> str:
    """'2026-03' → '03/26' for the chart axis."""
    return f"{month[5:7]}/{month[2:4]}"


def _month_table(
    key: str, caption: str, months: list[str], names: list[str], value: Callable[[str, int], int]
) -> Table:
    """The chart's figures as a table: a row per month, a column per series, and the total."""
    rows = [[m, *[value(m, i) for i in range(len(names))]] for m in months]
    for row in rows:
        row.append(sum(row[1:]))
    totals = [_("Total"), *[sum(row[i + 1] for row in rows) for i in range(len(names))], sum(r[-1] for r in rows)]
    return Table(key, caption, [_("Month"), *names, _("Total")], rows, totals=totals)


def _list_url(period: Period, **args: Any) -> str:
    """The employer list filtered like the figure (site of the report added)."""
    if period.site_id is not None:
        args.setdefault("site", period.site_id)
    return url_for("employers.index", **args)


# --- funnel -----------------------------------------------------------------------------------------


def funnel_page(period: Period, *, today: date) -> ReportPage:
    rows = queries.funnel(period)
    page = ReportPage(
        "funnel",
        _("Funnel"),
        _(
            "Employers added in the period: the stage they are in now, how many reached each stage of the path "
            "(or a later one), the share that went on to the next stage, and the median number of days an "
            "employer stayed in a stage before moving on."
        ),
    )
    pipeline = [row for row in rows if row.reached is not None]
    page.empty = not any(row.now for row in rows)
    page.figures = [Figure(_("Employers added"), sum(row.now for row in rows), url=None)]
    page.charts.append(
        charts.bar_chart(
            _("Funnel: employers that reached each stage"),
            "; ".join(
                _("%(stage)s: %(count)s", stage=row.stage.name, count=row.reached)
                + (_(" (%(pct)s %% went on)", pct=_fmt_pct(row.conversion)) if row.conversion is not None else "")
                for row in pipeline
            ),
            [row.stage.name for row in pipeline],
            [row.reached or 0 for row in pipeline],
        )
    )
    page.tables.append(
        Table(
            "stages",
            _("Stages"),
            [
                _("Stage"),
                _("Now in stage"),
                _("Reached"),
                _("Went on to the next stage (%)"),
                _("Median days in stage"),
                _("Completed stays"),
            ],
            [
                [
                    row.stage.name,
                    row.now,
                    row.reached,
                    _pct(row.conversion),
                    None if row.median_days is None else round(row.median_days, 1),
                    row.stays,
                ]
                for row in rows
            ],
            links=[_list_url(period, stage=row.stage.key) for row in rows],
        )
    )
    page.notes.append(_("The links lead to all employers now in the stage, whenever they were added."))
    return page


def _fmt_pct(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}".replace(".", ",")


# --- sources ----------------------------------------------------------------------------------------


def source_label(source: EmployerSource | None) -> str:
    return source.label if source is not None else _("Not recorded")


def sources_page(period: Period, *, today: date) -> ReportPage:
    rows = queries.sources(period)
    months = period.months()
    order = [*EmployerSource, None]
    present = [s for s in order if any(r.source == s for r in rows)]
    new = {(r.month, r.source): r.new for r in rows}
    page = ReportPage(
        "sources",
        _("Sources"),
        _(
            "New employers per month and source, and how many of them became a cooperation (now or at any "
            "time) — which channel works."
        ),
    )
    page.empty = not rows
    totals: dict[EmployerSource | None, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        totals[r.source][0] += r.new
        totals[r.source][1] += r.cooperations
    page.figures = [
        Figure(_("Employers added"), sum(t[0] for t in totals.values())),
        Figure(_("Of them cooperations"), sum(t[1] for t in totals.values())),
    ]
    page.charts.append(
        charts.stacked_bar_chart(
            _("New employers per month by source"),
            _("Columns per month, stacked by source; the figures are in the table below."),
            [_month_label(m) for m in months],
            [charts.Series(source_label(s), [new.get((m, s), 0) for m in months]) for s in present],
        )
    )
    page.charts.append(
        charts.bar_chart(
            _("Cooperations per source"),
            "; ".join(_("%(source)s: %(count)s", source=source_label(s), count=totals[s][1]) for s in present),
            [source_label(s) for s in present],
            [totals[s][1] for s in present],
        )
    )
    page.tables.append(
        Table(
            "by_source",
            _("By source"),
            [_("Source"), _("New employers"), _("Cooperations"), _("Became a cooperation (%)")],
            [[source_label(s), totals[s][0], totals[s][1], _pct(100 * totals[s][1] / totals[s][0])] for s in present],
            links=[_list_url(period, source=s.value) if s is not None else None for s in present],
        )
    )
    page.tables.append(
        _month_table(
            "new_per_month",
            _("New employers per month and source"),
            months,
            [source_label(s) for s in present],
            lambda m, i: new.get((m, present[i]), 0),
        )
    )
    page.tables.append(
        Table(
            "by_month",
            _("By month and source"),
            [_("Month"), _("Source"), _("New employers"), _("Cooperations")],
            [[r.month, source_label(r.source), r.new, r.cooperations] for r in rows],
            text_columns=2,
            shown=False,
        )
    )
    return page


# --- activity ---------------------------------------------------------------------------------------


def activity_page(period: Period, *, today: date) -> ReportPage:
    rows = queries.activity(period)
    months = period.months()
    page = ReportPage(
        "activity",
        _("Activity"),
        _("Logged calls, e-mails, visits and other activities per month, per user and per kind."),
    )
    page.empty = not rows
    # Labels looked up once: a ten-year period has some 10,000 grouped rows.
    label = {kind: kind.label for kind in ActivityKind}
    unknown = _("Unknown user")
    per_kind: dict[tuple[str, ActivityKind], int] = defaultdict(int)
    per_user: dict[str, dict[ActivityKind, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        per_kind[(r.month, r.kind)] += r.count
        per_user[r.user_name or unknown][r.kind] += r.count
    kinds = [k for k in ActivityKind if any(key[1] == k for key in per_kind)]
    page.figures = [Figure(_("Activities"), sum(r.count for r in rows))]
    page.charts.append(
        charts.stacked_bar_chart(
            _("Activities per month by kind"),
            _("Columns per month, stacked by kind of activity; the figures are in the tables below."),
            [_month_label(m) for m in months],
            [charts.Series(k.label, [per_kind.get((m, k), 0) for m in months]) for k in kinds],
        )
    )
    page.tables.append(
        _month_table(
            "per_month",
            _("Per month and kind"),
            months,
            [k.label for k in kinds],
            lambda m, i: per_kind.get((m, kinds[i]), 0),
        )
    )
    user_rows = [[name, *[counts.get(k, 0) for k in kinds], sum(counts.values())] for name, counts in per_user.items()]
    user_rows.sort(key=lambda row: (-row[-1], row[0]))
    page.tables.append(
        Table(
            "by_user",
            _("Per user and kind"),
            [_("User"), *[k.label for k in kinds], _("Total")],
            user_rows,
            totals=[
                _("Total"),
                *[sum(per_kind.get((m, k), 0) for m in months) for k in kinds],
                sum(r.count for r in rows),
            ],
        )
    )
    page.tables.append(
        Table(
            "by_month",
            _("Per month, user and kind"),
            [_("Month"), _("User"), _("Kind"), _("Activities")],
            [[r.month, r.user_name or unknown, label[r.kind], r.count] for r in rows],
            text_columns=3,
            shown=False,
        )
    )
    return page


# --- DuoDay -----------------------------------------------------------------------------------------


def duoday_page(period: Period, *, today: date) -> ReportPage:
    years = queries.duoday(period)
    page = ReportPage(
        "duoday",
        _("DuoDay per year"),
        _(
            "Participations per DuoDay year, what came of them, and the conversion: the share of DuoDays that "
            "took place which led to a taster internship, a trial employment or a placement."
        ),
    )
    page.empty = not years
    outcomes = list(ParticipationOutcome)
    page.charts.append(
        charts.stacked_bar_chart(
            _("DuoDay participations per year by outcome"),
            _("Columns per year, stacked by outcome (cancelled participations left out)."),
            [str(y.year) for y in years],
            [charts.Series(o.label, [y.by_outcome.get(o, 0) for y in years]) for o in outcomes],
        )
    )
    statuses = list(ParticipationStatus)
    page.tables.append(
        Table(
            "years",
            _("Per year"),
            [
                _("Year"),
                _("Participations"),
                *[s.label for s in statuses],
                *[o.label for o in outcomes if o != ParticipationOutcome.NONE],
                _("Conversion (%)"),
            ],
            [
                [
                    y.year,
                    y.total,
                    *[y.by_status.get(s, 0) for s in statuses],
                    *[y.by_outcome.get(o, 0) for o in outcomes if o != ParticipationOutcome.NONE],
                    _pct(y.conversion),
                ]
                for y in years
            ],
            links=[url_for("duoday.index", year=y.year) for y in years],
        )
    )
    return page


# --- placements -------------------------------------------------------------------------------------


def placements_page(period: Period, *, today: date) -> ReportPage:
    data = queries.placements(period, today=today)
    months = period.months()
    started = {(m, t): n for m, t, n in data.started}
    types = [t for t in PlacementType if any(key[1] == t for key in started)]
    page = ReportPage(
        "placements",
        _("Placements"),
        _(
            "Placement phases started per month and type (a taster internship that becomes a trial employment "
            "counts in both months), the placements running today, and how the placements ended in the period."
        ),
    )
    page.empty = not (data.started or data.active or data.outcomes)
    page.figures = [
        Figure(_("Running today"), sum(data.active.values()), url=url_for("placements.index", state="active")),
        Figure(_("Ended in the period"), sum(data.outcomes.values()), url=url_for("placements.index", state="ended")),
    ]
    page.charts.append(
        charts.stacked_bar_chart(
            _("Placement phases started per month by type"),
            _("Columns per month, stacked by type of placement; the figures are in the table below."),
            [_month_label(m) for m in months],
            [charts.Series(t.label, [started.get((m, t), 0) for m in months]) for t in types],
        )
    )
    page.tables.append(
        _month_table(
            "started_per_month",
            _("Phases started per month and type"),
            months,
            [t.label for t in types],
            lambda m, i: started.get((m, types[i]), 0),
        )
    )
    page.tables.append(
        Table(
            "started",
            _("Started per month and type"),
            [_("Month"), _("Type"), _("Phases started")],
            [[m, t.label, n] for m, t, n in data.started],
            text_columns=2,
            shown=False,
        )
    )
    page.tables.append(
        Table(
            "active",
            _("Running today by type"),
            [_("Type"), _("Placements")],
            [[t.label, data.active[t]] for t in PlacementType if data.active.get(t)],
            links=[
                url_for("placements.index", state="active", type=t.value) for t in PlacementType if data.active.get(t)
            ],
        )
    )
    page.tables.append(
        Table(
            "outcomes",
            _("Outcomes of the placements ended in the period"),
            [_("Outcome"), _("Placements")],
            [[o.label, data.outcomes[o]] for o in PlacementOutcome if data.outcomes.get(o)],
        )
    )
    return page


# --- the outside-work quota -------------------------------------------------------------------------


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def quota_page(period: Period, *, today: date) -> ReportPage:
    settings = queries.quota_settings()
    derived = queries.outside_count(today=today, site_id=period.site_id)
    page = ReportPage(
        "quota",
        _("Outside-work quota"),
        _(
            "The share of workshop employees working outside the workshop (outsourced individual workplaces "
            "and outdoor work groups) and the path to the goal."
        ),
    )
    if settings is None:
        page.empty = True
        page.figures = [Figure(_("Working outside according to the placements"), derived)]
        page.notes.append(_("No workforce size and goal are set yet. An administrator sets them under “Settings”."))
        return page
    use_records = settings.outside_count is not None and period.site_id is None
    count = settings.outside_count if use_records else derived
    share = 100 * count / settings.workforce_size
    goal = float(settings.goal_percent)
    needed = -(-int(Decimal(settings.workforce_size) * settings.goal_percent) // 100)  # round up
    current = f"{today.year:04d}-{today.month:02d}"
    page.figures = [
        Figure(_("Current share"), round(share, 1), " %"),
        Figure(_("Goal by the end of %(year)s", year=settings.goal_year), round(goal, 1), " %"),
        Figure(_("Working outside now"), count, url=url_for("placements.index", state="active")),
        Figure(_("More people needed for the goal"), max(needed - count, 0)),
    ]
    if use_records:
        page.notes.append(
            _(
                "The current count is the figure from your records (%(count)s); the placements in the CRM give %(derived)s.",
                count=count,
                derived=derived,
            )
        )
    else:
        page.notes.append(
            _("The count is derived from the running placements on outsourced workplaces and outdoor work groups.")
        )
    page.notes.append(_("The path runs from the start to the goal year; the period filter does not apply to it."))
    if period.site_id is not None:
        page.notes.append(
            _(
                "The workforce size applies to the whole workshop; with a site chosen, only that site's placements count."
            )
        )

    start = settings.baseline_date
    months = queries.month_range(date(start.year, start.month, 1), date(settings.goal_year, 12, 1))
    history = queries.outside_history([m for m in months if m <= current], site_id=period.site_id)
    first, last = _month_index(months[0]), _month_index(months[-1])
    baseline = float(settings.baseline_percent)
    target = [baseline + (goal - baseline) * (_month_index(m) - first) / max(last - first, 1) for m in months]
    actual = [100 * history[m] / settings.workforce_size if m in history else None for m in months]
    series = [
        charts.Series(_("Path to the goal"), [round(v, 1) for v in target]),
        charts.Series(_("Share according to the placements"), [None if v is None else round(v, 1) for v in actual]),
    ]
    if use_records:
        series.append(
            charts.Series(
                _("Share according to your records"), [round(share, 1) if m == current else None for m in months]
            )
        )
    page.charts.append(
        charts.line_chart(
            _("Outside-work quota: path to the goal"),
            _(
                "From %(baseline)s %% in %(start)s to %(goal)s %% by the end of %(year)s; now %(share)s %%.",
                baseline=_fmt_pct(baseline),
                start=months[0],
                goal=_fmt_pct(goal),
                year=settings.goal_year,
                share=_fmt_pct(share),
            ),
            [_month_label(m) for m in months],
            series,
            suffix=" %",
            axis_max=max(50.0, min(100.0, (max(goal, share, baseline) // 10 + 1) * 10)),
        )
    )
    page.tables.append(
        Table(
            "trajectory",
            _("Path to the goal per month"),
            [
                _("Month"),
                _("Path to the goal (%)"),
                _("Working outside according to the placements"),
                _("Share according to the placements (%)"),
            ],
            [
                [m, round(t, 1), history.get(m), None if a is None else round(a, 1)]
                for m, t, a in zip(months, target, actual, strict=True)
            ],
        )
    )
    return page


@dataclass(frozen=True)
class ReportSpec:
    key: str
    title: Any
    summary: Any
    build: Callable[..., ReportPage]


REPORTS = (
    ReportSpec(
        "funnel", _l("Funnel"), _l("Employers per stage, conversion between stages, median time in stage."), funnel_page
    ),
    ReportSpec(
        "sources", _l("Sources"), _l("New employers and resulting cooperations per source and month."), sources_page
    ),
    ReportSpec("activity", _l("Activity"), _l("Activities per user and kind per month."), activity_page),
    ReportSpec("duoday", _l("DuoDay per year"), _l("Participations, outcomes and conversion."), duoday_page),
    ReportSpec(
        "placements", _l("Placements"), _l("Per type and month, running placements, outcomes."), placements_page
    ),
    ReportSpec("quota", _l("Outside-work quota"), _l("Current share and the path to the goal."), quota_page),
)
REPORTS_BY_KEY = {spec.key: spec for spec in REPORTS}
