"""scripts/bench, steps 1, 2 and 5a: the pages measured and who requests them, their query counts at
two sizes, their times against Django's admin changelist and a bare ListView, and the resident
memory of a web process rendering the large lists (this file run by itself, so that the process
holds only what a web process holds). Django and the data module are imported inside the functions:
scripts/bench imports this module before ``django.setup()``."""

import json
import statistics
import time
from dataclasses import dataclass

from bench_report import mark, note_load, print_table, proc_status

# --- query counts --------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    who: str  # "anonymous", "api" (the API client's bearer token) or an Actors attribute
    url: str
    kind: str = "list"


def pages(actors) -> list[Page]:
    """Every list and detail page of issues 10 and 19 (and a few more), with who requests it."""
    from bench_data import MAIN_PREFIX, REVIEW_REFERENCE, SUBJECT_CHANGE_NUMBER
    from django.urls import reverse

    from notifications.models import OnsNotification

    review_pk = _review_pk()
    subject_pk, change, grant = _grant_subject()
    notification = OnsNotification.objects.filter(application__reference__startswith=MAIN_PREFIX).order_by(
        "pk"
    )
    return [
        Page("catalogue", "anonymous", reverse("deposits:catalogue")),
        Page("deposit detail", "anonymous", reverse("deposits:detail", args=["DEP-2023-00000"]), "detail"),
        Page("register", "anonymous", reverse("transparency:register")),
        Page(
            "register detail",
            "anonymous",
            reverse("transparency:register_detail", args=[f"{MAIN_PREFIX}00005"]),
            "detail",
        ),
        Page("my applications", "researcher", reverse("applications:my_list")),
        Page("application detail", "researcher", reverse("applications:detail", args=[review_pk]), "detail"),
        Page("home (researcher)", "researcher", reverse("core:home")),
        Page("panel queue", "member", reverse("panel:queue")),
        Page("review page", "member", reverse("panel:review", args=[REVIEW_REFERENCE]), "detail"),
        Page("home (panel)", "member", reverse("core:home")),
        Page("staff applications", "staff", reverse("panel:staff_applications")),
        Page(
            "staff application",
            "staff",
            reverse("panel:staff_application", args=[REVIEW_REFERENCE]),
            "detail",
        ),
        Page("notification log", "staff", reverse("notifications:log")),
        Page(
            "notification detail",
            "staff",
            reverse("notifications:detail", args=[notification.first().pk]),
            "detail",
        ),
        Page("audit log", "staff", reverse("core:audit_log")),
        Page("dashboard", "staff", reverse("transparency:dashboard")),
        Page("home (staff)", "staff", reverse("core:home")),
        # Issue 19: change requests on live grants, outputs, and the read API.
        Page("staff change requests", "staff", reverse("panel:staff_change_requests")),
        Page("staff change request", "staff", reverse("panel:staff_change_request", args=[change]), "detail"),
        Page("change review (panel)", "member", reverse("panel:change_review", args=[change]), "detail"),
        Page(
            "change request (researcher)",
            "researcher",
            reverse("applications:change_request", args=[subject_pk, SUBJECT_CHANGE_NUMBER]),
            "detail",
        ),
        Page("outputs", "researcher", reverse("applications:outputs", args=[subject_pk]), "detail"),
        Page("API grants", "api", reverse("api:grant_list")),
        Page("API grant", "api", reverse("api:grant_detail", args=[grant]), "detail"),
        Page("API events", "api", reverse("api:event_list") + "?after=0"),
    ]


def _review_pk() -> int:
    from bench_data import REVIEW_REFERENCE

    from applications.models import Application

    return Application.objects.only("pk").get(reference=REVIEW_REFERENCE).pk


def _grant_subject() -> tuple[int, str, str]:
    """The change and grant pages' subject: the application's pk, the change request the pages
    show and the live grant."""
    from bench_data import GRANT_SUBJECT_REFERENCE, SUBJECT_CHANGE_NUMBER

    from applications.models import Application

    app = Application.objects.only("pk", "reference").get(reference=GRANT_SUBJECT_REFERENCE)
    return app.pk, f"{app.reference}-C{SUBJECT_CHANGE_NUMBER}", f"{app.reference}-G2"


def api_client(actors):
    """A test Client for the read API: a new API client issued by staff through the service (the
    token is shown once, so each process issues its own), sent as ``Authorization: Bearer``."""
    import uuid

    from django.test import Client

    from api.services import api_client_create

    _client, token = api_client_create(name=f"Bench ONS reader {uuid.uuid4().hex[:8]}", actor=actors.staff)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def signed_in_clients(actors) -> dict:
    """One test Client per person, signed in with the second factor satisfied (as tests/conftest.py's
    client_for does), so every page sees the real middleware and permission checks; and one for
    the read API with its bearer token."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    clients = {"anonymous": Client(), "api": api_client(actors)}
    for who in ("researcher", "member", "chair", "staff"):
        user = getattr(actors, who)
        client = Client()
        client.force_login(user)
        if user.needs_second_factor:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="Bench app", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        clients[who] = client
    return clients


def count_queries(client, url: str) -> tuple[int, int]:
    """(status, number of SQL queries) of one GET, after a warm-up GET of the same URL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured.captured_queries)


def query_counts(actors, clients) -> dict[str, tuple[int, int]]:
    return {page.name: count_queries(clients[page.who], page.url) for page in pages(actors)}


# --- page times ----------------------------------------------------------------------------------


def time_pages(
    clients, targets: list[tuple[str, str, str]], *, rounds: int, budget: float, warmups: int = 2
) -> dict[str, dict]:
    """Median wall time of GETs, interleaved round by round so drift hits every page alike (so the
    slowest page's time decides how many rounds fit in the budget).
    ``targets``: (name, who, url). ``warmups`` rounds first; then at least 5 measured rounds (or
    ``rounds`` if fewer), and more up to ``rounds`` while within ``budget`` seconds."""
    for _ in range(warmups):
        for _name, who, url in targets:
            response = clients[who].get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} as {who} answered {response.status_code}")
    samples: dict[str, list[float]] = {name: [] for name, _, _ in targets}
    started = time.perf_counter()
    for n in range(rounds):
        for name, who, url in targets:
            t0 = time.perf_counter()
            clients[who].get(url)
            samples[name].append(time.perf_counter() - t0)
        if n >= min(4, rounds - 1) and time.perf_counter() - started > budget:
            break
    return {
        name: {"median_ms": statistics.median(s) * 1000, "min_ms": min(s) * 1000, "n": len(s)}
        for name, s in samples.items()
    }


def page_targets() -> list[tuple[str, str, str]]:
    from django.urls import reverse

    return [
        ("panel queue", "member", reverse("panel:queue")),
        ("staff applications", "staff", reverse("panel:staff_applications")),
        ("admin changelist", "staff", "/bench/admin/applications/application/"),
        ("bare ListView", "staff", reverse("bench_bare_list")),
        ("project admin (info)", "staff", "/admin/applications/application/"),
    ]


def child_memory_main() -> None:
    """Run as a separate process (``python scripts/bench_pages.py``, with the benchmark's
    environment): a web process that renders the 10,000-row lists once each and reports its resident
    memory before and at peak."""
    import django

    django.setup()
    from bench_data import ensure_actors

    actors = ensure_actors()
    clients = signed_in_clients(actors)
    from django.urls import reverse

    # Load the URLconf, templates and middleware first, with light pages (the home page of a panel
    # member already loads the whole queue).
    clients["anonymous"].get(reverse("deposits:catalogue"))
    for who in ("staff", "member"):
        clients[who].get(reverse("accounts:security"))
    result = {"baseline_kb": proc_status()["VmRSS"]}
    for name, who, url in (
        ("panel queue", "member", reverse("panel:queue")),
        ("staff applications", "staff", reverse("panel:staff_applications")),
        ("bare ListView", "staff", reverse("bench_bare_list")),
    ):
        status = clients[who].get(url).status_code
        result[name] = {"status": status, "peak_kb": proc_status()["VmHWM"]}
    print(json.dumps(result))


# --- steps 1 and 2 -------------------------------------------------------------------------------


def step_query_counts(results: dict, actors, clients, *, small: int, large: int) -> dict:
    """Step 1: grow the data to ``small`` and then ``large`` rows, count every page's queries at
    each size and print table 1. Returns the counts by size and how many pages kept theirs."""
    import bench_data

    counts = {}
    for size in (small, large):
        t0 = time.monotonic()
        bench_data.grow(size, actors)
        bench_data.review_subject(max(1, size // 10), actors)
        bench_data.grant_subject(max(1, size // 10), actors)
        counts[size] = query_counts(actors, clients)
        print(f"bench: {size} rows made and every page counted in {time.monotonic() - t0:.1f} s")
    rows = []
    equal = 0
    for name in counts[small]:
        (s1, q1), (s2, q2) = counts[small][name], counts[large][name]
        ok = q1 == q2 and s1 == s2 == 200
        equal += ok
        rows.append([name, s1, q1, q2, mark(ok)])
    print_table(
        f"1. Queries per page at {small} and {large:,} rows (detail pages: 1 and {large // 10} of "
        "each thing listed: team members, deposits, versions, queries, attachments, x panel votes; "
        "a change request's invitations, removals, added and removed deposits and votes; outputs "
        "and reports; a grant's team and datasets)",
        ["page", "status", f"{small}", f"{large:,}", "equal"],
        rows,
    )
    results["queries"] = {
        name: {"small": counts[small][name][1], "large": counts[large][name][1]} for name in counts[small]
    }
    return {"equal": equal, "pages": len(counts[small])}


def step_page_times(results: dict, actors, clients, *, applications: int, rounds: int) -> dict:
    """Step 2: grow the data to ``applications`` rows, time the two measured lists against the
    baselines (table 2) and every other page against the bare ListView in the same rounds (table
    2b), each against issue 19's goals (bench_goals). Returns the ratios."""
    import bench_data
    from bench_goals import GOAL
    from django.db import connection
    from django.urls import reverse

    t0 = time.monotonic()
    bench_data.grow(applications, actors)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"\nbench: {applications:,} applications made in {time.monotonic() - t0:.1f} s")
    print(f"bench: timing pages; {note_load(results, 'pages')}")
    # One warm-up round: step 1 already requested these pages (the baselines are new).
    times = time_pages(clients, page_targets(), rounds=rounds, budget=45.0, warmups=1)
    admin = times["admin changelist"]["median_ms"]
    bare = times["bare ListView"]["median_ms"]
    #: The goals of the measured lists: (page, baseline) -> goal key.
    goals = {
        ("panel queue", "admin"): "queue_admin",
        ("panel queue", "bare"): "queue_bare",
        ("staff applications", "bare"): "staff_bare",
    }

    def cell(name: str, baseline: str, value: float) -> str:
        key = goals.get((name, baseline))
        return f"{value:.2f}" + (f" {mark(GOAL[key].met(value))}" if key else "")

    rows = []
    for name, figures in times.items():
        median = figures["median_ms"]
        rows.append(
            [
                name,
                f"{median:.1f}",
                f"{figures['min_ms']:.1f}",
                figures["n"],
                cell(name, "admin", median / admin),
                cell(name, "bare", median / bare),
            ]
        )
    print_table(
        f"2. Page times with {applications:,} applications (in-process test client; goals: panel queue "
        f"{GOAL['queue_bare'].text} of bare list and {GOAL['queue_admin'].text} of admin, staff list "
        f"{GOAL['staff_bare'].text} of bare list)",
        ["page", "median ms", "min ms", "n", "/ admin", "/ bare"],
        rows,
    )
    results["pages"] = times
    others = [(p.name, p.who, p.url) for p in pages(actors) if p.name not in times]
    # Step 1 requested these pages (their warm-up); 5 interleaved rounds, with the bare ListView in
    # the same rounds so that each ratio is taken against the baseline as the machine was then.
    baseline = ("bare ListView", "staff", reverse("bench_bare_list"))
    other_times = time_pages(clients, [baseline, *others], rounds=5, budget=0.0, warmups=0)
    bare_2b = other_times.pop("bare ListView")["median_ms"]
    goal = GOAL["other_pages"]
    ratios = {name: t["median_ms"] / bare_2b for name, t in other_times.items()}
    print_table(
        f"2b. Every other page with {applications:,} applications (median of 5 interleaved rounds; "
        f"/ bare: the bare ListView in the same rounds, {bare_2b:.1f} ms; goal: every page "
        f"{goal.text}; a page whose time grows with the rows while its query count does not "
        "fetches or renders every row)",
        ["page", "median ms", "n", "/ bare", "goal"],
        [
            [name, f"{t['median_ms']:.1f}", t["n"], f"{ratios[name]:.2f}", mark(goal.met(ratios[name]))]
            for name, t in other_times.items()
        ],
    )
    results["other_pages"] = {
        "bare_listview_ms": bare_2b,
        **{name: {**t, "ratio_to_bare": ratios[name]} for name, t in other_times.items()},
    }
    queue, staff = times["panel queue"]["median_ms"], times["staff applications"]["median_ms"]
    return {
        "queue_admin": queue / admin,
        "staff_admin": staff / admin,
        "queue_bare": queue / bare,
        "staff_bare": staff / bare,
        "other_pages": ratios,
    }


if __name__ == "__main__":
    child_memory_main()
