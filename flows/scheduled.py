"""The scheduled work of ``veille serve``: flows whose parameters are plain paths.

Prefect stores a deployment's parameters as JSON, so these flows take the sources file and the
database as strings and load the configuration themselves (validated, with the sources the
curators added in the web app), at each run: an edit of sources.yaml applies at the next run.

- ``scheduled-ingest``: the ``ingest`` flow (every 6 hours by default);
- ``weekly-draft``: drafts last week (Monday 06:00 Europe/Paris by default), keeping edits;
- ``publish-approved``: publishes and e-mails last week's digest, only once a curator approved it
  (``veille digest approve`` or the web app), and only if it was not sent yet.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing.util  # noqa: F401  (its exit handler first: see _ignore_stops_at_exit)
import os
import signal
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect import flow
from prefect import serve as prefect_serve
from prefect.runtime import flow_run
from prefect.schedules import Cron, Interval

from flows.ingest import ingest_flow
from veille import clock, publishing, sending
from veille import digest as digests
from veille.config import Config, load_config
from veille.sourcelist import effective
from veille.store import Store


def _ignore_stops_at_exit() -> None:
    """A process of the schedule that is already exiting ignores stop signals.

    ``veille serve`` stops the runner's whole process group with SIGINT. A flow-run process
    that just finished its run may be in Python's exit handlers at that moment (those of
    multiprocessing join its children): the signal became a KeyboardInterrupt there, and the
    journal got "Exception ignored in atexit callback" and a traceback for a clean stop. The
    process ends anyway, and the supervisor's SIGKILL after its grace still comes if it hangs.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


# Exit handlers run last registered first: multiprocessing's is registered when its module is
# imported (at the top of this file), so this one, registered after it, runs before it.
atexit.register(_ignore_stops_at_exit)


@contextlib.contextmanager
def stops_ignored_when_done() -> Iterator[None]:
    """Around a scheduled flow's work: in a flow-run process, once the work is over (done,
    failed or interrupted), stop signals are ignored.

    Before ``atexit``, Python's shutdown runs the threads' exit calls, where Prefect's services
    send what is left of the run's logs and events: ``veille serve``'s SIGINT landing there
    printed "Exception ignored" and a KeyboardInterrupt traceback in the journal. Nothing is
    left to stop once the work is over; the process ends by itself, or the supervisor's SIGKILL
    after its grace ends it. Only in the processes Prefect's runner starts for a flow run
    (``PREFECT__FLOW_RUN_ID``): ``veille run`` and tests call the flows in their own process.
    """
    try:
        yield
    finally:
        if os.environ.get("PREFECT__FLOW_RUN_ID"):
            _ignore_stops_at_exit()


def _load(config_path: str, db_path: str | None) -> tuple[Config, Store]:
    config = load_config(Path(config_path))
    store = Store(db_path or config.database_path())
    return effective(config, store), store


def log_line(event: str, **fields: object) -> None:
    """One line per scheduled run on stderr, which systemd's journal and log shippers read:
    ``veille <event> key=value…`` (logfmt; values with spaces are quoted)."""
    parts = [f"veille {event}"]
    for key, value in fields.items():
        text = str(value)
        parts.append(
            f'{key}="{text}"' if not text or " " in text or "=" in text else f"{key}={text}"
        )
    print(" ".join(parts), file=sys.stderr, flush=True)


@flow(name="scheduled-ingest", log_prints=False, persist_result=False)
async def scheduled_ingest(config_path: str, db_path: str | None = None) -> dict[str, object]:
    """Fetch every enabled source (sources.yaml + the web app's) into the database."""
    started = time.monotonic()
    log_line("ingest-start", flow_run=flow_run.get_name() or "?")
    status, fields = "failed", {}
    try:
        with stops_ignored_when_done():  # before ingest-end, the tests' cue to stop
            config, store = _load(config_path, db_path)
            summary = await ingest_flow(config, str(store.path))
            failed = [o.source_id for o in summary.outcomes if o.status == "error"]
            status = "completed"
            fields = {
                "run": summary.run_id,
                "new_articles": summary.new_articles,
                "failed_sources": len(failed),
                **({"failing": ",".join(failed[:10])} if failed else {}),
            }
            for line in summary.alerts:  # what the alerts sent, or why not
                log_line("alerts", run=summary.run_id, said=line.replace('"', "'"))
            return summary.as_dict()
    finally:
        log_line(
            "ingest-end", flow_run=flow_run.get_name() or "?", status=status, **fields,
            duration_s=f"{time.monotonic() - started:.1f}",
        )  # fmt: skip


@flow(name="weekly-draft", log_prints=False, persist_result=False)
def weekly_draft(config_path: str, db_path: str | None = None) -> dict[str, object]:
    """Draft last week's digest (curators' edits are kept)."""
    with stops_ignored_when_done():
        config, store = _load(config_path, db_path)
        week = digests.week_of(clock.now(), config.settings.timezone)
        view = digests.draft(config, store, week)
        return {"week": week, "included": len(view.included), "candidates": len(view.items)}


@flow(name="publish-approved", log_prints=False, persist_result=False)
def publish_approved(
    config_path: str, db_path: str | None = None, send: bool = True
) -> dict[str, object]:
    """Publish (and e-mail) last week's digest if a curator approved it."""
    from veille.mail import SmtpSettings

    with stops_ignored_when_done():
        config, store = _load(config_path, db_path)
        week = digests.week_of(clock.now(), config.settings.timezone)
        row = store.digest(week)
        if row is None or row.approved_at is None:
            return {"week": week, "published": False, "reason": "not approved by a curator"}
        result = publishing.publish(config, store, week, publishing.digests_dir(config))
        report = sending.send(config, store, week, SmtpSettings.from_env()) if send else None
        return {"week": week, "published": True, "items": result.items, "mail": str(report)}


def serve_schedules(
    config: Config, *, config_path: str, db_path: str | None, ingest_every: timedelta
) -> None:
    """Serve the three deployments in this process until Ctrl-C (``veille serve``)."""
    schedule = config.settings.schedule
    tz = config.settings.timezone
    parameters = {"config_path": config_path, "db_path": db_path}
    # to_deployment returns the deployment itself when called outside an event loop, as here.
    deployments: list[Any] = [
        scheduled_ingest.to_deployment(
            name="veille-ingest",
            schedules=[Interval(ingest_every, timezone=tz)],
            parameters=parameters,
            concurrency_limit=1,  # a run never overlaps the previous one
            paused=False,  # Prefect pauses the schedules when the runner stops: resume them
        ),
        weekly_draft.to_deployment(
            name="veille-weekly-draft",
            schedules=[Cron(schedule.draft_cron, timezone=tz)],
            parameters=parameters,
            concurrency_limit=1,
            paused=False,
        ),
    ]
    if schedule.publish_cron:
        deployments.append(
            publish_approved.to_deployment(
                name="veille-publish-approved",
                schedules=[Cron(schedule.publish_cron, timezone=tz)],
                parameters=parameters,
                concurrency_limit=1,
                paused=False,
            )
        )
    prefect_serve(*deployments, print_starting_message=False)


def main(argv: list[str]) -> None:
    """``python -m flows.scheduled CONFIG DB SECONDS``: the runner ``veille serve`` starts
    (flows/supervisor.py), with the ingest every SECONDS."""
    from flows.server import quiet_prefect

    config_path, db_path, seconds = argv
    quiet_prefect()
    config = load_config(Path(config_path))
    every = timedelta(seconds=float(seconds))
    serve_schedules(config, config_path=config_path, db_path=db_path, ingest_every=every)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt:  # veille serve stops us with SIGINT: not an error
        sys.exit(0)
