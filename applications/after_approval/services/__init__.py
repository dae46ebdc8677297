"""Every write a team makes after approval, and the reports' schedule and reminders. Each state
change is one function: it locks the application row, checks the rule, writes the change and its
audit event (and any email) in one transaction."""

from .closure import application_access_close, application_close_early, closing_report_for
from .outputs import application_output_record, application_output_remove, application_output_update
from .reports import (
    application_report_submit,
    application_reports_schedule,
    report_reminder_kind,
    report_reminder_send,
    report_schedule,
    reports_process,
)

__all__ = [
    "application_access_close",
    "application_close_early",
    "application_output_record",
    "application_output_remove",
    "application_output_update",
    "application_report_submit",
    "application_reports_schedule",
    "closing_report_for",
    "report_reminder_kind",
    "report_reminder_send",
    "report_schedule",
    "reports_process",
]
