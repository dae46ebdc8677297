"""Reads of applications: what the team sees, what a version froze, what is still missing, and
what changed between versions.

One module per part: ``lists`` (the team's lists and lookups), ``team`` (who "the team" is and what
a decision freezes of it), ``answers`` (what a version freezes and the diff between versions),
``problems`` (completeness and the rules before submission), ``accreditation`` (the one
accreditation rule), ``use_conditions`` (the deposits a request may name and the screening rule),
``next_step`` and ``terms`` (the terms of access). Import from the package, not from its modules."""

from .accreditation import AccreditationStanding, accreditation_standing
from .answers import AnswerChange, application_answers, application_previous_version, application_version_diff
from .lists import (
    application_get_for_user,
    application_list_for_user,
    application_open_queries,
    application_queries,
    application_versions,
    invitation_list_for_user,
)
from .next_step import application_is_editable, application_next_step
from .problems import (
    Problem,
    SectionProgress,
    application_missing_answers,
    application_problems,
    application_section_progress,
)
from .team import (
    application_accepted_members,
    application_team,
    application_team_emails,
    application_team_includes,
    application_team_snapshot,
    application_team_users,
    researcher_snapshot,
)
from .terms import (
    TermsNotAccepted,
    TermsTeamStatus,
    terms_applications_to_accept,
    terms_due_on,
    terms_get,
    terms_in_force,
    terms_members_to_ask,
    terms_not_accepted_queryset,
    terms_not_accepted_rows,
    terms_outstanding,
    terms_team_status,
    terms_versions,
    terms_versions_for_staff,
)
from .use_conditions import application_use_condition_matches, deposits_selectable_for, use_condition_matches

__all__ = [
    "AccreditationStanding",
    "AnswerChange",
    "Problem",
    "SectionProgress",
    "TermsNotAccepted",
    "TermsTeamStatus",
    "accreditation_standing",
    "application_accepted_members",
    "application_answers",
    "application_get_for_user",
    "application_is_editable",
    "application_list_for_user",
    "application_missing_answers",
    "application_next_step",
    "application_open_queries",
    "application_previous_version",
    "application_problems",
    "application_queries",
    "application_section_progress",
    "application_team",
    "application_team_emails",
    "application_team_includes",
    "application_team_snapshot",
    "application_team_users",
    "application_use_condition_matches",
    "application_version_diff",
    "application_versions",
    "deposits_selectable_for",
    "invitation_list_for_user",
    "researcher_snapshot",
    "terms_applications_to_accept",
    "terms_due_on",
    "terms_get",
    "terms_in_force",
    "terms_members_to_ask",
    "terms_not_accepted_queryset",
    "terms_not_accepted_rows",
    "terms_outstanding",
    "terms_team_status",
    "terms_versions",
    "terms_versions_for_staff",
    "use_condition_matches",
]
