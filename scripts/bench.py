"""scripts/bench: how fast the portal is against Django's own admin and a bare list view, and how ONS
delivery holds under a burst. Run it through ``scripts/bench`` (which prepares the venv); see
docs/benchmarks.md for what each figure means and the last figures measured.

It creates (and at the end drops) its own PostgreSQL database ``bench_portal`` on DATABASE_URL's
server (or 127.0.0.1:5432), uses Redis DB 10 on REDIS_URL's server or 127.0.0.1:6379 (or starts a
private redis-server), starts an in-process HTTP receiver that verifies Standard Webhooks signatures
and a real ``celery worker`` subprocess, then measures:

1. query counts of every list and detail page (the change request pages, outputs and the read API
   included) at 10 and at 1,000 rows (equal = pass);
2. page time ratios with 10,000 applications: the panel queue and the staff application list against
   Django's admin changelist and a bare ListView of the same rows (same users, permissions on), and
   every other page against the bare ListView (2b);
3. decision to ONS: commit to the receiver's 2xx over 200 decisions (p50, p95), against the bare
   Celery hop measured just before;
4. burst: 2,000 decisions committed by 8 threads: deliveries per second against the bare-hop burst
   from the same threads, duplicates, lost; 4b: the deposit re-screen fan-out beside it;
5. peak RSS of a web process rendering the 10,000-row lists and of the worker during the burst;
6. sign-up and password reset for a known against an unknown address (scripts/bench_timing.py;
   ``--timing`` runs only this).

Every goal (issue 19's) is a ratio to a baseline of the same run, or a count; they are one table in
scripts/bench_goals.py, which both the step tables and the SUMMARY line read. The steps live in
scripts/bench_pages.py (1, 2, 5a), scripts/bench_delivery.py (3, 4, 5b) and scripts/bench_timing.py
(6); the tables and machine facts in scripts/bench_report.py; the data in scripts/bench_data.py. The
ONS receiver, the Celery worker and the private Redis are the suite's (tests/celery_support.py).
This module prepares the database and Redis, runs the steps in order and prints the memory table and
the SUMMARY line.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
for _path in (str(SCRIPTS), str(ROOT)):  # the scripts' modules, and the portal's apps and tests
    if _path not in sys.path:
        sys.path.insert(0, _path)

import bench_delivery  # noqa: E402 (scripts/ and the repository go on the path first)
import bench_goals  # noqa: E402 (scripts/ and the repository go on the path first)
import bench_pages  # noqa: E402 (scripts/ and the repository go on the path first)
from bench_report import machine, note_load, print_table, server_versions  # noqa: E402 (as above)

from tests.celery_support import PrivateRedis  # noqa: E402 (as above)

DB_NAME = "bench_portal"
REDIS_DB = 10


# --- servers ------------------------------------------------------------------------------------


def postgres_base_url() -> str:
    import environ

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        cfg = environ.Env.db_url_config(url)
        user, password = cfg.get("USER") or "postgres", cfg.get("PASSWORD") or ""
        host, port = cfg.get("HOST") or "127.0.0.1", cfg.get("PORT") or 5432
        auth = f"{user}:{password}@" if password else f"{user}@"
        return f"postgres://{auth}{host}:{port}"
    return "postgres://postgres@127.0.0.1:5432"


def recreate_database(base_url: str, name: str, *, drop_only: bool = False) -> None:
    import environ
    import psycopg2

    cfg = environ.Env.db_url_config(f"{base_url}/postgres")
    try:
        conn = psycopg2.connect(
            dbname="postgres",
            user=cfg["USER"],
            password=cfg.get("PASSWORD") or None,
            host=cfg["HOST"],
            port=cfg["PORT"] or 5432,
            connect_timeout=5,
        )
    except psycopg2.OperationalError as exc:
        raise SystemExit(
            f"error: PostgreSQL does not answer at {cfg['HOST']}:{cfg['PORT'] or 5432} ({exc}). "
            "Start it, or set DATABASE_URL to a server where the benchmark may create databases."
        ) from exc
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            cursor.execute(f"CREATE DATABASE {name}")
    conn.close()


class RedisServer:
    """Redis DB ``db`` (10) on REDIS_URL's server (or 127.0.0.1:6379); else a private redis-server
    (the suite's ``PrivateRedis``)."""

    def __init__(self, workdir: Path, db: int = REDIS_DB):
        self.workdir = workdir
        self.db = db
        self.private: PrivateRedis | None = None
        self.url = ""

    def start(self) -> str:
        import redis

        candidates = []
        if os.environ.get("REDIS_URL"):
            parsed = redis.connection.parse_url(os.environ["REDIS_URL"])
            candidates.append(
                f"redis://{parsed.get('host', '127.0.0.1')}:{parsed.get('port', 6379)}/{self.db}"
            )
        candidates.append(f"redis://127.0.0.1:6379/{self.db}")
        for url in candidates:
            try:
                client = redis.Redis.from_url(url, socket_connect_timeout=2)
                client.ping()
                client.flushdb()
                self.url = url
                return url
            except redis.exceptions.RedisError:
                continue
        if shutil.which("redis-server") is None:
            raise SystemExit(
                "error: no Redis answers and redis-server is not installed (apt-get install redis-server)."
            )
        self.private = PrivateRedis(self.workdir, db=self.db)
        self.private.start()
        self.url = self.private.url
        return self.url

    def stop(self):
        import redis

        if self.private:
            self.private.stop()
        elif self.url:
            with suppress(redis.exceptions.RedisError):
                redis.Redis.from_url(self.url, socket_connect_timeout=2).flushdb()


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10, help="rows for the first query count (10)")
    parser.add_argument("--large", type=int, default=1000, help="rows for the second query count (1,000)")
    parser.add_argument(
        "--applications", type=int, default=10000, help="applications for page times (10,000)"
    )
    parser.add_argument("--latency", type=int, default=200, help="decisions timed one by one (200)")
    parser.add_argument("--burst", type=int, default=2000, help="decisions in the burst (2,000)")
    parser.add_argument(
        "--fanout",
        type=int,
        default=1000,
        help="live grants of the burst one deposit is added to, then suspended (1,000)",
    )
    parser.add_argument("--threads", type=int, default=8, help="threads committing the burst (8)")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="worker processes (2, as docker-compose.yml)"
    )
    parser.add_argument("--rounds", type=int, default=15, help="timed requests per page at most (15)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        help="CONN_MAX_AGE for the web side and the worker (default: the project's setting)",
    )
    parser.add_argument(
        "--db-reuse-max",
        type=int,
        help="CELERY_DB_REUSE_MAX for the worker (default: unset, a new connection for every task)",
    )
    parser.add_argument(
        "--timing",
        action="store_true",
        help="only time sign-up and password reset for known and unknown addresses (step 6)",
    )
    parser.add_argument(
        "--database",
        default=DB_NAME,
        help=f"the database to create and drop ({DB_NAME}); a run at the same time needs its own",
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        default=REDIS_DB,
        help=f"Redis database number, flushed before and after ({REDIS_DB})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    if args.latency < 10:
        parser.error("--latency must be at least 10 (the first 5 decisions are a warm-up)")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        parser.error("--database takes lower-case letters, digits and underscores (a PostgreSQL name)")
    if not 0 <= args.redis_db <= 15:
        parser.error("--redis-db must be between 0 and 15")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    clock = time.monotonic()
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="portal-bench."))
    base_url = postgres_base_url()
    results: dict = {}
    print(f"bench: database {args.database} on {base_url.split('@')[-1]}; work files in {workdir}")
    print(f"bench: {note_load(results, 'start')}")
    recreate_database(base_url, args.database)
    redis_server = RedisServer(workdir, args.redis_db)
    receiver = bench_delivery.start_receiver()
    worker = None
    try:
        redis_url = redis_server.start()
        print(f"bench: broker {redis_url}; ONS receiver {receiver.url}")
        os.environ.update(
            DJANGO_SETTINGS_MODULE="bench_settings",
            DATABASE_URL=f"{base_url}/{args.database}",
            REDIS_URL=redis_url,
            CELERY_TASK_ALWAYS_EAGER="false",
            ONS_WEBHOOK_URL=receiver.url,
            ONS_WEBHOOK_SECRET=receiver.secret,
            ONS_NOTIFY_EMAIL="",
            BENCH_MEDIA_ROOT=str(workdir / "private"),
            PYTHONPATH=os.pathsep.join([str(SCRIPTS), str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(
                os.pathsep
            ),
        )
        os.environ.pop("CELERY_BROKER_URL", None)
        if args.conn_max_age is not None:
            os.environ["CONN_MAX_AGE"] = str(args.conn_max_age)
        if args.db_reuse_max is not None:
            os.environ["BENCH_DB_REUSE_MAX"] = str(args.db_reuse_max)
        import django

        django.setup()
        from django.core.management import call_command

        t0 = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"bench: migrated in {time.monotonic() - t0:.1f} s")
        results["machine"] = {**machine(), **server_versions()}

        # 6. known against unknown addresses, first: before any data or worker adds to the load.
        import bench_timing

        print(f"bench: timing sign-up and reset; {note_load(results, 'timing')}")
        timing = results["timing"] = bench_timing.measure()
        bench_timing.report(timing, print_table)
        if args.timing:
            results["elapsed_s"] = elapsed = time.monotonic() - clock
            load = note_load(results, "summary")
            print(f"\nSUMMARY: {bench_timing.summary(timing)} in {elapsed:.0f} s ({load})")
            if args.json:
                args.json.write_text(json.dumps(results, indent=2, default=str))
            return 0

        import bench_data

        actors = bench_data.ensure_actors()
        clients = bench_pages.signed_in_clients(actors)
        # 1. query counts at small and large sizes; 2. page times at 10,000 applications
        queries = bench_pages.step_query_counts(results, actors, clients, small=args.small, large=args.large)
        page_times = bench_pages.step_page_times(
            results, actors, clients, applications=args.applications, rounds=args.rounds
        )
        # 5a. memory of a web process rendering the lists
        memory = results["web_memory"] = web_memory()

        # 3 and 4. decisions to ONS with a live worker
        t0 = time.monotonic()
        pool = bench_data.decide_pool(args.latency + args.burst, actors)
        print(f"\nbench: {len(pool):,} applications awaiting the chair made in {time.monotonic() - t0:.1f} s")
        from archive_portal.celery import app as celery_app

        celery_app.conf.update(broker_url=redis_url, task_always_eager=False)
        worker = bench_delivery.start_worker(dict(os.environ), workdir, args.concurrency)
        print(f"bench: worker ready; {note_load(results, 'ons')}")
        latency = bench_delivery.step_latency(
            results, receiver, pool, actors.chair, latency=args.latency, concurrency=args.concurrency
        )
        worker_memory = bench_delivery.WorkerMemory(worker)
        result = bench_delivery.step_burst(
            results, receiver, worker_memory, pool[args.latency :], actors.chair, threads=args.threads
        )
        fanout = bench_delivery.step_fanout(
            results, receiver, pool[args.latency : args.latency + args.fanout], actors.staff
        )

        # 5. memory
        results["worker_memory"] = {
            "peak_process_kb": worker_memory.peak_process_kb,
            "peak_total_kb": worker_memory.peak_total_kb,
        }
        print_table(
            "5. Peak resident memory",
            ["process", "MB"],
            [
                ["web process at start (signed in, nothing rendered)", f"{memory['baseline_kb'] / 1024:.0f}"],
                *[
                    [
                        f"web process after rendering the {name} ({args.applications:,} rows)",
                        f"{memory[name]['peak_kb'] / 1024:.0f}",
                    ]
                    for name in ("panel queue", "staff applications", "bare ListView")
                ],
                ["worker, largest process during the burst", f"{worker_memory.peak_process_kb / 1024:.0f}"],
                [
                    f"worker, all {args.concurrency + 1} processes together during the burst",
                    f"{worker_memory.peak_total_kb / 1024:.0f}",
                ],
            ],
        )

        print(f"\nbench: {note_load(results, 'end')}")
        elapsed = time.monotonic() - clock
        results["elapsed_s"] = elapsed
        figures = {
            "queries_equal": queries["equal"],
            "queries_pages": queries["pages"],
            **{key: page_times[key] for key in ("queue_bare", "queue_admin", "staff_bare", "staff_admin")},
            "other_pages": page_times["other_pages"],
            "decision_p50_ms": latency["p50"],
            "decision_p95_ms": latency["p95"],
            "hop_p50_ms": latency["hop_p50"],
            "hop_p95_ms": latency["hop_p95"],
            "burst_per_s": result["deliveries_per_s"],
            "bare_burst_per_s": result["bare_per_s"],
            "burst_duplicates": result["duplicates"],
            "burst_lost": result["lost"],
            "fanout_grants": fanout["grants"],
            "fanout_seconds": fanout["seconds_to_last"],
            "fanout_per_s": fanout["per_s"],
            "fanout_duplicates": fanout["duplicates"],
            "fanout_lost": fanout["lost"],
            "web_peak_mb": max(memory[n]["peak_kb"] for n in ("panel queue", "staff applications")) / 1024,
            "worker_peak_mb": worker_memory.peak_total_kb / 1024,
            "timing_sign_up": timing["sign_up"]["ratio"],
            "timing_reset": timing["password_reset"]["ratio"],
            "elapsed_s": elapsed,
            "load": note_load(results, "summary"),
        }
        results["figures"] = figures
        results["goals"] = {
            key: {"goal": f"{r.goal.label} {r.goal.text}", "value": r.value, "met": r.ok}
            for key, r in bench_goals.evaluate(figures).items()
        }
        print(f"\n{bench_goals.summary_line(figures)}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str))
        return 0
    finally:
        if worker is not None:
            worker.stop()
        receiver.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 (Django may not have started)
            pass
        if not args.keep:
            recreate_database(base_url, args.database, drop_only=True)
        redis_server.stop()


def web_memory() -> dict:
    """Step 5a in a separate process (``scripts/bench_pages.py`` run by itself, see
    bench_pages.child_memory_main), so the figures are those of a fresh web process."""
    child = subprocess.run(
        [sys.executable, bench_pages.__file__],
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    if child.returncode != 0:
        raise RuntimeError(f"The memory child failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
