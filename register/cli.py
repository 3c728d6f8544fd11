"""The `register` command. Thin: parses options, calls RegisterService, prints results.

Headless subcommands never import Textual (tests/test_cli.py checks `sys.modules`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from register.service import RegisterService

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REJECTS = 0, 1, 2, 3
KINDS = ("suppliers", "interconnections", "risks")
EXIT_CODES_HELP = """\b
Exit codes:
  0  success
  1  error: unreadable file, missing register, failed verification
  2  usage error (unknown option, bad argument)
  3  import finished but rejected some rows"""


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    click.echo(f"register: {message}", err=True)
    sys.exit(code)


def _print_json(value: Any) -> None:
    import orjson

    click.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode())


def _db_path(db: str | None) -> Path:
    from register.paths import default_register_path

    return Path(db).expanduser() if db else default_register_path()


def _open(db: str | None) -> RegisterService:
    from register.service import RegisterService

    return RegisterService.open(_db_path(db), actor=click.get_current_context().obj.get("actor"))


db_option = click.option(
    "--db", "db", metavar="PATH", envvar="REGISTER_PATH", show_envvar=True,
    help="Register file (default: REGISTER_PATH, else register.json in the per-user data folder).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


@click.group(invoke_without_command=True, epilog=EXIT_CODES_HELP)
@click.option("--debug", is_flag=True, help="Show a traceback when something fails.")
@click.option("--actor", envvar="REGISTER_ACTOR", metavar="NAME", help="Who the audit log records as making changes (default: login name).")
@click.version_option(package_name="register")
@click.pass_context
def cli(ctx: click.Context, debug: bool, actor: str | None) -> None:
    """A supply-chain risk register scored with a method built on ISO 28001."""
    ctx.ensure_object(dict)
    ctx.obj.update(debug=debug, actor=actor)
    if ctx.invoked_subcommand is None:
        _run_tui(_db_path(None), actor)


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--name", help="Register name (default: the file name).")
@click.option("--scope", default="", help="Scope of the assessment (ISO 28001 5.2).")
@click.pass_obj
def init(obj: dict, path: str, name: str | None, scope: str) -> None:
    """Create an empty register at PATH (refuses to overwrite)."""
    from register.service import RegisterService

    service = RegisterService.create(path, name=name, scope=scope, actor=obj.get("actor"))
    click.echo(f"created register {service.info().name!r} at {service.path}")


@cli.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option("--kind", type=click.Choice(KINDS), help="What the file holds (default: guessed from its id column).")
@click.option("--sheet", help="Worksheet to read (default: the first).")
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--strict", is_flag=True, help="Write nothing if any row is rejected.")
@json_option
def import_(file: Path, db: str | None, kind: str | None, sheet: str | None, dry_run: bool, strict: bool, as_json: bool) -> None:
    """Import suppliers, interconnections or risks from a .csv or .xlsx FILE (upsert by id)."""
    from register.domain.models import RecordKind
    from register.io.importer import import_file

    service = _open(db)
    report = import_file(service, file, RecordKind(kind) if kind else None, sheet=sheet, dry_run=dry_run, strict=strict)
    if as_json:
        _print_json(report.as_dict())
    else:
        verb = "would import" if dry_run else "imported"
        click.echo(
            f"{verb} {report.accepted} of {report.total} {report.kind.value} "
            f"({report.created} new, {report.updated} updated, {report.unchanged} unchanged); {report.rejected} rejected"
        )
        for reject in report.rejects:
            click.echo(f"  row {reject.row} [{reject.id or '-'}] {reject.reason}")
        if strict and report.rejects:
            click.echo("nothing written (--strict)")
    sys.exit(EXIT_REJECTS if report.rejects else EXIT_OK)


_TABLE_COLUMNS = {
    "suppliers": ["supplier_id", "name", "hq_country", "parent_country", "category", "criticality", "extra_hemispheric", "worst_residual_score"],
    "interconnections": ["interconnection_id", "name", "from_country", "to_country", "type", "capacity_mw", "worst_residual_score"],
    "risks": ["risk_id", "subject_id", "likelihood", "consequence", "inherent_score", "inherent_band", "residual_score", "residual_band", "status"],
}


@cli.command(name="list")
@click.argument("kind", type=click.Choice(KINDS))
@db_option
@json_option
def list_(kind: str, db: str | None, as_json: bool) -> None:
    """List the suppliers, interconnections or risks of a register."""
    from register.domain.models import RecordKind

    rows = _open(db).listing(RecordKind(kind))
    if as_json:
        _print_json(rows)
        return
    _print_table(_TABLE_COLUMNS[kind], rows)


def _print_table(columns: list[str], rows: list[dict[str, Any]]) -> None:
    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else ""
        return str(value)

    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [min(40, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for r in cells:
        click.echo("  ".join(v[:w].ljust(w) for v, w in zip(r, widths)).rstrip())
    click.echo(f"({len(rows)} records)")


@cli.command()
@db_option
@json_option
def verify(db: str | None, as_json: bool) -> None:
    """Check the audit chain and that every record equals its last logged state."""
    service = _open(db)
    problems = service.verify()
    info = service.info()
    if as_json:
        _print_json({"ok": not problems, "audit_entries": info.audit_entries, "audit_head": info.audit_head,
                     "content_hash": info.content_hash, "problems": [str(p) for p in problems]})
    elif problems:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        click.echo(f"register: {len(problems)} problem(s) in {service.path}", err=True)
    else:
        click.echo(f"ok: {info.audit_entries} audit entries chain intact; every record matches its last logged state")
        click.echo(f"audit head {info.audit_head}")
    sys.exit(EXIT_ERROR if problems else EXIT_OK)


@cli.command()
@db_option
@json_option
def info(db: str | None, as_json: bool) -> None:
    """Summarise a register: counts, method, hashes."""
    service = _open(db)
    _summarise(service, as_json)


def _summarise(service: RegisterService, as_json: bool) -> None:
    from collections import Counter

    from register.domain.models import RecordKind

    info = service.info()
    bands = Counter(r["residual_band"] for r in service.stored(RecordKind.risks).values())
    summary = {
        "path": str(info.path), "name": info.name, "scope": info.scope, "schema_version": info.schema_version,
        "method_version": info.method_version, "counts": info.counts,
        "residual_bands": {b.id: bands.get(b.id, 0) for b in service.method.bands},
        "content_hash": info.content_hash, "audit_head": info.audit_head, "audit_entries": info.audit_entries,
    }
    if as_json:
        _print_json(summary)
        return
    click.echo(f"{info.name} — {info.path}")
    if info.scope:
        click.echo(f"scope: {info.scope}")
    click.echo(", ".join(f"{n} {k}" for k, n in info.counts.items()))
    click.echo("residual bands: " + ", ".join(f"{k} {n}" for k, n in summary["residual_bands"].items()))
    click.echo(f"method {info.method_version}; {info.audit_entries} audit entries; head {info.audit_head[:16]}…")


@cli.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), help="Where to write (default: the source tree's schemas/).")
@click.option("--check", is_flag=True, help="Exit 1 if the schemas on disk are stale; write nothing.")
def schema(directory: Path | None, check: bool) -> None:
    """Write the JSON Schema of each record kind (one file per kind)."""
    from register.io.schemas import render_schemas, schemas_dir

    target = directory or schemas_dir()
    rendered = render_schemas()
    stale = [name for name, text in rendered.items()
             if not (target / name).is_file() or (target / name).read_text(encoding="utf-8") != text]
    if check:
        if stale:
            _fail(f"schemas in {target} are stale: {', '.join(stale)} (run: register schema)")
        click.echo(f"schemas in {target} are up to date")
        return
    target.mkdir(parents=True, exist_ok=True)
    for name, text in rendered.items():
        (target / name).write_text(text, encoding="utf-8")
    click.echo(f"wrote {len(rendered)} schemas to {target}")


@cli.command()
@click.option("--path", "path", type=click.Path(dir_okay=False, path_type=Path), help="Where to build it (default: the per-user data folder).")
@click.option("--summary", is_flag=True, help="Print the demo register's summary instead of opening the app.")
@click.pass_obj
def demo(obj: dict, path: Path | None, summary: bool) -> None:
    """Build a fresh demo register from samples/ and open it."""
    from register.demo import build_demo
    from register.paths import demo_register_path

    service = build_demo(path or demo_register_path(), actor=obj.get("actor"))
    if summary:
        _summarise(service, as_json=False)
    else:
        _run_tui(service.path, obj.get("actor"))


# --- terminal app (issue 5): the only commands that import Textual, and only when run ---
@cli.command()
@db_option
@click.pass_obj
def tui(obj: dict, db: str | None) -> None:
    """Open the terminal app on a register."""
    _run_tui(_db_path(db), obj.get("actor"))


def _run_tui(path: Path, actor: str | None) -> None:
    from register.errors import RegisterNotFound

    if not path.is_file():
        raise RegisterNotFound(
            f"no register at {path}; create one with `register init {path}` or try the demo with `register demo`"
        )
    from register.tui.app import run_app

    run_app(path, actor=actor)


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
