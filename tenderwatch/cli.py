"""The ``tenderwatch`` command. Configuration comes from the environment (see README)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from tenderwatch import app
from tenderwatch.config import Config, ConfigError
from tenderwatch.watchlists import WatchlistError, check_paths

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except WatchlistError as exc:
        print(f"watchlists are invalid, nothing was polled:\n{exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tenderwatch",
        description="Monitor public tender portals, match notices against watchlists, alert once per notice.",
        epilog="Configuration is read from the environment: TENDERWATCH_DATA_DIR, TENDERWATCH_WATCHLISTS, "
        "TENDERWATCH_HOST_MAP, SLACK_*, SMTP_*, EMAIL_TO (see README.md).",
    )
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, func: object, help_: str, description: str = "") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=description or help_)
        p.set_defaults(func=func)
        p.add_argument("-v", "--verbose", action="store_true", help="log progress, not only problems")
        return p

    p = command("run", _run, "run the monitor daemon: scheduled polls, alert delivery, digests",
                "Run the monitor until stopped (SIGTERM/Ctrl-C): polls each portal on its schedule, "
                "delivers alerts from the outbox, sends email digests, reloads edited watchlists.")
    p.add_argument("--interval", type=float, default=None, help="minutes between polls of each portal")

    p = command("poll", _poll, "poll portals once, deliver alerts, exit non-zero if a portal failed",
                "Poll the given portals (default: all) once, store new notices, deliver their alerts. "
                "Exits 1 if any portal failed, was blocked or looked broken, with a one-line reason each.")
    p.add_argument("portals", nargs="*", metavar="PORTAL", help="portal names (see `tenderwatch portals`)")
    p.add_argument("--no-dispatch", action="store_true", help="store alerts but do not deliver them now")

    command("portals", _portals, "list the portals tenderwatch can poll")

    p = command("dispatch", _dispatch, "deliver pending alerts from the outbox once")
    p.add_argument("--force-digest", action="store_true", help="send email digests now, whatever their schedule")

    dg = command("digest", lambda a: dg.print_help() or EXIT_CONFIG, "work with email digests")
    dg_sub = dg.add_subparsers(title="digest commands", metavar="COMMAND")
    p = dg_sub.add_parser("preview", help="write a digest's HTML and text to files, to see what subscribers get",
                          description="Render the digest of the alerts stored in a period (default: the last 7 "
                          "days) into digest-preview.html and digest-preview.txt. Sends nothing.")
    p.add_argument("--watchlist", help="only alerts of this watchlist")
    p.add_argument("--since", default="7d", type=_period, help="period: e.g. 24h, 7d, 2w (default 7d)")
    p.add_argument("--out", type=Path, help="folder for the files (default: <data dir>/digest-preview)")
    p.add_argument("--to", default="preview@example.org", help="the address shown as recipient")
    p.set_defaults(func=_digest_preview)

    wl = command("watchlists", lambda a: wl.print_help() or EXIT_CONFIG, "work with watchlist files")
    wl_sub = wl.add_subparsers(title="watchlist commands", metavar="COMMAND")
    p = wl_sub.add_parser("check", help="validate watchlist files and report every problem with file:line:column",
                          description="Validate watchlist files (default: the TENDERWATCH_WATCHLISTS folder). "
                          "Exits 2 if any file has an error.")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    p.set_defaults(func=_watchlists_check)

    p = command("explain", _explain, "show why a notice matched a watchlist, or why not",
                "For a stored notice (its URL or key) or a saved detail page, show every hit: the alias, "
                "entity, field and snippet, and whether each watchlist's rule fired and why not.")
    p.add_argument("notice", metavar="NOTICE_URL_OR_FILE")
    p.add_argument("--watchlist", help="only this watchlist")
    p.add_argument("--portal", default="ccgp", help="portal of a saved page (default: ccgp)")
    p.add_argument("--url", help="the page's portal URL, when it cannot be read from the file name")

    command("status", _status, "show each portal's health and the alert queue (works while the daemon runs)")

    p = command("alerts", _alerts, "list pending, delivered and failed alerts; `alerts retry` re-queues failed")
    p.add_argument("action", nargs="?", choices=["list", "retry"], default="list")
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="alert ids for retry (default: all failed)")
    p.add_argument("--status", choices=["held", "pending", "delivered", "failed"],
                   help="held: waiting for its email digest")
    p.add_argument("--limit", type=int, default=50)

    p = command("demo", _demo, "run the monitor offline against a bundled replay of the portals",
                "Start a local replay of the portals' pages, point the monitor at it (TENDERWATCH_HOST_MAP) "
                "and poll once: alerts print within a minute. Run it again: nothing alerts twice.")
    p.add_argument("--fresh", action="store_true", help="forget earlier demo runs first")
    p.add_argument("--watch", action="store_true", help="keep running the daemon against the replay")
    return parser


def _config() -> Config:
    return Config.from_env()


def _run(args: argparse.Namespace) -> int:
    import scheduler

    return scheduler.main(_config(), interval_minutes=args.interval)


def _poll(args: argparse.Namespace) -> int:
    config = _config()
    watchlists = app.load_current_watchlists(config)  # before any request: a broken file stops here
    known = app.all_portal_names()
    unknown = [p for p in args.portals if p not in known]
    if unknown:
        print(f"unknown portal(s): {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return EXIT_CONFIG
    results = app.poll(config, watchlists, args.portals or app.portal_names(),
                       log_level="INFO" if args.verbose else "WARNING")
    if not args.no_dispatch:
        app.dispatch(config, watchlists)
    for r in results:
        print(f"{r.portal}: {r.outcome}: {r.reason} ({r.requests} requests, {r.seconds:.1f} s)",
              file=sys.stdout if r.ok else sys.stderr)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def _portals(args: argparse.Namespace) -> int:
    watched = set(app.portal_names())
    print("\n".join(f"{p}{'' if p in watched else '  (not watched: TENDERWATCH_PORTALS)'}"
                    for p in app.all_portal_names()))
    return EXIT_OK


def _dispatch(args: argparse.Namespace) -> int:
    config = _config()
    report = app.dispatch(config, app.load_current_watchlists(config), force_digest=args.force_digest)
    print(f"delivered {report.delivered}, retrying {report.retrying}, failed {report.failed}, "
          f"held for a digest {report.waiting}, digests sent {report.digests}")
    for line in report.errors:
        print(f"  {line}", file=sys.stderr)
    return EXIT_FAILED if report.failed else EXIT_OK


def _period(text: str) -> timedelta:
    try:
        return parse_period(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _digest_preview(args: argparse.Namespace) -> int:
    from notifiers.digest import Digest, render
    from tenderwatch.alerts import AlertPayload
    from tenderwatch.store import Store, utcnow

    config = _config()
    now = utcnow()
    since = now - args.since
    payloads: dict[str, AlertPayload] = {}
    if config.db_path.exists():
        with Store(config.db_path) as store:
            for row in store.alerts_between(since, now):
                payload = AlertPayload.from_dict(row.payload)
                if args.watchlist and args.watchlist not in {w.name for w in payload.watchlists}:
                    continue
                payloads.setdefault(row.notice_key, payload)  # one entry per notice, whatever its destinations
    text, html, full = render(Digest(args.to, "preview", since, now, list(payloads.values())))
    out = args.out or config.data_dir / "digest-preview"
    out.mkdir(parents=True, exist_ok=True)
    (out / "digest-preview.html").write_text(html, encoding="utf-8")
    (out / "digest-preview.txt").write_text(text, encoding="utf-8")
    print(f"{len(payloads)} notice(s) since {since:%Y-%m-%d %H:%M} UTC ({full} in full, "
          f"{len(html.encode()) // 1000} KB of HTML)")
    print(out / "digest-preview.html")
    print(out / "digest-preview.txt")
    return EXIT_OK


def _watchlists_check(args: argparse.Namespace) -> int:
    paths = args.paths or [_config().watchlists_dir]
    watchlists, problems = check_paths(paths)
    for problem in problems:
        print(problem, file=sys.stderr if problem.level == "error" else sys.stdout)
    if watchlists is None:
        errors = sum(p.level == "error" for p in problems)
        print(f"{errors} error(s): fix them; a running daemon keeps its last good watchlists meanwhile",
              file=sys.stderr)
        return EXIT_CONFIG
    names = ", ".join(w.name for w in watchlists.watchlists)
    print(f"ok: {len(watchlists.watchlists)} watchlist(s): {names}")
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from tenderwatch.explain import explain
    from tenderwatch.explain_source import load_notice

    config = _config()
    notice = load_notice(args.notice, config, portal=args.portal, url=args.url)
    watchlists = app.load_current_watchlists(config)
    print(f"{notice.title}\n{notice.url}\n")
    print(explain(notice.match_fields(), watchlists, only=args.watchlist, color=sys.stdout.isatty()))
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from tenderwatch.status import render_status

    print(render_status(_config(), app.portal_names()))
    return EXIT_OK


def _alerts(args: argparse.Namespace) -> int:
    from tenderwatch.store import Store

    with Store(_config().db_path) as store:
        if args.action == "retry":
            count = store.requeue_failed(args.ids)
            print(f"re-queued {count} failed alert(s); they go out at the next dispatch")
            return EXIT_OK
        for row in store.alerts(args.status, limit=args.limit):
            when = row.delivered_at or row.next_attempt_at or row.created_at
            error = f"  ({row.last_error})" if row.last_error and row.status != "delivered" else ""
            print(f"{row.id:>6} {row.status:<9} {row.destination:<28} {row.kind:<6} {when:%Y-%m-%d %H:%M} "
                  f"{row.payload.get('title', '')[:60]}{error}")
        counts = store.alert_counts()
    print(", ".join(f"{n} {status}" for status, n in counts.items()))
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from tenderwatch.demo import run_demo

    return run_demo(fresh=args.fresh, watch=args.watch, verbose=args.verbose)


def parse_period(text: str) -> timedelta:
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit():
        raise ConfigError(f"period {text!r}: use a number and m, h, d or w, e.g. 24h or 7d")
    return timedelta(**{units[unit]: int(number)})


if __name__ == "__main__":
    sys.exit(main())
