"""Benchmark: 40 participants submitting Step 5 judgements at once to the workshop store (goal: p95 < 200 ms).

    .venv/bin/python benchmarks/bench_workshop.py            # SQLite, and PostgreSQL if installed
    EXSITU_BENCH_POSTGRES_URL=postgresql+psycopg://… .venv/bin/python benchmarks/bench_workshop.py

One workshop, 4 groups × 10 participants (SYNTHETIC names), each group's assessment carrying the course's
example Step 5 decision (6 options × 4 criteria). Every participant, released together by a barrier,
submits ``ROUNDS`` judgements (a first one, then revisions that replace it) and after each reads its
group's judgements back. Measured per call: **write** = ``submit_judgement``, **read-back** =
``judgements`` of the group. Meanwhile a facilitator — a process of its own, as the facilitator's page is a
kernel of its own — polls every 0.5 s: **overview refresh** = ``overview`` + ``aggregate_judgements`` and
``outcome_scenarios`` of every group (what the facilitator page recomputes). Runs 40 threads sharing one store (one engine pool), then 40 processes each with its own
store (as Voilà runs one kernel process per page); first "one at a time" (no contention: the service
time of each call). PostgreSQL runs on a throw-away cluster (tests/postgres_cluster.py) on a unix socket, unless
``EXSITU_BENCH_POSTGRES_URL`` names one. Prints p50/p95/max in ms.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from exsitu.decision import example_decision  # noqa: E402
from exsitu.workshop import WorkshopStore, aggregate_judgements, outcome_scenarios  # noqa: E402

PARTICIPANTS = 40
GROUPS = 4
ROUNDS = 3
TOPIC = "step5"
GOAL_MS = 200.0


def setup(url: str):
    store = WorkshopStore(url)
    ws = store.create_workshop("Benchmark ECA (SYNTHETIC)", "Atelopus zeteki", "2026-12-03",
                               [f"Group {i + 1}" for i in range(GROUPS)])
    groups = store.groups(ws.join_code)
    decision = example_decision("frog_insurance")
    people = []
    for g in groups:
        assessment, version = store.load_assessment(ws.join_code, g.id)
        assessment.decision = decision
        store.save_assessment(ws.join_code, g.id, assessment, version, "facilitator", "Step 5 options")
    for i in range(PARTICIPANTS):
        g = groups[i % GROUPS]
        people.append((g.id, store.join(ws.join_code, g.id, f"Participant {i + 1}", "SYNTHETIC", "other").id))
    options = [o.id for o in decision.options]
    criteria = [c.id for c in decision.criteria]
    return store, ws, people, options, criteria


def participant(url_or_store, join_code: str, group_id: str, participant_id: str, options, criteria, seed: int,
                barrier, results) -> None:
    store = url_or_store
    if not isinstance(store, WorkshopStore):  # a process of its own: a kernel, whose open_store() warms it up
        store = WorkshopStore(url_or_store, migrate=False)
        store.warm_up()
    rng = np.random.default_rng(seed)
    writes, reads = [], []
    store.workshop_by_code(join_code)  # the page has loaded before anyone submits
    store.judgements(join_code, group_id, TOPIC)
    barrier.wait()
    for round_ in range(ROUNDS):
        scores = {o: {c: float(rng.integers(0, 11)) for c in criteria} for o in options}
        weights = {c: float(rng.integers(1, 4)) for c in criteria}
        start = time.perf_counter()
        store.submit_judgement(join_code, group_id, participant_id, TOPIC, scores=scores, weights=weights,
                               vote=["recommend", "recommend with conditions", "not recommended", "defer"][seed % 4],
                               confidence="medium", reason=f"round {round_ + 1}: SYNTHETIC reason")
        writes.append(time.perf_counter() - start)
        start = time.perf_counter()
        store.judgements(join_code, group_id, TOPIC)
        reads.append(time.perf_counter() - start)
    results.append((writes, reads))
    if store is not url_or_store:
        store.engine.dispose()


def facilitator(url: str, join_code: str, facilitator_key: str, stop, report) -> None:
    """The facilitator's page: a process of its own (a kernel of its own in the apps), polling every 0.5 s."""
    store = WorkshopStore(url, migrate=False)
    store.warm_up()
    groups = store.groups(join_code)
    times = []
    while not stop.is_set():
        start = time.perf_counter()
        store.overview(facilitator_key)
        for g in groups:
            judged = store.judgements(join_code, g.id, TOPIC)
            aggregate_judgements(judged)
            outcome_scenarios(judged)
        times.append(time.perf_counter() - start)
        stop.wait(0.5)
    report.send(times)
    store.close()


def _ms(values, q) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q)) if values else float("nan")


def run(url: str, mode: str) -> dict:
    store, ws, people, options, criteria = setup(url)
    context = mp.get_context("fork")
    stop, (receive, report) = context.Event(), context.Pipe(duplex=False)
    store.engine.dispose()  # no pooled connection crosses a fork
    watcher = context.Process(target=facilitator, args=(url, ws.join_code, ws.facilitator_key, stop, report))
    if mode != "one at a time":
        watcher.start()  # forked first, before the participants' threads exist
    start = time.perf_counter()
    if mode == "one at a time":  # the service time of a call without contention, for comparison
        barrier, results = threading.Barrier(1), []
        workers = []
        for i, (g, p) in enumerate(people):
            participant(store, ws.join_code, g, p, options, criteria, i, barrier, results)
    elif mode == "threads":
        barrier, results = threading.Barrier(PARTICIPANTS), []
        workers = [threading.Thread(target=participant, args=(store, ws.join_code, g, p, options, criteria, i,
                                                                barrier, results))
                   for i, (g, p) in enumerate(people)]
    else:
        manager = context.Manager()
        barrier, results = context.Barrier(PARTICIPANTS), manager.list()
        store.engine.dispose()  # no pooled connection crosses the fork
        workers = [context.Process(target=participant, args=(url, ws.join_code, g, p, options, criteria, i,
                                                               barrier, results))
                   for i, (g, p) in enumerate(people)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(600)
    wall = time.perf_counter() - start
    stop.set()
    overview_times = []
    if mode != "one at a time":
        if receive.poll(60):
            overview_times = receive.recv()
        watcher.join(30)
    writes = [t for w, _ in results for t in w]
    reads = [t for _, r in results for t in r]
    # the facilitator's refresh on the finished workshop, 5 times, quiet
    quiet = []
    for _ in range(5):
        t0 = time.perf_counter()
        store.overview(ws.facilitator_key)
        for g in store.groups(ws.join_code):
            judged = store.judgements(ws.join_code, g.id, TOPIC)
            aggregate_judgements(judged)
            outcome_scenarios(judged)
        quiet.append(time.perf_counter() - t0)
    counts = {g.name: sum(g.judgements.values()) for g in store.overview(ws.facilitator_key)}
    assert sum(counts.values()) == PARTICIPANTS, counts  # one current judgement per participant
    store.close()
    return {"backend": store.backend, "mode": mode, "n": len(writes), "wall": wall,
            "w50": _ms(writes, 50), "w95": _ms(writes, 95), "wmax": _ms(writes, 100),
            "r50": _ms(reads, 50), "r95": _ms(reads, 95), "o95": _ms(overview_times, 95),
            "oq": statistics.median(quiet) * 1000}


def main() -> None:
    rows = []
    folder = tempfile.mkdtemp(prefix="exsitu-bench-")
    for i, mode in enumerate(("one at a time", "threads", "processes")):
        rows.append(run(f"sqlite:///{folder}/{i}.sqlite3", mode))
    pg_url, cluster = os.environ.get("EXSITU_BENCH_POSTGRES_URL"), None
    if not pg_url:
        try:
            from postgres_cluster import start_cluster

            cluster = start_cluster()
            pg_url = cluster.url(cluster.create_database())
        except (FileNotFoundError, RuntimeError) as error:
            print(f"PostgreSQL skipped: {error}")
    try:
        if pg_url:
            for mode in ("one at a time", "threads", "processes"):
                if cluster is not None and mode != "one at a time":
                    pg_url = cluster.url(cluster.create_database())
                rows.append(run(pg_url, mode))
    finally:
        if cluster is not None:
            cluster.stop()
    print(f"\nWorkshop store: {PARTICIPANTS} participants × {ROUNDS} judgements at once "
          f"({platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
    header = (f"{'backend':<11}{'mode':<14}{'writes':>7}{'wall s':>8}{'write p50':>10}{'p95':>8}{'max':>8}"
              f"{'read p50':>10}{'p95':>8}{'facil. p95':>11}{'quiet':>8}  goal p95<{GOAL_MS:.0f} ms")
    print(header)
    print("-" * len(header))
    for r in rows:
        ok = "met" if r["w95"] < GOAL_MS and r["r95"] < GOAL_MS else "NOT met"
        print(f"{r['backend']:<11}{r['mode']:<14}{r['n']:>7}{r['wall']:>8.1f}{r['w50']:>10.0f}{r['w95']:>8.0f}"
              f"{r['wmax']:>8.0f}{r['r50']:>10.0f}{r['r95']:>8.0f}{r['o95']:>11.0f}{r['oq']:>8.0f}  {ok}")
    print("(ms; 'facil. p95' = facilitator refresh while participants write; 'quiet' = median afterwards)")


if __name__ == "__main__":
    main()
