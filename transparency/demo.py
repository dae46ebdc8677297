"""Demo data for transparency: the public pages (normally seeded by migration), and two more
approved projects through the panel's services, so the public register and the oversight
dashboard have something to show beside the panel demo's decisions. Idempotent: applications are
looked up by lead and title (the panel demo's helpers do that)."""

import importlib

from django.apps import apps

from accounts.models import User
from deposits.enums import DepositStatus
from deposits.models import Deposit
from panel.demo import CHAIR, MEMBERS, OK, A, _review, _submitted, _users
from panel.enums import DecisionOutcome
from panel.services import decision_record

from .models import InfoPage
from .services import access_periods_process

PROJECTS = [
    {
        "deposit": "Moving On: outcomes for care leavers at 18, 21 and 25",
        "title": "Staying put: care leavers' housing at 21",
        "summary": "Care leavers who can stay with their foster carers after 18 may have more settled "
        "housing in their twenties. We will look at whether this is so, to inform councils' support.",
        "public_rationale": "Approved: direct benefit to care leavers, with care-experienced advisers "
        "involved from the start.",
    },
    {
        "deposit": "Kinship care and school outcomes in Wales",
        "title": "Kinship care and school attendance after a move",
        "summary": "Children who go to live with grandparents or other relatives often change school. "
        "We will look at how attendance changes after a move and what support helps.",
        "public_rationale": "Approved: clear questions, minimal data, and findings that schools and "
        "kinship carers can use.",
    },
]


def _ensure_pages() -> int:
    if InfoPage.objects.count() >= 4:
        return 0
    migration = importlib.import_module("transparency.migrations.0002_seed_info_pages")
    before = InfoPage.objects.count()
    migration.seed(apps, None)
    return InfoPage.objects.count() - before


def load(stdout) -> None:
    pages = _ensure_pages()
    staff = User.objects.filter(email="staff@example.org").first()
    researcher = User.objects.filter(email="researcher@example.org").first()
    chair = User.objects.filter(email=CHAIR).first()
    members = _users(MEMBERS)
    deposits = {d.title: d for d in Deposit.objects.filter(status=DepositStatus.AVAILABLE)}
    if not (staff and researcher and chair and all(members)) or not all(
        p["deposit"] in deposits for p in PROJECTS
    ):
        stdout.write(f"transparency: {pages} pages seeded; projects skipped (load the other demos first)")
        return
    created = 0
    for project in PROJECTS:
        application = _submitted(
            researcher, project["title"], deposits[project["deposit"]], summary=project["summary"]
        )
        if application is None:
            continue
        _review(application, staff, [*members, chair], [(A, OK)] * 5)
        decision_record(
            application=application,
            chair=chair,
            outcome=DecisionOutcome.APPROVED,
            rationale="Every member approved; the team is well placed and the data asked for is the minimum.",
            public_rationale=project["public_rationale"],
        )
        created += 1
    done = access_periods_process()
    stdout.write(
        f"transparency: {pages} pages seeded, {created} approved projects added to the register, "
        f"{len(done['reminded'])} access reminders, {len(done['ended'])} access periods ended"
    )
