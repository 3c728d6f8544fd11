"""Covered-list screening: runs, decisions and external lists.

Runs, decisions and external lists are records in their own tables, so they are audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, NamedTuple

from register.domain.models import RecordKind
from register.domain.screening import (
    DECISIONS,
    REVIEW_THRESHOLD,
    Screener,
    ScreeningList,
    external_list_from_record,
    external_list_to_record,
    listing_hit,
    screen_suppliers,
)
from register.errors import RecordNotFound, RegisterError
from register.io.screening_lists import builtin_lists, read_external_list
from register.service.context import RegisterContext
from register.store import Transaction
from register.store.canonical import ordered_items

SCREENING_RUNS_TABLE = "screening_runs"
SCREENING_DECISIONS_TABLE = "screening_decisions"
SCREENING_LISTS_TABLE = "screening_lists"


class Screening:
    """Screens suppliers against the curated lists and any external ones, and keeps the
    decisions people take on each hit."""

    def __init__(self, context: RegisterContext):
        self._context = context
        self._cached_screener: tuple[tuple[tuple[str, str], ...], Screener] | None = None

    def screening_lists(self, tx: Transaction | None = None) -> list[ScreeningList]:
        """The curated lists shipped with the program, then every external list loaded so far."""
        stored = tx.records(SCREENING_LISTS_TABLE) if tx is not None else self._context.file.table(SCREENING_LISTS_TABLE)
        return [*builtin_lists(), *(external_list_from_record(r) for _, r in sorted(stored.items()))]

    def screen(self, list_files: Iterable[Path] = ()) -> dict[str, Any]:
        """Screen every supplier, after keeping any external lists given; returns the run."""
        external = [read_external_list(Path(p), self._context.today()) for p in list_files]
        with self._context.transaction() as tx:
            for screening_list in external:
                tx.put(SCREENING_LISTS_TABLE, screening_list.id, external_list_to_record(screening_list))
            return self.record_run(tx, trigger="screen")

    def _screener(self, lists: list[ScreeningList]) -> Screener:
        """One screener per set of lists, kept so its word cache serves run after run."""
        key = tuple((lst.id, lst.sha256) for lst in lists)
        cached = self._cached_screener
        if cached is None or cached[0] != key:
            cached = (key, Screener(lists))
            self._cached_screener = cached
        return cached[1]

    def record_run(self, tx: Transaction, *, trigger: str, only: set[str] | None = None) -> dict[str, Any]:
        """Screen the suppliers and store the run. With `only`, just those suppliers are
        screened and the others' hits are carried over from the latest run, provided it used
        the same lists; the run says which run it carried hits from."""
        lists = self.screening_lists(tx)
        stored = tx.records(RecordKind.suppliers.value)
        runs = tx.records(SCREENING_RUNS_TABLE)
        previous = runs[max(runs)] if runs else None
        summaries = [lst.summary() for lst in lists]
        carried: list[dict[str, Any]] = []
        if only is not None and previous is not None and previous["lists"] == summaries:
            carried = [h for h in previous["hits"] if h["supplier_id"] not in only and h["supplier_id"] in stored]
            screened = [(i, stored[i]) for i in sorted(only) if i in stored]
        else:
            previous, screened = None, ordered_items(stored)  # read in one pass, not one by one
        # Stored suppliers were validated when written: screening needs only their names.
        suppliers = [_ScreenedNames(i, record["name"], record.get("parent_name", "")) for i, record in screened]
        hits = carried + [hit.as_record() for hit in screen_suppliers(suppliers, self._screener(lists))]
        run_id = f"RUN-{len(runs) + 1:06d}"
        run = {
            "run": run_id, "at": self._context.now(), "actor": self._context.actor, "trigger": trigger,
            "threshold": REVIEW_THRESHOLD, "lists": summaries, "suppliers_screened": len(suppliers),
            "hits_carried_from": previous["run"] if previous else None,
            "hits": sorted(hits, key=lambda h: h["hit"]),
        }
        tx.put(SCREENING_RUNS_TABLE, run_id, run)
        return run

    def screening_runs(self) -> list[dict[str, Any]]:
        return [run for _, run in sorted(self._context.file.table(SCREENING_RUNS_TABLE).items())]

    def latest_screening_run(self) -> dict[str, Any] | None:
        runs = self._context.file.table(SCREENING_RUNS_TABLE)
        return runs[max(runs)] if runs else None

    def screening_decisions(self) -> dict[str, dict[str, Any]]:
        return dict(self._context.file.table(SCREENING_DECISIONS_TABLE))

    def hits(self) -> dict[str, list[dict[str, Any]]]:
        """Hits of the latest run by supplier id, each with its review status."""
        run = self.latest_screening_run()
        decisions = self._context.file.table(SCREENING_DECISIONS_TABLE)
        by_supplier: dict[str, list[dict[str, Any]]] = {}
        for hit in run["hits"] if run else []:
            by_supplier.setdefault(hit["supplier_id"], []).append(listing_hit(hit, decisions.get(hit["hit"])))
        return by_supplier

    def decide_hit(self, hit_id: str, decision: str, reason: str) -> dict[str, Any]:
        """Confirm or dismiss a hit of the latest run, with a reason; audited like any change."""
        if decision not in DECISIONS:
            raise RegisterError(f"a screening decision is one of {', '.join(DECISIONS)}, not {decision!r}")
        reason = " ".join(reason.split())
        if not reason:
            raise RegisterError("give a reason to confirm or dismiss a screening hit (--reason)")
        with self._context.transaction() as tx:
            runs = tx.records(SCREENING_RUNS_TABLE)
            hits = runs[max(runs)]["hits"] if runs else []
            hit = next((h for h in hits if h["hit"] == hit_id), None)
            if hit is None:
                raise RecordNotFound(f"no screening hit {hit_id!r} in the latest screening run (list them with: register screen)")
            record = {
                "hit": hit_id, "supplier_id": hit["supplier_id"], "list": hit["list"], "entity": hit["entity"],
                "screened_name": hit["screened_name"], "score": hit["score"], "decision": decision,
                "reason": reason[:2000], "decided_by": self._context.actor, "decided_at": self._context.now(), "run": max(runs),
            }
            tx.put(SCREENING_DECISIONS_TABLE, hit_id, record)
        return listing_hit(hit, record)


class _ScreenedNames(NamedTuple):
    supplier_id: str
    name: str
    parent_name: str


