"""Celery tasks: thin shells that decode ids and paths, call the archive, and return plain dicts.

Every task is idempotent and runs with acks_late and reject-on-worker-lost (celeryconfig.py), so a
worker killed mid-task has its task delivered again. Document tasks retry with exponential backoff
on Cassandra being unavailable or slow and on source read errors; after their last retry they
record the document as failed and return, so one bad document never blocks a run's chord.
"""
from __future__ import annotations

import os
from collections import Counter

from celery import chord
from celery.exceptions import SoftTimeLimitExceeded

from archive.service import maintenance
from archive.config import host_name, load_settings
from archive.service.git_sources import check_git_sources, note_checks, record_imported
from archive.service.runner import LeaseHeld, kept, make_service, recorded_run
from archive.service.importing import conference_of_document
from archive.domain import DocumentError
from archive.domain.outcomes import DocumentStatus
from archive.domain.runs import RunRecord, RunStatus, RunTrigger, run_history_ttl
from archive.sources import Source, load_sources, read_document
from archive.sources.git import WorkingCopies
from archive.storage import RETRYABLE_ERRORS
from jobs.celery_app import app, get_store

MAX_RETRIES = 5
# One document may take this long (parsing, linking, writing) before it is recorded as failed; the
# hard limit kills a worker child stuck in C code, and the document is failed on redelivery.
DOCUMENT_SOFT_LIMIT = 120
DOCUMENT_HARD_LIMIT = 150


def _source(name: str) -> Source:
    by_name = {s.name: s for s in load_sources(load_settings().sources)}
    if name not in by_name:
        raise LookupError(f"source {name!r} is no longer configured")
    return by_name[name]


def _retry_or_fail(task, exc: Exception, source: str, path: str) -> dict:
    """Retry with exponential backoff; after the last retry, record the failure and give up."""
    if task.request.retries < MAX_RETRIES:
        raise task.retry(exc=exc, countdown=min(60, 2 ** task.request.retries))
    return _record_failure(source, path, f"gave up after {MAX_RETRIES} retries: {type(exc).__name__}: {exc}")


def _record_failure(source_name: str, path: str, error: str) -> dict:
    """Record a document's failure through the service (which keeps its last good talks) and say so."""
    try:
        make_service(get_store()).record_failure(_source(source_name), path, error)
    except (*RETRYABLE_ERRORS, LookupError):
        # the store is down or the source is gone; the next re-import scan finds the document again
        return _failed(source_name, path, error)
    return {**_failed(source_name, path, error), "recorded": True}


def _failed(source_name: str, path: str, error: str) -> dict:
    """Return a failed document's result; not `recorded` in the ledger, so its git commit is scanned again."""
    return {"source": source_name, "path": path, "status": DocumentStatus.FAILED.value, "error": error,
            "talks_written": 0, "talks_deleted": 0, "conference": None, "recorded": False, "host": host_name()}


def _trigger(task, given: str | None) -> str:
    """Return what started a task: the caller's word, else beat (it marks its messages) or a plain call."""
    if given:
        return RunTrigger(given).value
    return (RunTrigger.SCHEDULE if task.request.get("celery_beat_task") else RunTrigger.TASK).value


def _conference(source: Source, path: str) -> str | None:
    try:
        return conference_of_document(source, path)
    except DocumentError:
        return None


def _outcome(source_name: str, path: str, summary, conference: str | None) -> dict:
    """Return one document task's result: its status and what relinking its conference wrote.

    The service has already recounted the tags it touched, so counts converge even if the run's
    chord never ends; a failure it gave is recorded in the ledger.
    """
    return {"source": source_name, "path": path, "status": summary.status().value,
            "error": summary.errors[0][1] if summary.errors else None, "talks_written": summary.talks_written,
            "talks_deleted": summary.talks_deleted, "conference": conference, "recorded": True, "host": host_name()}


@app.task(bind=True, acks_late=True, max_retries=MAX_RETRIES, soft_time_limit=DOCUMENT_SOFT_LIMIT,
          time_limit=DOCUMENT_HARD_LIMIT)
def import_document(self, source_name: str, path: str, lease_owner: str | None = None) -> dict:
    """Import one document of a source (skipped if its content is unchanged)."""
    try:
        source = _source(source_name)
        doc = read_document(source, path)
        if doc.data is None and doc.error and doc.error.startswith("cannot read"):
            raise OSError(doc.error)  # maybe a passing I/O problem: retry before recording it
        if lease_owner:
            get_store().renew_lease("reimport", lease_owner, load_settings().lease_ttl)
        return _outcome(source_name, path, make_service(get_store()).import_one(source, doc), _conference(source, path))
    except (*RETRYABLE_ERRORS, OSError) as exc:
        return _retry_or_fail(self, exc, source_name, path)
    except LookupError as exc:  # the source left the configuration: nothing to retry
        return _failed(source_name, path, str(exc))
    except SoftTimeLimitExceeded:
        return _record_failure(source_name, path, f"took more than {DOCUMENT_SOFT_LIMIT} s to import")
    except Exception as exc:  # noqa: BLE001 - a bug or a refused write fails this document, never the run
        return _record_failure(source_name, path, f"{type(exc).__name__}: {exc}")


@app.task(bind=True, acks_late=True, max_retries=MAX_RETRIES, soft_time_limit=DOCUMENT_SOFT_LIMIT,
          time_limit=DOCUMENT_HARD_LIMIT)
def remove_document(self, source_name: str, path: str, lease_owner: str | None = None) -> dict:
    """Remove a document that left its source, and its talks from every table."""
    try:
        if lease_owner:
            get_store().renew_lease("reimport", lease_owner, load_settings().lease_ttl)
        source = _source(source_name)
        return _outcome(source_name, path, make_service(get_store()).remove_one(source, path),
                        _conference(source, path))
    except RETRYABLE_ERRORS as exc:
        return _retry_or_fail(self, exc, source_name, path)
    except LookupError as exc:
        return _failed(source_name, path, str(exc))
    except Exception as exc:  # noqa: BLE001 - as for import_document: the run must end
        return _failed(source_name, path, f"{type(exc).__name__}: {exc}")


@app.task(bind=True, acks_late=True)
def reimport(self, trigger: str | None = None) -> dict:
    """Fetch the git sources and scan every source under the reimport lease; fan out one task per changed document.

    The lease is held from before the fetches until finish_run releases it: one run at a time, on
    every worker and machine, fetches and reads the working copies (archive.service.git_sources).
    """
    settings, store = load_settings(), get_store()
    lease = maintenance.Lease(store, "reimport", settings.lease_ttl)
    if not lease.acquire():
        holder = store.lease_holder("reimport")
        return {"status": "skipped", "holder": holder and holder["owner"]}
    run = RunRecord("reimport", lease_owner=lease.owner, trigger=_trigger(self, trigger))
    try:
        with kept(lease, run):  # a fetch may take longer than the lease lives unrenewed
            tasks, scan = _scan(store, settings, run, lease.owner)
        store.record_run(run, run_history_ttl(settings.run_history_days))
    except Exception:
        lease.release()
        raise
    serial = _serialisable(run)
    if not tasks:
        return {**finish_run([], serial, scan), "sources": scan["sources"]}
    chord(tasks)(finish_run.s(serial, scan))
    return {"status": "started", "run_id": serial["run_id"], "documents": len(tasks), "sources": scan["sources"]}


def _scan(store, settings, run: RunRecord, owner: str) -> tuple[list, dict]:
    """Fetch the git sources, plan every source whose scan is not skipped; return the tasks and what each source did."""
    sources = load_sources(settings.sources)
    checks = check_git_sources(store, sources, WorkingCopies(settings.git_timeout))
    failures = note_checks(run, checks)
    tasks, report = [], {}
    for source in sources:
        check = checks.get(source.name)
        entry = report[source.name] = {"kind": source.kind, "commit": check and check.commit,
                                       "key": check and check.key, "fetched": bool(check and check.fetched),
                                       "error": check and check.error, "skipped": bool(check and check.skip),
                                       "reads": 0}
        if entry["skipped"]:  # an unchanged commit: not one document is read
            continue
        plan = maintenance.plan_source(store, source)
        entry["reads"] = plan.reads
        run.seen += plan.new + plan.changed + plan.unchanged
        run.new, run.changed, run.unchanged = run.new + plan.new, run.changed + plan.changed, \
            run.unchanged + plan.unchanged
        run.removed += len(plan.to_remove)
        tasks += [import_document.si(source.name, p, owner) for p in plan.to_import]
        tasks += [remove_document.si(source.name, p, owner) for p in plan.to_remove]
    return tasks, {"sources": report, "fetch_failures": failures}


@app.task(acks_late=True)
def finish_run(outcomes: list[dict], run: dict, scan: dict | None = None) -> dict:
    """Close a re-import: recount what it touched, record its history and each source's import, release its lease."""
    settings, store = load_settings(), get_store()
    run = RunRecord.from_json(run)
    failed = [o for o in outcomes if o["status"] == DocumentStatus.FAILED]
    fetch_failures = (scan or {}).get("fetch_failures", 0)
    run.finish(RunStatus.FAILED if failed or fetch_failures else RunStatus.DONE, failed=len(failed),
               talks_written=sum(o["talks_written"] for o in outcomes),
               talks_deleted=sum(o["talks_deleted"] for o in outcomes),
               errors=run.errors + [f"{o['path']}: {o['error']}" for o in failed],
               hosts=dict(Counter(o.get("host") or "?" for o in outcomes)))
    # Two workers relinking one conference at once may each have read the other's facts half
    # written; one serial relink of every touched conference here makes the run's end state exact.
    service = make_service(store)
    try:
        for conference_id in sorted({o["conference"] for o in outcomes if o.get("conference")}):
            relinked = service.relink(conference_id)
            run.talks_written += relinked.talks_written
            run.talks_deleted += relinked.talks_deleted
            if relinked.tags_touched:
                service.refresh_tag_counts(relinked.tags_touched)
            service.refresh_search_terms(relinked.terms_touched)
            service.refresh_speakers(relinked.speakers_touched)
        if outcomes:
            service.publish()
    except Exception as exc:  # noqa: BLE001 - the run still ends, with its status and the reason
        run.status = RunStatus.FAILED.value
        run.errors.append(f"relinking at the end of the run: {exc}")
    else:  # a run that could not relink records no commit: the next one scans those sources again
        try:
            _record_imports(store, settings, outcomes, (scan or {}).get("sources", {}))
        except Exception as exc:  # noqa: BLE001 - as above
            run.status = RunStatus.FAILED.value
            run.errors.append(f"recording the sources' imports: {exc}")
    finally:
        store.record_run(run, run_history_ttl(settings.run_history_days))
        store.release_lease("reimport", run.lease_owner)
    return _serialisable(run)


def _record_imports(store, settings, outcomes: list[dict], scanned: dict) -> None:
    """Record each scanned source's import; a git source's commit only if none of its documents failed unrecorded."""
    by_name = {s.name: s for s in load_sources(settings.sources)}
    for name, entry in scanned.items():
        if entry["skipped"] or name not in by_name:
            continue
        mine = [o for o in outcomes if o.get("source") == name]
        landed = all(o["status"] != DocumentStatus.FAILED or o.get("recorded") for o in mine)
        record_imported(store, by_name[name], bool(mine), landed, entry["commit"], entry["key"])


@app.task(bind=True, acks_late=True)
def rebuild_indexes(self, trigger: str | None = None) -> dict:
    """Regenerate every index table and count from the talks table, under the rebuild lease."""
    settings, store = load_settings(), get_store()
    lease = maintenance.Lease(store, "rebuild", settings.lease_ttl)
    run = RunRecord("rebuild_indexes", trigger=_trigger(self, trigger))
    try:
        with recorded_run(store, run, run_history_ttl(settings.run_history_days), lease):
            report = maintenance.rebuild_indexes(store, lease)
            run.finish(RunStatus.DONE, seen=report.talks, removed=report.orphans_deleted, talks_written=report.talks)
    except LeaseHeld:
        return {"status": "skipped"}
    return {"status": "done", **report.__dict__}


@app.task(acks_late=True)
def refresh_tag_counts() -> dict:
    """Recount every tag of the tag cloud from its index partition."""
    return {"status": "done", "tags": maintenance.refresh_tag_counts(get_store())}


def enqueue_reimport() -> str:
    """Queue a re-import now (the web's admin action); return its task id."""
    return reimport.delay(trigger=RunTrigger.ADMIN.value).id


def _serialisable(run: RunRecord) -> dict:
    """Return a run record as a Celery argument and task result (JSON), with the worker's pid."""
    return {**run.to_json(), "pid": os.getpid()}
