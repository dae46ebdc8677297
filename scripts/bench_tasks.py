"""A bare Celery hop for scripts/bench, loaded into the benchmark's worker with ``--include``: the
same broker, worker and HTTP POST to the local receiver (its ping path) as an ONS delivery, without
the outbox row, the lease, the signature or the bookkeeping. It is the in-run floor the ONS figures
compare with."""

import os

import requests
from celery import shared_task

_sessions: dict[int, requests.Session] = {}


@shared_task(ignore_result=True)
def bench_bare_hop_task(url: str, token: str) -> None:
    pid = os.getpid()
    if pid not in _sessions:
        _sessions.clear()
        _sessions[pid] = requests.Session()
    response = _sessions[pid].post(url, data=b"{}", headers={"ping-token": token}, timeout=(5, 5))
    response.close()
