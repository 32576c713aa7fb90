"""Public pages under load, while submissions keep arriving.

    python bench/public_pages.py [--dsn DSN] [--submissions N ...] [--duration S]
                                 [--workers W ...] [--clients C ...] [--rates R ...]
                                 [--fixed-clients C] [--rate R] [--quick]
                                 [--page-cache S] [--keep] [--reuse]

Without --dsn, an embedded PostgreSQL is started in var/bench-pgdata
(shared with the other benches). The database `bench_pages` is dropped, created and
migrated at the start, and dropped at the end unless --keep (--database to name another).

For each size in --submissions (default 10 000 then 1 000 000: the database grows from
one to the next), the script:

1. appends that many submissions (real domain aggregates mapped with the app's mapper,
   appended with EventStore.insert_events in large batches): a few consultations, three
   channels, ~70 % published, ~10 % refused, ~5 % withdrawn, the rest pending;
2. projects them (runner.rebuild the first time, catch_up_all after), timed apart, then
   VACUUM ANALYZE of the read tables;
3. counts the history's email as sent (`email_deliveries`), as it would have been when
   it happened, and starts `python -m app projections run` as its own process, as in
   production (its mail sender then sends only the arrivals' email);
4. builds the URL mix from the site itself (home, consultations, the list of published
   opinions: first page, pages 2, 5 and 10 by the `apres` cursor found in the HTML,
   region and channel filters, a French search; permanent pages /avis/<receipt>,
   statistics, ledger; each in French and with ?lang=en) and checks every URL answers
   200. Hot pages make ~70 % of the requests; the rest is a long tail (3 000 distinct
   permanent pages, pages 3 to 20 of the list). The permanent pages are kept until they
   change (app/web/pagechanges.py), and 3 000 fit in each worker's cache (5 000 pages): once
   read, they are answered from memory;
5. for each worker count W: serves the app as production does (`uvicorn --factory
   app.asgi:create --workers W --http httptools --loop uvloop`, DATABASE_URL, no
   projector in the web process, no access log) and, for each client count C, runs a
   closed loop of C connections (`bench/loadgen.py --closed`, 2 s of warm-up not counted,
   each connection starting at its own place in the list) while a writer process
   receives submissions at --rate per second through app.services.submissions.receive_submission
   and publishes about 70 % of them a moment later. One line per case:

    pages submissions=<N> clients=<C> workers=<W> rps=<r> p50_ms=<x> p90_ms=<y>
          p99_ms=<z> max_ms=<m> errors=<k>

   errors = responses with a status of 400 or more + socket errors and timeouts; every
   URL was checked to answer 200 beforehand, so a redirect cannot hide among the
   successes. (wrk did this until 2026-11-29: its latencies came out impossible under
   load, a mean five times what its own throughput allowed at 256 connections.)

   Then, for each rate R in --rates, the same URL list at a fixed rate (an open loop,
   as wrk2 -R would give: bench/loadgen.py, --fixed-clients connections, default 256,
   latency counted from when each request was due, 2 s of warm-up not counted):

    fixed submissions=<N> clients=<C> workers=<W> rate=<R> rps=<r> p50_ms=<x> p90_ms=<y>
          p99_ms=<z> max_ms=<m> errors=<k>

   A closed loop's latency at C clients is C / throughput by Little's law, so only the
   fixed-rate cases can say whether p99 stays under a bound at a given rate and C.
   An `arrivals` line follows each case:
   what the writer stored, how far the projector was behind once it stopped, and the
   load average (1 and 5 minutes) before the case; then
   `cpu_ms_per_request web=<a> db=<b> load_tool=<c>`: CPU time per request of the uvicorn
   processes, of their PostgreSQL backends and of the load tool itself (from /proc and
   getrusage), which holds whatever else the machine is running; on C dedicated cores
   the ceiling is about C * 1000 / (a + b + c) requests a second; and
   `cpu_ms_per_arrival projector=<p> projector_db=<q> writer=<w> writer_db=<x>`: what
   each arriving submission (received, then published 70 % of the time) cost the
   projector process, the writer process and their PostgreSQL backends, over the same
   window (the arrivals counted as --rate times its length).

Before the load, one client fetches each kind of page in turn (no other load):

    page submissions=<N> kind=<k> p50_ms=<x> repeated_p50_ms=<y> bytes=<b>

p50_ms: addresses made unique by an extra parameter, so the page is rendered from the
database (compare it between sizes); repeated_p50_ms: one address again and again (the
app's one-second page cache answers, app/web/pagecache.py).

--quick: 5 000 submissions, 5 s per case. --page-cache S sets TRIBUNE_PAGE_CACHE_SECONDS
for the server (0 turns the cache off). --keep keeps the database; --reuse measures it
again as it is, without generating anything. The server runs as the Procfile's `web`
does: uvicorn on httptools and uvloop.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit
from uuid import UUID

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: `python bench/public_pages.py`
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from eventsourcing.domain import Aggregate  # noqa: E402
from eventsourcing.persistence import Mapper, StoredEvent  # noqa: E402

from app.dev.databases import create_database as fresh_database  # noqa: E402
from app.dev.databases import drop_database, with_database  # noqa: E402
from app.dev.embedded import embedded_dsn, start_embedded  # noqa: E402
from app.persistence.db import connect, create_pool  # noqa: E402
from app.persistence.mapping import build_mapper  # noqa: E402
from app.persistence.migrate import migrate_database  # noqa: E402
from app.persistence.repository import Repository  # noqa: E402
from app.persistence.store import EventStore  # noqa: E402
from app.services.submissions import SubmissionForm, receive_submission, run_command  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.workers.projector import build_runner  # noqa: E402
from bench.procstat import cpu_seconds, process_tree  # noqa: E402
from domain import (  # noqa: E402
    REGIONS,
    Channel,
    Consultation,
    ReasonCode,
    ReceiptClaim,
    StaffId,
    Submission,
    receipt_number,
)

PGDATA = REPO / "var" / "bench-pgdata"
LOADGEN = Path(__file__).with_name("loadgen.py")
DATABASE = "bench_pages"
DEFAULT_SIZES = (10_000, 1_000_000)
INSERT_BATCH = 5000  # stored events per insert_events call
DECISION_DELAY = 500  # a decision is appended this many submissions after the receipt
SEED = 20261128
PROBES = 25  # sequential requests per kind of page in the single-client probe
TAIL = 3000  # distinct permanent pages /avis/<receipt> in the mix

PUBLISHED, REDACTED, REFUSED, WITHDRAWN = 0.70, 0.1, 0.10, 0.05  # the rest stays pending
CHANNELS = (Channel.ONLINE, Channel.MAIL, Channel.PHONE)
CHANNEL_WEIGHTS = (0.7, 0.2, 0.1)
REGION_CODES = sorted(REGIONS)
ORGANIZER = StaffId("organizer-bench")
CLERKS = [StaffId(f"clerk-{i}") for i in range(1, 6)]
MODERATORS = [StaffId(f"moderator-{i}") for i in range(1, 9)]
FRENCH = [
    "L'eau potable doit rester un bien commun, géré par les municipalités.",
    "Le puits de ma famille s'est asséché deux étés de suite.",
    "Les compteurs d'eau dans les résidences me semblent une mesure juste.",
    "Il faudrait d'abord réparer les fuites des conduites avant de taxer les citoyens.",
    "Nos lacs souffrent des algues bleu-vert; les engrais agricoles en sont la cause.",
    "Les entreprises d'embouteillage doivent payer le vrai prix de l'eau prélevée.",
    "Mes enfants se baignent dans la rivière; je veux savoir si l'eau est sûre.",
    "Un registre public des prélèvements, mis à jour chaque mois, serait bienvenu.",
    "Les petites municipalités n'ont pas les moyens d'entretenir leurs usines de filtration.",
    "Pourquoi ne pas récupérer l'eau de pluie pour l'arrosage des parcs?",
    "Le plomb dans les vieilles entrées de service inquiète les parents du quartier.",
    "La fonte des neiges arrive plus tôt et les nappes ne se rechargent plus.",
    "Il faut des amendes réelles pour les déversements d'eaux usées dans le fleuve.",
    "Une tarification progressive protégerait les ménages modestes.",
]
ENGLISH = [
    "Drinking water must remain a public good, managed by the municipalities.",
    "Fix the leaking pipes first, then talk to citizens about paying more.",
    "Please publish the water quality data in an open format every month.",
]
SEARCHES = ("eau potable", "compteurs")  # a common phrase and a rarer word


# -- History -------------------------------------------------------------------------


def bilingual(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


def make_consultations(now: datetime) -> list[Consultation]:
    """Three open consultations, one closed, one upcoming."""
    day = timedelta(days=1)
    windows = [
        (now - 120 * day, now + 60 * day),
        (now - 90 * day, now + 30 * day),
        (now - 60 * day, now + 20 * day),
        (now - 400 * day, now - 200 * day),
        (now + 30 * day, now + 120 * day),
    ]
    consultations = []
    for i, (opens_at, closes_at) in enumerate(windows):
        c = Consultation.draft(
            UUID(int=SEED + i, version=4),
            by=ORGANIZER,
            at=opens_at - 30 * day,
            title=bilingual(f"Avenir de l'eau, volet {i + 1}", f"Future of water, part {i + 1}"),
            summary=bilingual("Résumé de la consultation.", "Summary of the consultation."),
            body=bilingual(" ".join(FRENCH[:6]), " ".join(ENGLISH)),
            questions=[bilingual(f"Question {q} ?", f"Question {q}?") for q in range(1, 4)],
            opens_at=opens_at,
            closes_at=closes_at,
            mail_grace_days=14,
            postal_address="1020, rue des Parlementaires, Québec (Québec)",
            phone="1 800 555-0100",
            phone_hours=bilingual("9 h à 17 h", "9 a.m. to 5 p.m."),
        )
        c.schedule(ORGANIZER, opens_at - 20 * day)
        consultations.append(c)
    return consultations


def opinion(rng: random.Random, sentences: Sequence[str]) -> str:
    count = rng.randint(2, 7)
    return " ".join(rng.choice(sentences) for _ in range(count))


Save = list[StoredEvent]


@dataclass
class History:
    """Submissions in the order the app would append them; grows across sizes."""

    mapper: Mapper[UUID]
    consultations: list[Consultation]
    planned: int  # the largest size: spreads receipt times over the windows
    now: datetime
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    step: int = 0
    receipts: set[str] = field(default_factory=set)
    due: deque[tuple[int, Callable[[], Save]]] = field(default_factory=deque)

    def stored(self, *aggregates: Aggregate) -> Save:
        return [self.mapper.to_stored_event(e) for a in aggregates for e in a.collect_events()]

    def saves(self, count: int) -> Iterator[Save]:
        """`count` more submissions, then every decision still due."""
        if self.step == 0:
            yield self.stored(*self.consultations)
        for _ in range(count):
            while self.due and self.due[0][0] <= self.step:
                yield self.due.popleft()[1]()
            yield self.receive()
            self.step += 1
        while self.due:
            yield self.due.popleft()[1]()

    def receive(self) -> Save:
        rng = self.rng
        consultation = rng.choices(self.consultations[:4], (0.6, 0.2, 0.1, 0.1))[0]
        end = min(consultation.closes_at, self.now - timedelta(days=1))
        start = consultation.opens_at + timedelta(days=3)  # a letter's postmark fits too
        received_at = start + (end - start) * (self.step / self.planned)
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        english = rng.random() < 0.1
        token = str(UUID(int=rng.getrandbits(128), version=4))
        submission_id = Submission.create_id(token)
        attempt = 0
        while (number := receipt_number(submission_id, attempt)) in self.receipts:
            attempt += 1
        self.receipts.add(number)
        submission = Submission.receive(
            form_token=token,
            consultation=consultation,
            channel=channel,
            participant_id=UUID(int=rng.getrandbits(128), version=4),
            text=opinion(rng, ENGLISH if english else FRENCH),
            language="en" if english else "fr",
            region=None if rng.random() < 0.1 else rng.choice(REGION_CODES),
            received_at=received_at,
            postmarked_at=received_at - timedelta(days=2) if channel is Channel.MAIL else None,
            call_started_at=(
                received_at - timedelta(minutes=12) if channel is Channel.PHONE else None
            ),
            keyed_by=None if channel is Channel.ONLINE else rng.choice(CLERKS),
            source_reference=f"SCAN-{self.step:07d}" if channel is Channel.MAIL else None,
            show_name=rng.random() < 0.3,
            receipt_number=number,
            read_back_confirmed=channel is Channel.PHONE,
        )
        claim = ReceiptClaim(number=number, submission_id=submission.id)
        self.decide(submission, received_at, consultation.closes_at)
        return self.stored(submission, claim)

    def decide(self, s: Submission, received_at: datetime, closes_at: datetime) -> None:
        rng = self.rng
        fate = rng.random()
        at = received_at + timedelta(minutes=rng.randint(10, 600))
        first, second = rng.sample(MODERATORS, 2)
        due = self.step + DECISION_DELAY

        def publish() -> Save:
            spans: list[tuple[int, int, ReasonCode]] = []
            if rng.random() < REDACTED:
                spans = [(0, min(12, len(s.text)), ReasonCode.PERSONAL_INFORMATION)]
            s.publish_with_redactions(first, at, spans)
            return self.stored(s)

        def refuse() -> Save:
            s.propose_refusal(first, at, rng.choice(list(ReasonCode)), "Contraire à la charte.")
            s.confirm_refusal(second, at + timedelta(hours=2))
            return self.stored(s)

        def withdraw() -> Save:
            s.withdraw(s.participant_id, received_at + timedelta(minutes=5), closes_at)
            return self.stored(s)

        if fate < PUBLISHED:
            self.due.append((due, publish))
        elif fate < PUBLISHED + REFUSED:
            self.due.append((due, refuse))
        elif fate < PUBLISHED + REFUSED + WITHDRAWN:
            self.due.append((due, withdraw))


def chunks(saves: Iterator[Save], size: int = INSERT_BATCH) -> Iterator[Save]:
    chunk: Save = []
    for save in saves:
        chunk += save
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def append(store: EventStore, batches: Iterator[Save]) -> int:
    """Insert each chunk while the next is built (the server works meanwhile)."""
    pending: asyncio.Task[Sequence[int]] | None = None
    total = 0
    async with store.pool.acquire() as conn:
        for batch in batches:
            if pending is not None:
                await pending
            pending = asyncio.create_task(store.insert_events(batch, conn=conn))
            await asyncio.sleep(0)
            total += len(batch)
        if pending is not None:
            await pending
    return total


# -- Database and processes ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def env_for(dsn: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": dsn}
    return env


def stop(process: subprocess.Popen[Any], seconds: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_projector(dsn: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "projections", "run"],
        cwd=REPO,
        env=env_for(dsn),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_server(
    dsn: str, workers: int, port: int, page_cache: float | None
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "app.asgi:create",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--http",  # as the Procfile serves it
        "httptools",
        "--loop",
        "uvloop",
    ]
    env = env_for(dsn)
    if page_cache is not None:
        env["TRIBUNE_PAGE_CACHE_SECONDS"] = str(page_cache)
    process = subprocess.Popen(command, cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    healthy = 0
    while healthy < workers * 4:  # every worker up (the kernel spreads connections)
        if process.poll() is not None:
            raise SystemExit(f"uvicorn exited with {process.returncode}")
        if time.monotonic() > deadline:
            stop(process)
            raise SystemExit("uvicorn did not answer /health within 60 s")
        try:
            with httpx.Client() as client:
                ok = client.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
            healthy = healthy + 1 if ok else 0
        except httpx.HTTPError:
            healthy = 0
        time.sleep(0.1 if healthy else 0.3)
    return process


async def projection_lag(dsn: str) -> int:
    conn = await connect(dsn)
    try:
        lag: int = await conn.fetchval(
            "SELECT coalesce((SELECT max(notification_id) FROM stored_events), 0)"
            " - coalesce(min(notification_id), 0) FROM notification_tracking"
            " WHERE application_name IN ('public_submissions', 'public_consultations')"
        )
    finally:
        await conn.close()
    return lag


async def wait_caught_up(dsn: str, seconds: float = 60) -> tuple[int, float]:
    """(lag when asked, seconds until it was 0)."""
    started = time.monotonic()
    first = lag = await projection_lag(dsn)
    while lag > 0 and time.monotonic() - started < seconds:
        await asyncio.sleep(0.1)
        lag = await projection_lag(dsn)
    return first, time.monotonic() - started


async def mark_history_mailed(dsn: str) -> int:
    """The loaded history's email counted as sent (it would have gone as it happened).

    Without this, the projector process's mail sender spends the measurements sending
    the whole history's acknowledgements (about half a core here, whatever the
    arrivals), which no real site has to do. Mail of the arriving submissions is sent.
    """
    conn = await connect(dsn)
    try:
        done = await conn.execute(
            "INSERT INTO email_deliveries (email_id, status, attempts, next_attempt_at, sent_at)"
            " SELECT email_id, 'sent', 1, now(), now() FROM outgoing_email"
            " ON CONFLICT (email_id) DO NOTHING"
        )
    finally:
        await conn.close()
    return int(done.split()[-1])


# -- The writer: submissions keep arriving ------------------------------------------


async def write_submissions(
    dsn: str, consultation_ids: list[UUID], rate: float, seconds: float
) -> dict[str, int]:
    """Receive `rate` submissions a second for `seconds`, publish ~70 % a moment later."""
    settings = Settings.from_env()
    pool = await create_pool(dsn, min_size=4, max_size=10, name="tribune-bench-writer")
    repository = Repository(EventStore(pool), build_mapper(settings.cipher_key))
    rng = random.Random()
    counts = {"received": 0, "published": 0, "failed": 0}

    async def one(i: int) -> None:
        try:
            now = datetime.now(UTC)
            mail = rng.random() < 0.2
            form = SubmissionForm(
                form_token=f"bench-writer-{os.getpid()}-{time.time_ns()}-{i}",
                consultation_id=rng.choice(consultation_ids),
                channel=Channel.MAIL if mail else Channel.ONLINE,
                participant_id=UUID(int=rng.getrandbits(128), version=4),
                text=opinion(rng, FRENCH),
                language="fr",
                region=rng.choice(REGION_CODES),
                received_at=now,
                postmarked_at=now - timedelta(days=1) if mail else None,
                keyed_by=rng.choice(CLERKS) if mail else None,
                source_reference=f"SCAN-W{i}" if mail else None,
            )
            receipt = await receive_submission(repository, form)
            counts["received"] += 1
            if rng.random() < PUBLISHED:
                await asyncio.sleep(rng.uniform(0.1, 1.0))
                moderator = rng.choice(MODERATORS)
                at = datetime.now(UTC)
                await run_command(
                    repository,
                    Submission,
                    receipt.submission_id,
                    lambda s: s.publish(moderator, at),
                )
                counts["published"] += 1
        except Exception:  # counted and reported
            counts["failed"] += 1

    tasks: list[asyncio.Task[None]] = []
    loop = asyncio.get_running_loop()
    print("ready", flush=True)
    started = loop.time()
    i = 0
    while (elapsed := loop.time() - started) < seconds:
        while i < int(elapsed * rate) + 1:
            tasks.append(asyncio.create_task(one(i)))
            i += 1
        await asyncio.sleep(0.005)
    counts["seconds"] = round(loop.time() - started)
    await asyncio.gather(*tasks)
    await pool.close()
    return counts


def start_writer(
    dsn: str, consultation_ids: list[UUID], rate: float, seconds: float
) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--dsn", dsn, "--writer", str(seconds)]
    command += ["--rate", str(rate), "--consultations", ",".join(map(str, consultation_ids))]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        raise SystemExit("the writer did not start")
    return process


def writer_result(process: subprocess.Popen[str]) -> dict[str, int]:
    out, _ = process.communicate(timeout=120)
    result: dict[str, int] = json.loads(out.strip().splitlines()[-1])
    return result


# -- The URL mix ------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    kind: str
    path: str


def next_link(page: str) -> str | None:
    found = re.search(r'class="next" href="([^"]+)"', page)
    if found is None:
        return None
    url = urlsplit(html.unescape(found.group(1)))
    return urlunsplit(("", "", url.path, url.query, ""))


async def url_mix(base: str, dsn: str) -> list[Page]:
    """Every kind of public page, in French and in English, as links on the site give.

    A few hot pages (home, consultations, first pages of the lists, filters, searches,
    statistics, ledgers) and a long tail: permanent pages /avis/<receipt>, each of
    thousands asked once per pass through the list, and pages further down the list.
    Shares of requests: hot pages ~70 %, the long tail ~30 %; French 2/3, English 1/3.
    """
    conn = await connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT c.consultation_id, coalesce(sum(k.n), 0) AS n FROM public_consultations c"
            " LEFT JOIN public_counts k USING (consultation_id)"
            " GROUP BY 1 ORDER BY n DESC, 1"
        )
        receipts = [
            r[0]
            for r in await conn.fetch(
                "SELECT receipt_number FROM public_submissions WHERE status = 'published'"
                " ORDER BY random() LIMIT $1",
                TAIL,
            )
        ]
    finally:
        await conn.close()
    main, others = rows[0]["consultation_id"], [r["consultation_id"] for r in rows[1:]]
    listing = f"/consultations/{main}/avis"
    hot = [Page("home", "/")] * 3
    hot += [Page("consultation", f"/consultations/{c}") for c in [main, main, *others]]
    hot += [Page("list_first", listing)] * 3 + [
        Page("list_first", f"/consultations/{others[0]}/avis")
    ]
    deep: list[Page] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        path: str | None = listing
        for number in range(2, 21):  # pages 2 to 20, each by the link of the one before
            assert path is not None
            path = next_link((await client.get(path)).text)
            if path is not None:
                (hot if number == 2 else deep).append(Page("list_page_n", path))
        for query in ({"region": "06"}, {"canal": "mail"}, {"region": "03", "canal": "phone"}):
            hot.append(Page("list_filtered", f"{listing}?{urlencode(query)}"))
        for words in SEARCHES:
            searched = f"{listing}?{urlencode({'q': words})}"
            hot += [Page("list_search", searched)] * 2
            second = next_link((await client.get(searched)).text)
            if second is not None:
                hot.append(Page("list_search", second))
    for c in (main, main, others[0]):
        hot.append(Page("statistics", f"/consultations/{c}/statistiques"))
        hot.append(Page("ledger", f"/consultations/{c}/registre"))
    tail = [Page("receipt", f"/avis/{r}") for r in receipts]

    def english(page: Page) -> Page:
        return Page(page.kind, page.path + ("&" if "?" in page.path else "?") + "lang=en")

    # One pass: every receipt once (a third of them in English), deep pages, and the hot
    # pages repeated until they make ~70 % of the pass.
    tail = [english(p) if i % 3 == 0 else p for i, p in enumerate(tail)]
    tail += [english(p) if i % 3 == 0 else p for i, p in enumerate(deep * 4)]
    rounds = max(1, round(len(tail) * 0.7 / 0.3 / (len(hot) * 1.5)))
    mixed = tail + (hot + [english(p) for p in hot[::2]]) * rounds
    random.Random(SEED).shuffle(mixed)  # a fixed order: the load cycles through it
    return mixed


async def check_and_probe(base: str, pages: list[Page]) -> dict[str, tuple[float, float, int]]:
    """Every URL answers 200 (not a redirect); then each kind of page, one client alone.

    Per kind: the median of PROBES requests made unique by an extra parameter (a miss
    in the app's page cache: the page rendered from the database), the median of the
    same number repeating one address (a hit, if the app caches), and the size.
    """
    fresh: dict[str, list[float]] = {}
    again: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for page in {p.path: p for p in pages}.values():
            response = await client.get(page.path)
            if response.status_code != 200:
                raise SystemExit(f"{page.path} answered {response.status_code}")
        by_kind: dict[str, list[str]] = {}
        for page in pages:
            by_kind.setdefault(page.kind, []).append(page.path)
        for kind, paths in sorted(by_kind.items()):
            for i in range(PROBES):
                path = paths[i % len(paths)]
                unique = f"{path}{'&' if '?' in path else '?'}probe={time.time_ns()}"
                for timings, url in ((fresh, unique), (again, paths[0])):
                    started = time.perf_counter()
                    response = await client.get(url)
                    timings.setdefault(kind, []).append(time.perf_counter() - started)
                sizes[kind] = len(response.content)
    return {
        kind: (statistics.median(fresh[kind]) * 1000, statistics.median(again[kind]) * 1000, size)
        for kind, size in sizes.items()
    }


# -- CPU accounting: what each request costs, whatever else the machine runs ------------


async def backends(dsn: str) -> dict[str, list[int]]:
    """Server process ids of the database's connections, by application_name."""
    conn = await connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT application_name, pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    found: dict[str, list[int]] = {}
    for name, pid in rows:
        found.setdefault(name, []).append(pid)
    return found


# The database connections of each part, by the application_name its pool gives them.
BACKENDS = {
    "web": ("tribune", "tribune-reads"),
    "projector": ("tribune-projector",),
    "writer": ("tribune-bench-writer",),
}


@dataclass
class CpuMeter:
    """CPU seconds of each part (web, projector, writer) and of its PostgreSQL backends."""

    processes: dict[str, int]  # part -> the root process id of that part
    dsn: str
    start: dict[tuple[str, int], float] = field(default_factory=dict)
    seconds: float = 0.0  # from begin() to end()

    def sample(self) -> dict[tuple[str, int], float]:
        """(part, pid) -> CPU seconds; the part of a database backend is "<part>_db"."""
        found = asyncio.run(backends(self.dsn))
        pids = [(part, pid) for part, root in self.processes.items() for pid in process_tree(root)]
        pids += [
            (f"{part}_db", pid)
            for part in self.processes
            for n in BACKENDS[part]
            for pid in found.get(n, [])
        ]
        return {key: cpu_seconds(key[1]) for key in pids}

    def begin(self) -> None:
        self.start = self.sample()
        self.seconds = time.monotonic()

    def end(self) -> dict[str, float]:
        self.seconds = time.monotonic() - self.seconds
        spent: dict[str, float] = dict.fromkeys(
            [*self.processes, *(f"{p}_db" for p in self.processes)], 0.0
        )
        for key, value in self.sample().items():
            spent[key[0]] = spent.get(key[0], 0.0) + value - self.start.get(key, 0.0)
        return spent


# -- the load -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    requests: int
    tool_cpu: float  # CPU seconds the load tool itself used (bench/loadgen.py)


def run_tool(command: list[str], marker: str) -> tuple[dict[str, Any], float]:
    """The tool's JSON line and the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    line = next(x for x in out.splitlines() if x.startswith(marker))
    found: dict[str, Any] = json.loads(line.removeprefix(marker))
    return found, cpu


def run_loadgen(
    base: str, paths_file: Path, clients: int, seconds: float, rate: float | None = None
) -> Load:
    """bench/loadgen.py: a closed loop (each connection asks again as soon as it has its
    answer), or an open loop at `rate` requests/s over `clients` connections."""
    command = [sys.executable, str(LOADGEN), base, str(paths_file)]
    command += ["--rate", f"{rate:g}"] if rate else ["--closed"]
    command += ["--connections", str(clients), "--duration", f"{seconds:g}", "--warmup", "2"]
    found, cpu = run_tool(command, "LOADGEN_JSON ")
    return Load(
        rps=found["achieved_rps"],
        p50_ms=found["p50_ms"],
        p90_ms=found["p90_ms"],
        p99_ms=found["p99_ms"],
        max_ms=found["max_ms"],
        errors=found["errors"],
        requests=found["all_answers"],  # the CPU is measured over the warm-up too
        tool_cpu=cpu,
    )


# -- The run ---------------------------------------------------------------------------


async def load_history(dsn: str, history: History, count: int, first: bool) -> None:
    settings = Settings.from_env()
    pool = await create_pool(dsn, min_size=2, max_size=4, name="tribune-bench-loader")
    try:
        store = EventStore(pool)
        started = time.perf_counter()
        events = await append(store, chunks(history.saves(count)))
        appended = time.perf_counter() - started
        print(
            f"append submissions={count} events={events} seconds={appended:.1f}"
            f" rate={events / appended:,.0f}",
            flush=True,
        )
        runner = build_runner(store, settings)
        started = time.perf_counter()
        if first:
            for projection in runner.projections:
                await runner.rebuild(projection)
        else:
            await runner.catch_up_all()
        projected = time.perf_counter() - started
        print(
            f"project submissions={history.step} events={events} seconds={projected:.1f}"
            f" rate={events / projected:,.0f} ({'rebuild' if first else 'catch_up_all'})",
            flush=True,
        )
        started = time.perf_counter()
        async with pool.acquire() as conn:
            await conn.execute(
                "VACUUM ANALYZE public_submissions, public_ledger, public_counts,"
                " public_consultations, private_submission_texts"
            )
            await conn.execute("ANALYZE stored_events")
        print(f"vacuum seconds={time.perf_counter() - started:.1f}", flush=True)
    finally:
        await pool.close()


def measure_size(args: argparse.Namespace, dsn: str, size: int, open_ids: list[UUID]) -> None:
    print(f"mail of the history marked sent: {asyncio.run(mark_history_mailed(dsn))}", flush=True)
    projector = start_projector(dsn)
    try:
        asyncio.run(wait_caught_up(dsn))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(dsn, 1, port, args.page_cache)
        try:
            pages = asyncio.run(url_mix(base, dsn))
            probe = asyncio.run(check_and_probe(base, pages))
        finally:
            stop(server)
        for kind, (rendered, repeated, size_bytes) in probe.items():
            print(
                f"page submissions={size} kind={kind} p50_ms={rendered:.1f}"
                f" repeated_p50_ms={repeated:.1f} bytes={size_bytes}"
            )
        kinds = Counter(p.kind for p in pages)
        print(
            f"mix requests={len(pages)} distinct={len({p.path for p in pages})} "
            + " ".join(f"{kind}={n}" for kind, n in sorted(kinds.items())),
            flush=True,
        )
        paths_file = REPO / "var" / f"bench-pages-{size}.txt"
        paths_file.write_text("".join(p.path + "\n" for p in pages))
        for workers in args.workers:
            measure_workers(args, dsn, size, workers, paths_file, open_ids, projector)
    finally:
        stop(projector)


def measure_workers(
    args: argparse.Namespace,
    dsn: str,
    size: int,
    workers: int,
    paths_file: Path,
    open_ids: list[UUID],
    projector: subprocess.Popen[bytes],
) -> None:
    """Closed-loop cases (--clients), then fixed-rate cases (--rates), one server."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(dsn, workers, port, args.page_cache)
    try:
        run_loadgen(base, paths_file, 64, min(5.0, args.duration))  # warm-up, not counted
        for clients in args.clients:
            label = f"pages submissions={size} clients={clients} workers={workers}"
            load = partial(run_loadgen, base, paths_file, clients, args.duration)
            measure_case(args, dsn, (server, projector), open_ids, label, load)
        for rate in args.rates:
            label = f"fixed submissions={size} clients={args.fixed_clients} workers={workers}"
            label += f" rate={rate:g}"
            load = partial(run_loadgen, base, paths_file, args.fixed_clients, args.duration, rate)
            measure_case(args, dsn, (server, projector), open_ids, label, load)
    finally:
        stop(server)


def measure_case(
    args: argparse.Namespace,
    dsn: str,
    processes: tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]],  # web, projector
    open_ids: list[UUID],
    label: str,
    run_load: Callable[[], Load],
) -> Load:
    """One load while the writer adds submissions; prints the figures and what it cost."""
    # The writer outlives the load (a fixed-rate case waits for late answers), so that
    # its CPU is counted over the whole window.
    writer = start_writer(dsn, open_ids, args.rate, args.duration + 15)
    load1 = os.getloadavg()
    parts = {"web": processes[0].pid, "projector": processes[1].pid, "writer": writer.pid}
    meter = CpuMeter(parts, dsn)
    meter.begin()
    load = run_load()
    spent = meter.end()
    arrived = writer_result(writer)
    lag, catch_up = asyncio.run(wait_caught_up(dsn))
    print(
        f"{label} rps={load.rps:.0f} p50_ms={load.p50_ms:.1f} p90_ms={load.p90_ms:.1f}"
        f" p99_ms={load.p99_ms:.1f} max_ms={load.max_ms:.1f} errors={load.errors}",
        flush=True,
    )
    print(
        f"  arrivals received={arrived['received']}"
        f" published={arrived['published']} failed={arrived['failed']}"
        f" per_s={arrived['received'] / arrived['seconds']:.0f}"
        f" projector_lag_events={lag} caught_up_s={catch_up:.1f}"
        f" loadavg_before={load1[0]:.1f}/{load1[1]:.1f}",
        flush=True,
    )
    per = 1000 / max(load.requests, 1)
    print(
        f"  cpu_ms_per_request web={spent['web'] * per:.2f} db={spent['web_db'] * per:.2f}"
        f" load_tool={load.tool_cpu * per:.2f}",
        flush=True,
    )
    per = 1000 / max(args.rate * meter.seconds, 1)  # the arrivals within the window
    print(
        "  cpu_ms_per_arrival "
        + " ".join(f"{part}={spent[part] * per:.2f}" for part in ("projector", "projector_db"))
        + " "
        + " ".join(f"{part}={spent[part] * per:.2f}" for part in ("writer", "writer_db")),
        flush=True,
    )
    return load


def run(args: argparse.Namespace) -> None:
    server_dsn = args.dsn
    if server_dsn is None:
        server_dsn = embedded_dsn(start_embedded(PGDATA))
    if args.reuse:  # measure the database a previous --keep run left, as it is
        dsn = with_database(server_dsn, args.database)
        asyncio.run(migrate_database(dsn))  # kept by an older version, say
        size = asyncio.run(count_submissions(dsn))
        ids = [c.id for c in make_consultations(datetime.now(UTC))[:3]]
        measure_size(args, dsn, size, ids)
        return
    dsn = asyncio.run(fresh_database(server_dsn, args.database))
    sizes = sorted(args.submissions)
    settings = Settings.from_env()
    history = History(build_mapper(settings.cipher_key), [], max(sizes), datetime.now(UTC))
    history.consultations = make_consultations(history.now)
    open_ids = [c.id for c in history.consultations[:3]]
    try:
        for size in sizes:
            asyncio.run(load_history(dsn, history, size - history.step, history.step == 0))
            measure_size(args, dsn, size, open_ids)
    finally:
        if not args.keep:
            asyncio.run(drop_database(server_dsn, args.database))


async def count_submissions(dsn: str) -> int:
    conn = await connect(dsn)
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM public_submissions")
    finally:
        await conn.close()
    return count


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", help="a PostgreSQL server (default: embedded)")
    parser.add_argument("--submissions", type=int, nargs="+", help="sizes, grown in turn")
    parser.add_argument("--duration", type=float, help="seconds per case (default 15)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument(
        "--clients", type=int, nargs="*", default=[64, 256], help="closed-loop cases"
    )
    parser.add_argument(
        "--rates", type=float, nargs="*", default=[2000], help="fixed-rate cases (requests/s)"
    )
    parser.add_argument(
        "--fixed-clients", type=int, default=256, help="connections of the fixed-rate cases"
    )
    parser.add_argument("--rate", type=float, default=100, help="arriving submissions/s")
    parser.add_argument("--quick", action="store_true", help="5 000 submissions, 5 s")
    parser.add_argument("--database", default=DATABASE, help=f"database name ({DATABASE})")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a --keep run left"
    )
    parser.add_argument(
        "--page-cache", type=float, help="TRIBUNE_PAGE_CACHE_SECONDS for the server (0: off)"
    )
    parser.add_argument("--writer", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--consultations", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer is not None:  # the writer process started by the bench itself
        ids = [UUID(x) for x in args.consultations.split(",")]
        counts = asyncio.run(write_submissions(args.dsn, ids, args.rate, args.writer))
        print(json.dumps(counts), flush=True)
        return
    args.submissions = args.submissions or ([5_000] if args.quick else list(DEFAULT_SIZES))
    args.duration = args.duration or (5.0 if args.quick else 15.0)
    run(args)


if __name__ == "__main__":
    main()
