"""Command-line commands of the reminders: `crm send-reminders` and `crm scheduler`."""

from datetime import date, datetime

import click
from flask.cli import with_appcontext

from crm.scheduler import scheduler_command


@click.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="Only show what would be sent; change nothing.")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to preview (YYYY-MM-DD, needs --dry-run unless it is today).",
)
@click.option("--any-day", is_flag=True, help="Also on weekends and public holidays.")
@with_appcontext
def send_reminders_command(dry_run: bool, day: datetime | None, any_day: bool) -> None:
    """Queue today's digests now (whatever time each user chose), deliver the outbox and print the result."""
    from crm.followups.jobs import queue_due_digests
    from crm.followups.workdays import local_today
    from crm.mail import deliver_due_messages

    today = local_today()
    wanted: date = day.date() if day else today
    if wanted != today and not dry_run:
        raise click.UsageError("Nur die Mail für heute kann gesendet werden; andere Tage mit --dry-run ansehen.")
    report = queue_due_digests(day=wanted, ignore_time=True, any_day=any_day, dry_run=dry_run)
    click.echo(f"Wiedervorlagen-Mail für {wanted:%d.%m.%Y}{' (Probelauf)' if dry_run else ''}")
    if not report.working_day and not any_day:
        click.echo("  Kein Arbeitstag (Wochenende oder Feiertag): keine Mails. Mit --any-day trotzdem senden.")
        return
    labels = {
        "queued": "in die Warteschlange gestellt",
        "would_queue": "würde gesendet",
        "empty": "nichts fällig, keine Mail",
        "taken": "heute schon erledigt",
    }
    if not report.outcomes:
        click.echo("  Alle Benutzer*innen haben ihre Mail für diesen Tag schon (oder die Mail abgeschaltet).")
    for outcome in report.outcomes:
        counts = f"{outcome.overdue} überfällig, {outcome.today} heute, {outcome.contact} Kontakt fällig"
        click.echo(f"  {outcome.email}: {counts} → {labels[outcome.status]}")
        if dry_run and outcome.subject:
            click.echo(f"      Betreff: {outcome.subject}")
    if dry_run:
        return
    delivery = deliver_due_messages()
    for _row_id, recipient, status, error in delivery.rows:
        text = {"sent": "gesendet", "retry": "später erneut", "failed": "fehlgeschlagen"}[status]
        click.echo(f"  Versand an {recipient}: {text}{f' ({error})' if error else ''}")
    click.echo(
        f"Versand: {delivery.sent} gesendet, {delivery.retried} später erneut, {delivery.failed} fehlgeschlagen"
        + (f", {delivery.expired} abgelaufen" if delivery.expired else "")
    )


FOLLOWUP_COMMANDS = (send_reminders_command, scheduler_command)
