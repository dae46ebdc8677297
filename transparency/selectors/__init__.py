"""Reads for the transparency app: information pages, the public register, the staff dashboard.

The register is a read over approved applications and their decisions, never a copy. Everything
it shows passes through ``RegisterEntry``, which holds only public fields: no emails,
accreditation numbers, votes, comments or internal rationale can reach a page or a download, and
the team's names only when the team agreed to be named (``Application.consent_to_publish_names``)."""

from .dashboard import (
    OUTCOME_SERIES,
    PercentileCont,
    dashboard_applications,
    dashboard_automatic_rejections,
    dashboard_data,
    dashboard_decision_times,
    dashboard_decisions_by_month,
    dashboard_figures,
    dashboard_notification_health,
    dashboard_outstanding_votes,
    percentile,
)
from .pages import (
    DiffLine,
    info_page_get,
    info_page_list,
    info_page_version_changes,
    info_page_version_get,
    info_page_versions,
)
from .register import (
    REGISTER_FIELDS,
    DepositUse,
    RegisterDeposit,
    RegisterEntry,
    RegisterOutput,
    deposit_page_section,
    register_base_queryset,
    register_entries,
    register_entries_for_deposit,
    register_entry,
    register_entry_get,
    register_queryset,
)
from .staff import (
    access_ending_soon_count,
    access_ends_due,
    access_reminders_due,
    export_applications_queryset,
    export_decisions_queryset,
    next_actions_for_staff,
)

__all__ = [
    "OUTCOME_SERIES",
    "REGISTER_FIELDS",
    "DepositUse",
    "DiffLine",
    "PercentileCont",
    "RegisterDeposit",
    "RegisterEntry",
    "RegisterOutput",
    "access_ending_soon_count",
    "access_ends_due",
    "access_reminders_due",
    "dashboard_applications",
    "dashboard_automatic_rejections",
    "dashboard_data",
    "dashboard_decision_times",
    "dashboard_decisions_by_month",
    "dashboard_figures",
    "dashboard_notification_health",
    "dashboard_outstanding_votes",
    "deposit_page_section",
    "export_applications_queryset",
    "export_decisions_queryset",
    "info_page_get",
    "info_page_list",
    "info_page_version_changes",
    "info_page_version_get",
    "info_page_versions",
    "next_actions_for_staff",
    "percentile",
    "register_base_queryset",
    "register_entries",
    "register_entries_for_deposit",
    "register_entry",
    "register_entry_get",
    "register_queryset",
]
