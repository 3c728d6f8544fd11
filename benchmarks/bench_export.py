"""Benchmark: the auditor workbook of a 100,000-risk register against a bare openpyxl dump.

Builds (once, through RegisterService.import_rows: one transaction per record kind) a register
of N risks on the suppliers and interconnections they reference, then measures, each in a
fresh process so peak RSS is its own, alternating and repeated:

- export: RegisterService.export_workbook (styled, forced text, formulas, reproducible zip);
- bare dump: the same cells, produced by the same code, appended to openpyxl write-only
  sheets as plain values (no styles, no text forcing, widths, filters) and saved by
  openpyxl's own save;
- cells only: producing those cells and discarding them (what neither writer can avoid);
- open only: opening a snapshot of the register (as `register export` does) and reading its
  summary (the floor under every figure).

Prints a table and writes it under its own heading in benchmarks/RESULTS.md.

    PYTHONPATH=. python benchmarks/bench_export.py [--risks 100000] [--suppliers N] [--repeat 3] [--keep DIR]

With --suppliers the register holds that many suppliers (default: one per 20 risks) and the
table goes under its own heading, the many-suppliers case of issue 11.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Auditor workbook export (issue 4)"
MANY_SUPPLIERS_HEADING = "## Auditor workbook export, many suppliers (issue 11)"
AS_OF = date(2026, 11, 1)
RISKS_PER_SUPPLIER = 20
MODES = ("export", "bare", "cells", "open")


# --- building the register --------------------------------------------------------------
def build(path: Path, risks: int, suppliers: int | None = None) -> None:
    from register.domain.models import RecordKind
    from register.service import RegisterService, SourceRow

    rng = random.Random(4)
    suppliers = suppliers or max(1, risks // RISKS_PER_SUPPLIER)
    interconnections = max(1, suppliers // 100)
    service = RegisterService.create(path, name="Benchmark register", scope="Generated for bench_export.py", actor="bench")
    countries = ("US", "MX", "CA", "CN", "DE", "TW", "KR", "BR", "GB", "IN")
    currencies = ("USD", "MXN", "CAD", "EUR")
    categories = ("telecom_equipment", "network_services", "cloud_hosting", "software", "semiconductors_hardware",
                  "managed_security", "scada_ot", "logistics", "other")

    def supplier_rows():
        for i in range(suppliers):
            yield SourceRow(i + 2, {
                "supplier_id": f"SUP-{i:06d}", "name": f"Supplier {i} {rng.choice(('Inc.', 'S.A. de C.V.', 'Ltd.', 'GmbH'))}",
                "hq_country": rng.choice(countries), "category": rng.choice(categories), "tier": rng.randint(1, 3),
                "criticality": rng.randint(1, 5), "annual_spend": round(rng.uniform(1e4, 5e6), 2),
                "currency": rng.choice(currencies), "contract_end": str(date(2027, 1, 1) + timedelta(days=rng.randint(0, 1500))),
                "certifications": rng.choice(("ISO 27001", "C-TPAT; ISO 28000", "", "OEA")),
                "notes": "Generated supplier; remote support by the vendor's service desk.",
            })

    def interconnection_rows():
        for i in range(interconnections):
            yield SourceRow(i + 2, {
                "interconnection_id": f"IC-{i:04d}", "name": f"Tie {i}", "from_country": "US",
                "to_country": rng.choice(("MX", "CA")), "type": rng.choice(("AC", "HVDC", "VFT")),
                "capacity_mw": float(rng.randint(30, 1500)), "operators": "Operator A; Operator B",
                "ict_suppliers": [f"SUP-{rng.randrange(suppliers):06d}" for _ in range(3)],
            })

    def risk_rows():
        for i in range(risks):
            on_tie = i % 25 == 0
            measures = [
                {"description": f"Countermeasure {k} for scenario {i}: MFA, segmentation and vendor access reviews",
                 "type": rng.choice(("physical", "procedural", "personnel", "information", "contractual")),
                 "reduces": rng.choice("LC"), "effectiveness": rng.randint(0, 3),
                 "evidence": rng.choice(("", f"evidence/{i}/report-{k}.pdf")),
                 "tested_on": rng.choice((None, str(date(2026, 1, 1) + timedelta(days=rng.randint(0, 300)))))}
                for k in range(rng.randint(0, 3))
            ]
            yield SourceRow(i + 2, {
                "risk_id": f"RSK-{i:07d}",
                "subject_type": "interconnection" if on_tie else "supplier",
                "subject_id": f"IC-{rng.randrange(interconnections):04d}" if on_tie else f"SUP-{i % suppliers:06d}",
                "scenario": f"Scenario {i}: an attacker abuses the vendor's remote support channel to reach control systems.",
                "threat_source": "Criminal or state-sponsored actor",
                "vulnerability": "Standing vendor access; shared credentials on jump hosts.",
                "likelihood": rng.randint(1, 5), "likelihood_rationale": "Active campaigns against comparable vendors.",
                "consequences": {c: rng.randint(1, 5) for c in rng.sample(["safety", "economic", "environmental", "reputational", "information"], 3)},
                "countermeasures": measures, "treatment": rng.choice(("reduce", "accept", "avoid", None)),
                "owner": f"Owner {i % 97}", "assessed_on": str(date(2025, 6, 1) + timedelta(days=rng.randint(0, 500))),
                "status": rng.choice(("open", "treating", "accepted", "closed")),
                "criteria_refs": ["ISO-28001:2007:A.3.4", "NIST-CSF:2.0:GV.SC-07"],
            })

    for kind, rows in ((RecordKind.suppliers, supplier_rows()), (RecordKind.interconnections, interconnection_rows()),
                       (RecordKind.risks, risk_rows())):
        report = service.import_rows(kind, rows)
        if report.rejects:
            raise SystemExit(f"generated {kind.value} rejected: {report.rejects[0].reason}")


# --- one measured run (in its own process) ------------------------------------------------
def run_once(mode: str, db: Path, out: Path) -> dict:
    from register.service import RegisterService

    started, cpu_started = time.perf_counter(), time.process_time()
    # As `register export` does: a snapshot of the register, read record by record.
    with RegisterService.open_snapshot(db, actor="bench") as service:
        opened_peak, opened_rss = _memory_mb("VmHWM"), _memory_mb("VmRSS")
        _reset_peak()
        counts = service.info().counts if mode == "open" else None
        if mode != "open":
            if mode in ("bare", "cells"):
                _swap_in_plain_writer(discard=mode == "cells")
            service.export_workbook(out, as_of=AS_OF, preparer="bench")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    work_peak = _memory_mb("VmHWM")
    return {"mode": mode, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mb": max(opened_peak, work_peak), "loaded_rss_mb": opened_rss,
            "work_peak_mb": work_peak, "bytes": out.stat().st_size if out.exists() else 0, "counts": counts}


def _memory_mb(field: str) -> float:
    """From /proc/self/status (getrusage's peak would include the forking parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise SystemExit("needs Linux /proc to measure memory")


def _reset_peak() -> None:
    """Restart VmHWM from the current RSS, so the export's own peak is seen apart from the parse's."""
    Path("/proc/self/clear_refs").write_text("5")


def _swap_in_plain_writer(discard: bool) -> None:
    """Make the exporter hand its cells to openpyxl as plain values (or drop them)."""
    from openpyxl.cell.cell import Cell

    import register.io.workbook as workbook
    from register.io.xlsx import SheetWriter

    class PlainSheetWriter(SheetWriter):
        def append(self, values):
            # The same cells the exporter writes: it leaves empty text out, too.
            row = [v.value if isinstance(v, Cell) else (None if v == "" else v) for v in values]
            if not discard:
                self.ws.append(row)
            self.rows_written += 1

        def append_styled(self, values, **_):
            self.append(values)

        def colour_bands(self, *args, **kwargs):
            pass

        def finish(self):
            pass

    def plain_save(book, path, moment):
        if discard:
            for ws in book.worksheets:
                ws.append([])
        book.save(path)

    workbook.SheetWriter = PlainSheetWriter
    workbook.save_reproducibly = plain_save


# --- driver -----------------------------------------------------------------------------
def measure(db: Path, work: Path, repeat: int) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {mode: [] for mode in MODES}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_ in range(repeat):
        for mode in MODES:
            out = work / f"{mode}-{round_}.xlsx"
            done = subprocess.run([sys.executable, __file__, "--run", mode, "--db", str(db), "--out", str(out)],
                                  capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                raise SystemExit(f"{mode} run failed:\n{done.stderr}")
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            results[mode].append(figures)
            print(f"  round {round_ + 1} {mode:6} {figures['seconds']:7.1f} s  cpu {figures['cpu_seconds']:7.1f} s  peak {figures['peak_rss_mb']:6.0f} MB  "
                  f"loaded {figures['loaded_rss_mb']:6.0f} MB  after loading {figures['work_peak_mb']:6.0f} MB  "
                  f"{figures['bytes'] / 1e6:6.1f} MB file", flush=True)
            out.unlink(missing_ok=True)
    return results


def table(results: dict[str, list[dict]], risks: int, suppliers: int | None, counts: dict, register_mb: float,
          repeat: int) -> str:
    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in results[mode])

    # Processor seconds compare fairly on a shared machine, where other work stretches wall time.
    export_s, bare_s, cells_s = (median(mode, "cpu_seconds") for mode in ("export", "bare", "cells"))
    labels = {
        "export": "register export (RegisterService.export_workbook)",
        "bare": "bare openpyxl write-only dump of the same cells",
        "cells": "producing the cells only (no writer)",
        "open": "opening a snapshot of the register and reading its info() (content hash)",
    }
    lines = [
        MANY_SUPPLIERS_HEADING if suppliers else HEADING, "",
        f"Machine: {os.cpu_count()}-core {platform.machine()}, Python {platform.python_version()}, "
        f"{date.today().isoformat()}; shared with other work, so the ratios use processor seconds (wall "
        f"seconds shown beside them). "
        f"Register: {counts['risks']:,} risks, {counts['suppliers']:,} suppliers, {counts['interconnections']:,} "
        f"interconnections ({register_mb:.0f} MB file). Medians of {repeat} runs, each in a fresh process, "
        f"alternating. Command: `PYTHONPATH=. python benchmarks/bench_export.py --risks {risks}"
        f"{f' --suppliers {suppliers}' if suppliers else ''} --repeat {repeat}`.",
        "",
        "| run | processor s | wall s | peak RSS (MB) | RSS with the register loaded (MB) | peak after loading (MB) "
        "| file (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode in MODES:
        size = median(mode, "bytes") / 1e6
        lines.append(f"| {labels[mode]} | {median(mode, 'cpu_seconds'):.1f} | {median(mode, 'seconds'):.1f} | "
                     f"{median(mode, 'peak_rss_mb'):.0f} | "
                     f"{median(mode, 'loaded_rss_mb'):.0f} | {median(mode, 'work_peak_mb'):.0f} | "
                     f"{f'{size:.1f}' if size else '–'} |")
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    lines += [
        "",
        f"Export / bare dump: **{export_s / bare_s:.2f}×** (goal ≤ 1.5×: {verdict(export_s <= 1.5 * bare_s)}); "
        f"export peak RSS **{median('export', 'peak_rss_mb'):.0f} MB** "
        f"(goal ≤ 400 MB: {verdict(median('export', 'peak_rss_mb') <= 400)}). "
        f"Writing alone (each minus producing the cells): {export_s - cells_s:.1f} s against {bare_s - cells_s:.1f} s, "
        f"{(export_s - cells_s) / max(bare_s - cells_s, 1e-9):.2f}×. "
        f"The export's own peak over the loaded register: "
        f"{median('export', 'work_peak_mb') - median('export', 'loaded_rss_mb'):.0f} MB; "
        f"opening the register alone peaks at {median('open', 'peak_rss_mb'):.0f} MB"
        + (", so the peak is reached while the store parses the register file, before the export begins."
           if median("open", "peak_rss_mb") >= median("export", "work_peak_mb") else "."),
        "",
    ]
    return "\n".join(lines)


def write_results(section: str) -> None:
    from common import replace_section

    replace_section(section, RESULTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--risks", type=int, default=100_000)
    parser.add_argument("--suppliers", type=int, help="Suppliers in the register (default: one per 20 risks).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Folder to keep (and reuse) the generated register in.")
    parser.add_argument("--no-write", action="store_true", help="Print the table; leave RESULTS.md alone.")
    parser.add_argument("--run", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build", type=int, metavar="RISKS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.db, args.build, args.suppliers)
        return
    if args.run:
        print(json.dumps(run_once(args.run, args.db, args.out)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-export-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / f"register-{args.risks}-{args.suppliers or 'default'}.json"
        if not db.exists():
            started = time.perf_counter()
            # In a child process, so this one stays small while it measures.
            subprocess.run([sys.executable, __file__, "--build", str(args.risks), "--db", str(db),
                            *(["--suppliers", str(args.suppliers)] if args.suppliers else [])], check=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
            print(f"built {db} in {time.perf_counter() - started:.0f} s", flush=True)
        results = measure(db, Path(scratch), args.repeat)
        section = table(results, args.risks, args.suppliers, results["open"][0]["counts"], db.stat().st_size / 1e6, args.repeat)
    print()
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
