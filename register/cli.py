"""The `register` command. Thin: parses options, calls RegisterService, prints results.

Headless subcommands never import Textual (tests/test_cli.py checks `sys.modules`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, NoReturn

import click

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from register.service import RegisterService

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REJECTS = 0, 1, 2, 3
KINDS = ("suppliers", "interconnections", "risks")
EXIT_CODES_HELP = """\b
Exit codes:
  0  success
  1  error: unreadable file, missing register, failed verification
  2  usage error (unknown option, bad argument)
  3  import finished but rejected some rows"""


def _echo(text: str = "", *, err: bool = False) -> None:
    """Print a line of text output. Register text (names, notes, reasons) may hold escape
    codes from an imported file: they are shown escaped, never sent to the terminal."""
    from register.domain.text import terminal_safe

    click.echo(terminal_safe(text, keep_newlines=True), err=err)


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    _echo(f"register: {message}", err=True)
    sys.exit(code)


def _print_json(value: Any) -> None:
    import orjson

    from register.domain.text import json_terminal_safe

    click.echo(json_terminal_safe(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()))


JSON_ROWS_PER_WRITE = 500


def _print_json_list(rows: Iterable[Any]) -> None:
    """`_print_json(list(rows))`, byte for byte, written as the rows arrive: each element is
    encoded alone and indented one level, so a listing of any length is never held whole."""
    import orjson

    from register.domain.text import json_terminal_safe

    option = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
    chunk: list[str] = []
    started = False
    for row in rows:
        chunk.append(",\n  " if started else "[\n  ")
        started = True
        chunk.append(orjson.dumps(row, option=option).decode().replace("\n", "\n  "))
        if len(chunk) >= 2 * JSON_ROWS_PER_WRITE:
            click.echo(json_terminal_safe("".join(chunk)), nl=False)
            chunk = []
    click.echo(json_terminal_safe("".join(chunk)) + ("\n]" if started else "[]"))


def _db_path(db: str | None) -> Any:
    """The register to use: a PostgreSQL URL as given, else a file path."""
    from register.paths import default_register_path

    if db and db.startswith(("postgresql://", "postgres://")):
        return db
    return Path(db).expanduser() if db else default_register_path()


def _register_location(db: str | None) -> Path | None:
    """The register file a command's outputs must never overwrite (symlinks followed); None
    for a register on a server."""
    import os

    location = _db_path(db)
    return Path(os.path.realpath(location)) if isinstance(location, Path) else None


def _open(db: str | None) -> RegisterService:
    from register.service import RegisterService

    return RegisterService.open(_db_path(db), actor=click.get_current_context().obj.get("actor"))


def _snapshot(db: str | None) -> AbstractContextManager[RegisterService]:
    """A read-only snapshot of the register, for commands that read it through once."""
    from register.service import RegisterService

    return RegisterService.open_snapshot(_db_path(db), actor=click.get_current_context().obj.get("actor"))


def review_import_options(command: Any) -> Any:
    """Options of `import --kind review`."""
    command = click.option("--reviewer", metavar="NAME", help="With --kind review: who reviewed the answers (default: --actor).")(command)
    return click.option("--supplier", metavar="ID", help="With --kind review: the supplier the questionnaire is from.")(command)


def _global_db(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A command's --db, else the one given before the subcommand (`register --db X list`),
    else REGISTER_PATH: a --db on the command line wins over the environment wherever it is."""
    from click.core import ParameterSource

    given = (ctx.find_root().obj or {}).get("db")
    if given and ctx.get_parameter_source(param.name or "db") is not ParameterSource.COMMANDLINE:
        return given
    return value


db_option = click.option(
    "--db", "db", metavar="PATH|URL", envvar="REGISTER_PATH", show_envvar=True, callback=_global_db,
    help="Register file, or postgresql://host/dbname for a team register on PostgreSQL "
         "(default: REGISTER_PATH, else register.json in the per-user data folder). "
         "Also accepted before the subcommand.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


GLOBAL_OPTIONS_HELP = "Global options (--actor, --db, --debug) go before or after the subcommand."


@click.group(invoke_without_command=True, epilog=EXIT_CODES_HELP, help=(
    "A supply-chain risk register scored with a method built on ISO 28001.\n\n" + GLOBAL_OPTIONS_HELP))
@click.option("--debug", is_flag=True, help="Show a traceback when something fails.")
@click.option("--actor", envvar="REGISTER_ACTOR", metavar="NAME", help="Who the audit log records as making changes (default: login name).")
@click.option("--db", "db", metavar="PATH|URL", help="The register for the subcommand (as its own --db).")
@click.version_option(package_name="register")
@click.pass_context
def cli(ctx: click.Context, debug: bool, actor: str | None, db: str | None) -> None:
    ctx.ensure_object(dict)
    ctx.obj.update(debug=debug, actor=actor, db=db)
    if ctx.invoked_subcommand is None:
        _run_tui(_db_path(db), actor)


@cli.command()
@click.argument("path", metavar="PATH|URL", type=click.Path(dir_okay=False))
@click.option("--name", help="Register name (default: the file name, or the database name).")
@click.option("--scope", default="", help="Scope of the assessment (ISO 28001 5.2).")
@click.pass_obj
def init(obj: dict, path: str, name: str | None, scope: str) -> None:
    """Create an empty register at PATH (refuses to overwrite). With postgresql://host/dbname
    it is created in that database (schema "register"), with the roles register_reader,
    register_editor and register_admin."""
    from register.service import RegisterService

    service = RegisterService.create(_db_path(path), name=name, scope=scope, actor=obj.get("actor"))
    _echo(f"created register {service.info().name!r} at {service.path}")


@cli.command()
@click.argument("source", metavar="SOURCE")
@click.argument("destination", metavar="DEST")
@json_option
def copy(source: str, destination: str, as_json: bool) -> None:
    """Copy a register, every record and its whole audit chain, between a file and PostgreSQL
    (either way). DEST must not exist yet; the copy has the same audit head."""
    from register.service import RegisterService

    shown_source, info = RegisterService.copy(_db_path(source), _db_path(destination))
    if as_json:
        _print_json({"source": shown_source, "destination": str(info.path), "counts": info.counts,
                     "audit_entries": info.audit_entries, "audit_head": info.audit_head, "content_hash": info.content_hash})
        return
    _echo(f"copied {shown_source} to {info.path}: {info.audit_entries} audit entries, head {info.audit_head}")


@cli.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option("--kind", type=click.Choice(KINDS + ("review",)), help="What the file holds (default: guessed from its headers).")
@click.option("--sheet", help="Worksheet to read (default: the one whose header matches best).")
@click.option("--map", "mappings", multiple=True, metavar='"HEADER=FIELD"',
              help='Map a column to a field, overriding the guess ("HEADER=-" ignores the column). Repeatable.')
@click.option("--day-first", "date_order", flag_value="day-first", help="Read ambiguous dates like 03/04/2027 as 3 April.")
@click.option("--month-first", "date_order", flag_value="month-first", help="Read ambiguous dates like 03/04/2027 as March 4.")
@click.option("--decimal", type=click.Choice(("point", "comma")),
              help="The file's decimal mark, for numbers like 1,500 that its columns cannot settle (default: proven per column).")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), metavar="OUT.xlsx",
              help="Write the rejected rows, as the file had them, with a reason column.")
@click.option("--save-mapping", is_flag=True, help="Remember this header mapping; files with the same header row reuse it.")
@click.option("--blank-clears", is_flag=True,
              help="A blank cell clears its field (default: a blank cell leaves the stored value; absent columns never change anything).")
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--strict", is_flag=True, help="Write nothing if any row is rejected.")
@review_import_options  # --kind review --supplier ID [--reviewer NAME]
@json_option
def import_(
    file: Path, db: str | None, kind: str | None, sheet: str | None, mappings: tuple[str, ...], date_order: str | None,
    decimal: str | None, rejects_path: Path | None, save_mapping: bool, blank_clears: bool, dry_run: bool, strict: bool,
    as_json: bool,
    supplier: str | None, reviewer: str | None,
) -> None:
    """Import suppliers, interconnections or risks from FILE (.xlsx, .xlsm, .xls, .ods, .csv,
    .tsv), upserting by id. Headers in English, Spanish or French are recognised. An update
    changes only the fields FILE has columns for, and a blank cell keeps the stored value
    (unless --blank-clears); the report lists every field changed. With --kind review
    --supplier ID, FILE is a filled-in supplier questionnaire."""
    if kind == "review":  # a filled-in questionnaire, see _import_review
        _import_review(file, db, supplier, reviewer, dry_run, as_json)
    from register.domain.models import RecordKind

    from register.errors import TableNotFound

    overrides = _parse_mappings(mappings)
    service = _open(db)
    with _import_progress(enabled=not as_json) as on_progress:
        try:
            report = service.import_file(
                file, RecordKind(kind) if kind else None, sheet=sheet, dry_run=dry_run, strict=strict,
                overrides=overrides, date_order=date_order, on_progress=on_progress, rejects_path=rejects_path,
                save_mapping=save_mapping, decimal=decimal, blank_clears=blank_clears,
            )
        except TableNotFound as exc:
            _fail(f'{exc} (use --map "Your header=supplier_id", or --kind)')
    if as_json:
        _print_json(report.as_dict())
    else:
        _print_import_report(report, dry_run=dry_run, strict=strict)
    sys.exit(EXIT_REJECTS if report.rejects else EXIT_OK)


def _parse_mappings(mappings: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for item in mappings:
        header, separator, name = item.rpartition("=")
        if not separator or not header.strip() or not name.strip():
            raise click.BadParameter(f'{item!r} is not "HEADER=FIELD"', param_hint="--map")
        overrides[header.strip()] = name.strip()
    return overrides


def _import_progress(enabled: bool) -> Any:
    """A progress bar on stderr when it is a terminal; otherwise no callback at all."""
    import contextlib

    if not enabled or not sys.stderr.isatty():
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def bar() -> Any:
        state: dict[str, Any] = {}

        def on_progress(done: int, total: int | None) -> None:
            if "bar" not in state:
                state["bar"] = click.progressbar(length=total or 0, label="importing rows", file=sys.stderr)
                state["bar"].__enter__()
            state["bar"].update(done - state.get("done", 0))
            state["done"] = done

        try:
            yield on_progress
        finally:
            if "bar" in state:
                state["bar"].__exit__(None, None, None)

    return bar()


CHANGES_SHOWN = 200  # beyond this the text report says how many more; --json lists them all


def _print_changes(changes: list[dict[str, Any]], *, would: bool) -> None:
    from register.domain.tabular import change_text

    if not changes:
        return
    _echo(f"fields {'that would change' if would else 'changed'} ({len(changes)}):")
    for change in changes[:CHANGES_SHOWN]:
        _echo(f"  {change['id']} {change_text(change)}")
    if len(changes) > CHANGES_SHOWN:
        _echo(f"  … and {len(changes) - CHANGES_SHOWN} more (--json lists every one)")


def _print_import_report(report: Any, *, dry_run: bool, strict: bool) -> None:
    from register.errors import DECLARE_DATE_ORDER, DECLARE_DECIMAL

    source = report.source
    verb = "would import" if dry_run else "imported"
    where = f"sheet {source['sheet']!r}, " if source.get("sheet") else ""
    _echo(f"read {source['file']} ({where}header on row {source['header_row']})")
    exact = [h for h, used in source["mapping"].items() if used["how"] == "exact"]
    if exact:
        _echo(f"  {len(exact)} columns matched by name: {', '.join(exact)}")
    for header, used in source["mapping"].items():
        if used["how"] != "exact":
            _echo(f"  {header} → {used['field']} ({used['how']}, confidence {used['confidence']:.2f})")
    if source["unmapped"]:
        _echo(f"  ignored columns: {', '.join(source['unmapped'])}")
    conventions = {header: label for header, label in source.get("numbers", {}).items() if label}
    if conventions:
        _echo("  numbers read as: " + ", ".join(f"{header} {label}" for header, label in conventions.items()))
    _echo(
        f"{verb} {report.accepted} of {report.total} {report.kind.value} "
        f"({report.created} new, {report.updated} updated, {report.unchanged} unchanged); {report.rejected} rejected"
    )
    for reject in report.rejects:
        sheet = f"{reject.sheet}!" if reject.sheet else ""
        _echo(f"  {sheet}row {reject.row} [{reject.id or '-'}] {reject.reason}")
    if any(DECLARE_DECIMAL in reject.reason for reject in report.rejects):
        _echo("--decimal point or --decimal comma declares the file's decimal mark")
    if any(DECLARE_DATE_ORDER in reject.reason for reject in report.rejects):
        _echo("--day-first or --month-first declares how the file writes dates")
    for warning in report.warnings:
        _echo(f"  warning: row {warning['row']} [{warning['id'] or '-'}] {warning['column']} {warning['reason']}")
    _print_changes(report.changes, would=dry_run or bool(strict and report.rejects))
    if source.get("blank_cells") == "clear":
        _echo("blank cells cleared their fields (--blank-clears)")
    if strict and report.rejects:
        _echo("nothing written (--strict)")
    if source.get("rejects_file"):
        _echo(f"rejected rows written to {source['rejects_file']}")


_TABLE_COLUMNS = {
    "suppliers": ["supplier_id", "name", "hq_country", "parent_country", "category", "criticality", "extra_hemispheric", "worst_residual_score",
                  "partner_status", "cyber_review_status"],
    "interconnections": ["interconnection_id", "name", "from_country", "to_country", "type", "capacity_mw", "worst_residual_score"],
    "risks": ["risk_id", "subject_id", "likelihood", "consequence", "inherent_score", "inherent_band", "residual_score", "residual_band", "status",
              "acceptance_state"],
}


@cli.command(name="list")
@click.argument("kind", type=click.Choice(KINDS))
@db_option
@json_option
def list_(kind: str, db: str | None, as_json: bool) -> None:
    """List the suppliers, interconnections or risks of a register."""
    from register.domain.models import RecordKind

    invalid: list[Any] = []  # records edited outside the register: named, the others still listed
    # One committed version, read record by record: --json prints each row as it is read.
    with _snapshot(db) as service:
        rows = service.iter_listing(RecordKind(kind), invalid=invalid)
        if as_json:
            _print_json_list(rows)
        else:
            _print_table(_TABLE_COLUMNS[kind], list(rows))
    for problem in invalid:
        _echo(f"register: {problem}", err=True)
    if invalid:
        sys.exit(EXIT_ERROR)


def _print_table(columns: list[str], rows: list[dict[str, Any]]) -> None:
    from register.domain.text import terminal_safe

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else ""
        return terminal_safe(str(value))  # a line break in a value would break the table

    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [min(40, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(columns)]
    _echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for r in cells:
        _echo("  ".join(v[:w].ljust(w) for v, w in zip(r, widths)).rstrip())
    _echo(f"({len(rows)} records)")


@cli.command(epilog="""\b
Without an anchor, verify proves the register agrees with itself. With --head or --against it
also proves that nothing before the anchored entry changed: the register is that state or a
later one extending it.""")
@db_option
@click.option("--head", "head", metavar="HASH", help="An audit head kept elsewhere (register info prints it).")
@click.option("--against", "against", metavar="WORKBOOK.xlsx", type=click.Path(dir_okay=False, path_type=Path),
              help="An exported auditor workbook: verify against the audit head it recorded.")
@json_option
def verify(db: str | None, head: str | None, against: Path | None, as_json: bool) -> None:
    """Check the audit chain, every record against its last logged state, its model and the
    method, and (with an anchor) that nothing before the anchored entry changed."""
    import re

    from register.errors import RegisterCorrupt

    if head is not None and against is not None:
        _fail("give --head or --against, not both", EXIT_USAGE)
    if head is not None and not re.fullmatch(r"[0-9a-f]{64}", head.strip().lower()):
        _fail("--head takes the 64-hex-digit audit head that register info prints", EXIT_USAGE)
    with _snapshot(db) as service:  # read record by record: a register of any size verifies in little memory
        anchor = service.head_anchor(head) if head is not None else service.workbook_anchor(against) if against is not None else None
        problems = service.verify(anchor)
        try:
            info = service.info()
        except RegisterCorrupt:  # a damaged line has no hash to give; verify has named it
            info = None
    if as_json:
        _print_json({
            "ok": not problems,
            "audit_entries": None if info is None else info.audit_entries,
            "audit_head": None if info is None else info.audit_head,
            "content_hash": None if info is None else info.content_hash,
            "anchor": None if anchor is None else {"head": anchor.head, "entries": anchor.entries, "source": anchor.source},
            "problems": [str(p) for p in problems],
        })
    elif problems or info is None:
        for problem in problems:
            _echo(f"problem: {problem}", err=True)
        _echo(f"register: {len(problems)} problem(s) in {service.path}", err=True)
    else:
        _echo(f"ok: {info.audit_entries} audit entries chain intact; every record matches its last logged state, "
                   "its model and the method")
        if anchor is not None:
            _echo(f"ok: nothing before the anchored entry ({anchor.source}: {anchor.head}) changed")
        else:
            _echo("(no anchor: this proves internal consistency only; see register verify --help)")
        _echo(f"audit head {info.audit_head}")
    sys.exit(EXIT_ERROR if problems or info is None else EXIT_OK)


@cli.command()
@db_option
@json_option
def info(db: str | None, as_json: bool) -> None:
    """Summarise a register: counts, method, hashes."""
    with _snapshot(db) as service:
        _summarise(service, as_json)


@cli.command()
@click.option("--adopt", is_flag=True, help="Score from now on with this program's method (stored risks keep the version that scored them).")
@db_option
@json_option
def method(adopt: bool, db: str | None, as_json: bool) -> None:
    """Show the register's scoring method version and its rules; --adopt moves it to this program's."""
    service = _open(db)
    adopted = service.adopt_method() if adopt else False
    current = service.method
    summary = {
        "method_version": current.method_version, "adopted": adopted,
        "credit_steps": list(current.credit_steps), "max_steps_per_factor": current.max_steps_per_factor,
        "test_validity_months": current.test_validity_months, "consequence_credit": current.consequence_credit,
        "acceptance_rules": [{"band": r.band, "roles": list(r.roles)} for r in current.acceptance_rules],
        "acceptance_max_months": current.acceptance_max_months, "review_pass_mark": current.review_pass_mark,
    }
    if as_json:
        _print_json(summary)
        return
    if adopted:
        _echo(f"the register now scores with method {current.method_version}; stored risks keep the version that scored them "
              "until they are saved again, and verify recomputes each with its own")
    _echo(f"method {current.method_version}: credit steps by effectiveness {', '.join(f'{v:g}' for v in current.credit_steps)}; "
          f"tests count within {current.test_validity_months or 'any number of'} months; consequence credit {current.consequence_credit}")


def _summarise(service: RegisterService, as_json: bool) -> None:
    info = service.info()
    bands = service.residual_bands()
    summary = {
        "path": str(info.path), "name": info.name, "scope": info.scope, "schema_version": info.schema_version,
        "method_version": info.method_version, "counts": info.counts,
        "residual_bands": bands.known,
        "content_hash": info.content_hash, "audit_head": info.audit_head, "audit_entries": info.audit_entries,
    }
    if bands.unknown:  # risks scored under another method version: counted, never dropped
        summary["other_residual_bands"] = bands.unknown
    if as_json:
        _print_json(summary)
        return
    _echo(f"{info.name} — {info.path}")
    if info.scope:
        _echo(f"scope: {info.scope}")
    _echo(", ".join(f"{n} {k}" for k, n in info.counts.items()))
    _echo("residual bands: " + ", ".join(f"{k} {n}" for k, n in summary["residual_bands"].items()))
    if bands.unknown:
        _echo("bands not in this method: " + ", ".join(f"{k} {n}" for k, n in bands.unknown.items()))
    _echo(f"method {info.method_version}; {info.audit_entries} audit entries")
    _echo(f"audit head {info.audit_head} (keep it elsewhere: register verify --head HASH proves nothing before it changed)")


@cli.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), help="Where to write (default: the source tree's schemas/).")
@click.option("--check", is_flag=True, help="Exit 1 if the schemas on disk are stale; write nothing.")
@db_option
def schema(directory: Path | None, check: bool, db: str | None) -> None:
    """Write the JSON Schema of each record kind (one file per kind)."""
    from register.service.schemas import schemas_dir, stale_schemas, write_schemas

    target = directory or schemas_dir()
    if check:
        stale = stale_schemas(target)
        if stale:
            _fail(f"schemas in {target} are stale: {', '.join(stale)} (run: register schema)")
        _echo(f"schemas in {target} are up to date")
        return
    written = write_schemas(target, register=_register_location(db))
    _echo(f"wrote {written} schemas to {target}")


@cli.command()
@click.option("--path", "path", type=click.Path(dir_okay=False, path_type=Path), help="Where to build it (default: the per-user data folder).")
@click.option("--summary", is_flag=True, help="Print the demo register's summary instead of opening the app.")
@click.pass_obj
def demo(obj: dict, path: Path | None, summary: bool) -> None:
    """Build a fresh demo register from samples/ and open it."""
    from register.service.demo import build_demo
    from register.paths import demo_register_path

    service = build_demo(path or demo_register_path(), actor=obj.get("actor"))
    if summary:
        _summarise(service, as_json=False)
    else:
        _run_tui(service.path, obj.get("actor"))


# --- terminal app: the only commands that import Textual, and only when run ----------------
@cli.command()
@db_option
@click.pass_obj
def tui(obj: dict, db: str | None) -> None:
    """Open the terminal app on a register."""
    _run_tui(_db_path(db), obj.get("actor"))


def _run_tui(path: Any, actor: str | None) -> None:
    from register.errors import RegisterNotFound

    if isinstance(path, Path) and not path.is_file():
        raise RegisterNotFound(
            f"no register at {path}; create one with `register init {path}` or try the demo with `register demo`"
        )
    from register.tui.app import run_app

    run_app(path, actor=actor)


# --- performance reviews and questionnaires ------------------------------------------------
def _import_review(file: Path, db: str | None, supplier: str | None, reviewer: str | None, dry_run: bool, as_json: bool) -> NoReturn:
    if not supplier:
        _fail("--kind review needs --supplier ID (the supplier the questionnaire is from)", EXIT_USAGE)
    report = _open(db).import_questionnaire(file, supplier, reviewer=reviewer, dry_run=dry_run)
    if as_json:
        _print_json(report.as_dict())
    else:
        verb = "would record" if dry_run else "recorded"
        if report.review_id is None:
            _echo(f"no usable answer in {report.total} rows; no review recorded")
        elif report.outcome == "unchanged":
            _echo(f"the same answers are already recorded in review {report.review_id}; nothing written")
        else:
            share = report.conformance["conformance"] if report.conformance else None
            _echo(f"{verb} review {report.review_id} of {supplier} ({report.review_status}): {report.accepted} of "
                       f"{report.total} rows answered; {report.rejected} rejected; conformance "
                       f"{'n/a' if share is None else f'{share:.1%}'}")
        for reject in report.rejects:
            _echo(f"  row {reject.row} [{reject.id or '-'}] {reject.reason}")
        if report.missing:
            _echo(f"  not in the file: {', '.join(report.missing)}")
    sys.exit(EXIT_REJECTS if report.rejects else EXIT_OK)


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--supplier", required=True, metavar="ID", help="The supplier to prepare it for.")
@click.option("--lang", type=click.Choice(("en", "es", "fr")), default="en", show_default=True, help="Language of the workbook.")
@db_option
@json_option
def questionnaire(out: Path, supplier: str, lang: str, db: str | None, as_json: bool) -> None:
    """Write a security questionnaire workbook (.xlsx) for a supplier to fill in."""
    count = _open(db).write_questionnaire(out, supplier, lang)
    if as_json:
        _print_json({"path": str(out), "supplier_id": supplier, "lang": lang, "criteria": count})
        return
    _echo(f"wrote {out} with {count} criteria for {supplier} ({lang}); read it back with: register import {out} --kind review --supplier {supplier}")


@cli.group()
def review() -> None:
    """Performance reviews of suppliers and interconnections (ISO 28001 4.5)."""


@review.command(name="list")
@click.option("--subject", metavar="ID", help="Only reviews of this supplier or interconnection.")
@db_option
@json_option
def review_list(subject: str | None, db: str | None, as_json: bool) -> None:
    """List reviews with their overall conformance and gap count."""
    service = _open(db)
    rows = []
    for item in service.reviews(subject_id=subject):
        summary = service.review_summary(item.review_id)
        rows.append({key: summary[key] for key in ("review_id", "subject_type", "subject_id", "reviewed_on", "reviewer", "status")}
                    | {"conformance": summary["conformance"]["conformance"], "gaps": len(summary["gaps"])})
    if as_json:
        _print_json(rows)
        return
    _print_table(["review_id", "subject_id", "reviewed_on", "reviewer", "status", "conformance", "gaps"], rows)


@review.command(name="show")
@click.argument("review_id")
@db_option
@json_option
def review_show(review_id: str, db: str | None, as_json: bool) -> None:
    """Show one review: conformance per category, gaps and every rating."""
    service = _open(db)
    summary = service.review_summary(review_id)
    if as_json:
        _print_json(summary)
        return

    def percent(figures: dict[str, Any]) -> str:
        return "n/a" if figures["conformance"] is None else f"{figures['conformance']:.1%}"

    _echo(f"{summary['review_id']}: {summary['subject_type']} {summary['subject_id']} on {summary['reviewed_on']} "
               f"by {summary['reviewer']} ({summary['status']}; catalogue {summary['catalogue_version']})")
    _echo(f"overall conformance {percent(summary['conformance'])} "
               f"({summary['conformance']['earned']:g} of {summary['conformance']['possible']} weight)")
    for category, figures in summary["conformance_by_category"].items():
        _echo(f"  {category:<24} {percent(figures):>7}  ({figures['earned']:g}/{figures['possible']})")
    _echo(f"gaps ({len(summary['gaps'])}): " + (", ".join(
        g["criterion_id"] + (f" → {g['risk_id']}" if g["risk_id"] else "") for g in summary["gaps"]) or "none"))
    _print_table(["criterion_id", "requirement", "weight", "rating", "evidence", "note"], summary["ratings"])


@review.command(name="open-risk")
@click.argument("review_id")
@click.argument("criterion_id")
@click.option("--likelihood", type=click.IntRange(1, 5), required=True, help="Likelihood 1–5, ignoring existing countermeasures.")
@click.option("--consequence", "consequences", multiple=True, required=True, metavar="CATEGORY=N",
              help="Consequence rating per category, e.g. information=4 (repeatable).")
@click.option("--risk-id", help="Id of the new risk (default: RISK-<review>-<criterion>).")
@db_option
@json_option
def review_open_risk(review_id: str, criterion_id: str, likelihood: int, consequences: tuple[str, ...], risk_id: str | None,
                     db: str | None, as_json: bool) -> None:
    """Open a risk from a gap of a review, pre-filled with its scenario and a suggested countermeasure."""
    ratings = {}
    for item in consequences:
        category, _, value = item.partition("=")
        if not value.strip().isdigit():
            _fail(f"--consequence takes CATEGORY=N, e.g. information=4, not {item!r}", EXIT_USAGE)
        ratings[category.strip()] = int(value)
    risk = _open(db).open_risk_from_gap(review_id, criterion_id.upper(), likelihood=likelihood, consequences=ratings, risk_id=risk_id)
    if as_json:
        _print_json(risk.model_dump(mode="json"))
    else:
        _echo(f"opened {risk.risk_id}: {risk.scenario} (residual {risk.residual_score}, {risk.residual_band})")

# --- screening, ISO 28001 partner status and exposure --------------------------------------

def _hit_line(hit: dict[str, Any]) -> str:
    line = f"{hit['hit']}  {hit['status']:<9}  {hit['score']:>5}  {hit['list']}: {hit['entity']}  ({hit['matched']})"
    if hit.get("why"):
        line += f"\n    why: {hit['why']}"
    if hit.get("reopened"):
        line += f"\n    re-opened: {hit['reopened']}"
    if hit.get("reason"):
        line += f"\n    reason: {hit['reason']}"
    if hit.get("caveat"):
        line += f"\n    caveat: {hit['caveat']}"
    return line


@cli.group(invoke_without_command=True)
@db_option
@click.option("--list", "list_files", metavar="FILE", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="External list (.csv/.xlsx: name, aliases, source, date columns) to keep and screen against; repeatable.")
@json_option
@click.pass_context
def screen(ctx: click.Context, db: str | None, list_files: tuple[Path, ...], as_json: bool) -> None:
    """Screen every supplier (name and parent name) against the FCC Covered List, NDAA §889 and
    any external lists; hits stay potential until confirmed or dismissed. A no-match is not a
    safe harbour."""
    if ctx.invoked_subcommand is not None:
        return
    service = _open(db)
    run = service.screen(list_files)
    hits = service.screening_hits()
    if as_json:
        _print_json({**{k: v for k, v in run.items() if k != "hits"}, "hits": [h for rows in hits.values() for h in rows]})
        return
    _echo(f"{run['run']}: screened {run['suppliers_screened']} suppliers at {run['at']}")
    _echo(f"  matching: {run['matching']}")
    for name, version in run["normalisation"].items():
        _echo(f"  {name.replace('_', ' ')}: {version}")
    for used in run["lists"]:
        _echo(f"  list {used['name']} ({used['entities']} entities, dated {used['dated'] or 'undated'}) sha256 {used['sha256']}")
    for _, rows in sorted(hits.items()):
        for hit in rows:
            _echo(_hit_line(hit))
    _echo(f"({sum(map(len, hits.values()))} hits; confirm or dismiss with: register screen confirm|dismiss HIT --reason TEXT)")


def _decision_command(name: str, decision: str, summary: str, reason_help: str) -> click.Command:
    @screen.command(name=name, help=f"{summary} (HIT is an id as `register screen` prints it).")
    @click.argument("hit")
    @click.option("--reason", required=True, help=reason_help)
    @db_option
    @json_option
    def command(hit: str, reason: str, db: str | None, as_json: bool) -> None:
        shown = _open(db).decide_hit(hit, decision, reason)
        if as_json:
            _print_json(shown)
        else:
            _echo(_hit_line(shown))

    return command


confirm = _decision_command("confirm", "confirmed", "Confirm a screening hit", "Why: the evidence that the supplier is the listed entity.")
dismiss = _decision_command("dismiss", "dismissed", "Dismiss a screening hit as a false match", "Why: the evidence that the supplier is not the listed entity.")


as_of_option = click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date to assess on (YYYY-MM-DD; default: today).")


@cli.command()
@db_option
@as_of_option
@json_option
def soa(db: str | None, as_of: Any, as_json: bool) -> None:
    """Statement of Application (ISO 28001 4.1): every business partner with its status and basis."""
    rows = _open(db).statement_of_application(as_of.date() if as_of else None)
    if as_json:
        _print_json(rows)
        return
    _print_table(["supplier_id", "name", "partner_status", "next_review_on", "partner_basis"], rows)


@cli.command()
@db_option
@as_of_option
@json_option
def exposure(db: str | None, as_of: Any, as_json: bool) -> None:
    """Extra-hemispheric share, concentration by country and category, and the ICT suppliers
    each interconnection depends on, with their flags. Spend is per currency (no conversion)."""
    report = _open(db).exposure(as_of.date() if as_of else None)
    if as_json:
        _print_json(report)
        return
    _print_exposure(report)


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.1%}"


def _print_exposure(report: dict[str, Any]) -> None:
    outside = report["extra_hemispheric"]
    _echo(f"extra-hemispheric suppliers: {outside['extra_hemispheric']} of {outside['suppliers']} ({_pct(outside['share_by_count'])})")
    for currency, spend in outside["spend_by_currency"].items():
        _echo(f"  spend {currency}: {spend['extra_hemispheric']:,.2f} of {spend['total']:,.2f} ({_pct(spend['share'])})")
    if outside["suppliers_without_spend"]:
        _echo(f"  {outside['suppliers_without_spend']} suppliers have no stated spend")
    _echo("by HQ country: " + ", ".join(f"{r['hq_country']} {r['suppliers']} ({_pct(r['share_by_count'])})" for r in report["by_hq_country"]))
    _echo("by category: " + ", ".join(
        f"{r['category']} {r['suppliers']}{' SINGLE-SOURCE' if r['single_source'] else ''}" for r in report["by_category"]))
    for tie in report["interconnections"]:
        marker = "FLAGGED " if tie["flagged"] else ""
        _echo(f"{marker}{tie['interconnection_id']} {tie['name']} ({tie['from_country']}–{tie['to_country']})")
        for dep in tie["ict_suppliers"]:
            flags = [f for f, on in (("extra-hemispheric", dep["extra_hemispheric"]), ("screening hit", bool(dep["screening"]))) if on]
            _echo(f"  {dep['supplier_id']} {dep['name']} [{dep['hq_country']}/{dep['parent_country']}] partner {dep['partner_status']}"
                       + (f"  [flag: {', '.join(flags)}]" if flags else ""))


# --- auditor workbook export ---------------------------------------------------------------
@cli.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Date the reviews are judged against and the file is stamped with (default: today).")
@click.option("--preparer", metavar="NAME", help="Who prepared the workbook (default: the actor).")
@json_option
def export(out: Path, db: str | None, as_of: Any, preparer: str | None, as_json: bool) -> None:
    """Write the auditor workbook OUT.xlsx: summary, method, risks with live recomputation,
    suppliers, interconnections, heat map, reviews and the audit trail."""
    # A snapshot, not an open register: the export reads records from disk as it writes them.
    with _snapshot(db) as service:
        result = service.export_workbook(out, as_of=as_of.date() if as_of else None, preparer=preparer)
    if as_json:
        _print_json(result.as_dict())
        return
    rows = ", ".join(f"{name} {count}" for name, count in result.sheets.items())
    _echo(f"wrote {result.path} ({result.bytes:,} bytes; sha256 {result.sha256})")
    _echo(f"rows: {rows}")


def _set_actor(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(dict)
        ctx.obj["actor"] = value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(dict)
        ctx.obj["debug"] = True


def _accept_global_options(group: click.Group) -> None:
    """Let every subcommand take --actor and --debug after its name too (`register import
    f.csv --actor ana`), meaning what they mean before it; --db is each command's own."""
    for command in group.commands.values():
        names = {name for param in command.params for name in getattr(param, "opts", [])}
        if "--actor" not in names:
            command.params.append(click.Option(["--actor", "global_actor"], metavar="NAME", expose_value=False,
                                               callback=_set_actor, is_eager=True,
                                               help="Who the audit log records (as before the subcommand)."))
        if "--debug" not in names:
            command.params.append(click.Option(["--debug", "global_debug"], is_flag=True, expose_value=False,
                                               callback=_set_debug, is_eager=True,
                                               help="Show a traceback when something fails."))
        if isinstance(command, click.Group):
            _accept_global_options(command)


_accept_global_options(cli)


def main() -> None:
    debug = "--debug" in sys.argv[1:]
    from register.errors import RegisterError

    try:
        cli.main(prog_name="register", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", EXIT_ERROR)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        # Usage errors keep click's usage line; others are one line.
        exc.show()
        sys.exit(exc.exit_code if exc.exit_code else EXIT_USAGE)
    except RegisterError as exc:
        if debug:
            raise
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written by the interrupted step", 130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence before a traceback
        if debug:
            raise
        _fail(f"unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)")
