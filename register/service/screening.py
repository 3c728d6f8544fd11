"""Covered-list screening: runs, decisions and external lists.

Runs, decisions and external lists are records in their own tables, so they are audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, NamedTuple

from register.domain.models import RecordKind
from register.domain.screening import (
    DECISIONS,
    MATCHING_RULE,
    Screener,
    ScreeningList,
    decision_for,
    external_list_from_record,
    external_list_to_record,
    lapsed_decisions,
    list_sources,
    listing_hit,
    screen_suppliers,
)
from register.domain.text import normalisation_sources
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
        suppliers = [_ScreenedNames(i, record["name"], record.get("parent_name", ""), record.get("aliases", []))
                     for i, record in screened]
        fresh = [hit.as_record() for hit in screen_suppliers(suppliers, self._screener(lists))]
        run_id = f"RUN-{len(runs) + 1:06d}"
        run = {
            "run": run_id, "at": self._context.now(), "actor": self._context.actor, "trigger": trigger,
            "matching": MATCHING_RULE, "normalisation": normalisation_sources(),
            "lists": summaries, "list_sources": list_sources(lists), "suppliers_screened": len(suppliers),
            "hits_carried_from": previous["run"] if previous else None,
            "hits": sorted(carried + fresh, key=lambda h: h["hit"]),
        }
        tx.put(SCREENING_RUNS_TABLE, run_id, run)
        # A decision holds only while the text it was made about is unchanged: those that no
        # longer hold are marked lapsed, with why, in this same audited commit.
        names = {s.supplier_id: {"name": s.name, "parent_name": s.parent_name, "aliases": s.aliases} for s in suppliers}
        lapsed = lapsed_decisions(tx.records(SCREENING_DECISIONS_TABLE), fresh, names, run=run_id, at=run["at"])
        for decision_id, decision in lapsed.items():
            tx.put(SCREENING_DECISIONS_TABLE, decision_id, decision)
        return run

    def screening_runs(self) -> list[dict[str, Any]]:
        return [run for _, run in sorted(self._context.file.table(SCREENING_RUNS_TABLE).items())]

    def latest_screening_run(self) -> dict[str, Any] | None:
        runs = self._context.file.table(SCREENING_RUNS_TABLE)
        return runs[max(runs)] if runs else None

    def sources(self) -> dict[str, Any]:
        """What the latest run screened against, for the workbook: its matching rule, the
        normalisation data's versions and every listed entity with its notice and date. For a
        run made before these were recorded (or when there is no run yet) the lists the
        register screens against now are shown, and the matching line says so."""
        run = self.latest_screening_run() or {}
        if "list_sources" in run:
            summaries = {summary["id"]: summary for summary in run["lists"]}
            recorded, matching = run["list_sources"], run.get("matching")
        else:
            lists = self.screening_lists()
            summaries = {lst.id: lst.summary() for lst in lists}
            recorded = list_sources(lists)
            matching = ("no screening run yet" if not run else
                        f"run made before matching was recorded (review threshold {run.get('threshold')})") + \
                "; the entries below are the lists the register screens against now"
        entries = [
            {"list_id": list_id, "list": summaries.get(list_id, {}).get("name", list_id),
             "list_sha256": summaries.get(list_id, {}).get("sha256"), **entry}
            for list_id, listed in recorded.items() for entry in listed
        ]
        return {"run": run.get("run"), "at": run.get("at"), "matching": matching,
                "normalisation": run.get("normalisation") or {}, "entries": entries}

    def screening_decisions(self) -> dict[str, dict[str, Any]]:
        return dict(self._context.file.table(SCREENING_DECISIONS_TABLE))

    def hits(self) -> dict[str, list[dict[str, Any]]]:
        """Hits of the latest run by supplier id, each with its review status."""
        run = self.latest_screening_run()
        decisions = self._context.file.table(SCREENING_DECISIONS_TABLE)
        by_supplier: dict[str, list[dict[str, Any]]] = {}
        for hit in run["hits"] if run else []:
            by_supplier.setdefault(hit["supplier_id"], []).append(listing_hit(hit, decision_for(hit, decisions)))
        return by_supplier

    def decide_hit(self, hit_id: str, decision: str, reason: str, *, revision: int | None = None) -> dict[str, Any]:
        """Confirm or dismiss a hit of the latest run, with a reason; audited like any change.
        `revision` is that of the hit's decision the user saw (0: none): a decision recorded
        meanwhile raises StaleRecord instead of being replaced unseen."""
        if decision not in DECISIONS:
            raise RegisterError(f"a screening decision is one of {', '.join(DECISIONS)}, not {decision!r}")
        reason = " ".join(reason.split())
        if not reason:
            raise RegisterError("give a reason to confirm or dismiss a screening hit: the reason is audited")
        with self._context.transaction() as tx:
            runs = tx.records(SCREENING_RUNS_TABLE)
            hits = runs[max(runs)]["hits"] if runs else []
            hit = next((h for h in hits if h["hit"] == hit_id), None)
            if hit is None:
                raise RecordNotFound(f"no screening hit {hit_id!r} in the latest screening run (list them with: register screen)")
            supplier = tx.get(RecordKind.suppliers.value, hit["supplier_id"]) or {}
            record = {
                "hit": hit_id, "supplier_id": hit["supplier_id"], "list": hit["list"], "entity": hit["entity"],
                "field": hit["field"], "screened_name": hit["screened_name"], "score": hit["score"], "decision": decision,
                "reason": reason[:2000], "decided_by": self._context.actor, "decided_at": self._context.now(), "run": max(runs),
                # the names the decision was made with: another of them changing to match the
                # same entity re-opens it
                "names": {"name": supplier.get("name", ""), "parent_name": supplier.get("parent_name", ""),
                          "aliases": supplier.get("aliases", [])},
            }
            tx.put(SCREENING_DECISIONS_TABLE, hit_id, record, expected_revision=revision)
        return listing_hit(hit, record)


class _ScreenedNames(NamedTuple):
    supplier_id: str
    name: str
    parent_name: str
    aliases: list[str]


