"""The public transparency report pages and downloads. No sign-in, no JavaScript.

``/transparency`` is the deployment's report, ``/transparency/{org}`` one organisation's,
each with ``.json`` and ``.csv`` downloads and ``?period=month|quarter|year``. Every report
is computed from the log alone (:mod:`confide.transparency.report`) at its current size
and says where: the tree size, the root, and the latest signed checkpoint at or below it.

A report is a fold over the log, so each (organisation, period) keeps its builder on the
app and only reads the entries appended since the last request; one report is advanced
at a time, so a burst of requests cannot take every CPU or database connection.
"""

from __future__ import annotations

import base64
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from confide.errors import ConfideError, NotFound, RequestError
from confide.notices.proof import FINGERPRINT_HEX
from confide.runtime import Confide
from confide.transparency.report import (
    PERIODS,
    DecisionCount,
    HolderCount,
    ReportBuilder,
    TransparencyReport,
)
from confide.web.render import confide_of, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: Builders kept per app: every organisation in three periods, with room to spare.
CACHE_SIZE: Final = 64
_lock = threading.Lock()
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_.-]")

Segment = Annotated[str, Path(max_length=128)]
PeriodQuery = Annotated[str, Query(max_length=16)]
PrintQuery = Annotated[bool, Query(alias="print")]

JSON_TYPE: Final = "application/json"
CSV_TYPE: Final = "text/csv; charset=utf-8; header=present"


def _builders(request: Request) -> OrderedDict[tuple[str | None, str, str], ReportBuilder]:
    # Kept on the app, not the module: each app serves its own database.
    state = request.app.state
    builders: OrderedDict[tuple[str | None, str, str], ReportBuilder] | None = getattr(
        state, "transparency_builders", None
    )
    if builders is None:
        builders = OrderedDict()
        state.transparency_builders = builders
    return builders


def compute(request: Request, org: str | None, period: str) -> TransparencyReport:
    """The report for ``org`` (``None``: the deployment) at the log's current size."""
    confide = confide_of(request)
    key = (org, period, confide.policy.policy.file_hash)
    with _lock:
        builders = _builders(request)
        builder = builders.pop(key, None)
        if builder is None:
            builder = ReportBuilder(confide.policy, org=org, period=period)
        # A builder that failed half-way is dropped: the next request starts afresh.
        report = builder.advance(confide.log)
        builders[key] = builder
        while len(builders) > CACHE_SIZE:
            builders.popitem(last=False)
    return report


def _known(confide: Confide, org: str | None, period: str) -> bool:
    return period in PERIODS and (org is None or org in confide.policy.policy.organisations)


def _missing(request: Request) -> HTMLResponse:
    return render(request, "transparency/missing.html", status=404, lang="en")


def _unavailable(request: Request, exc: ConfideError) -> HTMLResponse:
    # The log failed a check: say so (monitors need to know) without a stack trace.
    return render(request, "transparency/unavailable.html", status=503, lang="en", problem=exc)


def _filename(org: str | None, report: TransparencyReport, suffix: str) -> str:
    name = f"transparency-{org or 'deployment'}-{report.period}-{report.size}.{suffix}"
    return _UNSAFE_FILENAME.sub("_", name)


def _download(request: Request, org: str | None, period: str, suffix: str) -> Response:
    confide = confide_of(request)
    if not _known(confide, org, period):
        return _missing(request)
    try:
        report = compute(request, org, period)
    except (NotFound, RequestError):
        return _missing(request)
    except ConfideError as exc:
        return _unavailable(request, exc)
    body, media = (report.to_json(), JSON_TYPE) if suffix == "json" else (report.to_csv(), CSV_TYPE)
    disposition = f'attachment; filename="{_filename(org, report, suffix)}"'
    return Response(
        body.encode("utf-8"), media_type=media, headers={"Content-Disposition": disposition}
    )


def _page(request: Request, org: str | None, period: str, printable: bool) -> HTMLResponse:
    confide = confide_of(request)
    if not _known(confide, org, period):
        return _missing(request)
    try:
        report = compute(request, org, period)
    except (NotFound, RequestError):
        return _missing(request)
    except ConfideError as exc:
        return _unavailable(request, exc)
    return render(
        request,
        "transparency/report.html",
        lang="en",
        printable=printable,
        **report_context(confide, report),
    )


# -- what the template shows ----------------------------------------------------------------


def _pivot(counts: Iterable[DecisionCount | HolderCount]) -> list[dict[str, Any]]:
    """Counts grouped by period (newest first), permit and deny side by side."""
    periods: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {}
    for c in counts:
        holder = c.holder if isinstance(c, HolderCount) else ""
        rows = periods.setdefault(c.period, {})
        row = rows.setdefault(
            (holder, c.sector, c.purpose, c.action),
            {
                "holder": holder,
                "sector": c.sector,
                "purpose": c.purpose,
                "action": c.action,
                "permit": 0,
                "deny": 0,
            },
        )
        row[c.decision] = row.get(c.decision, 0) + c.count
    return [
        {
            "period": period,
            "rows": [rows[k] for k in sorted(rows)],
            "permit": sum(r["permit"] for r in rows.values()),
            "deny": sum(r["deny"] for r in rows.values()),
        }
        for period, rows in sorted(periods.items(), reverse=True)
    ]


def _short(sha256: str) -> str:
    head = sha256[:FINGERPRINT_HEX]
    return " ".join(head[i : i + 4] for i in range(0, FINGERPRINT_HEX, 4))


def report_context(confide: Confide, report: TransparencyReport) -> dict[str, Any]:
    """Everything the report template needs besides the report itself."""
    registry = confide.policy.policy.organisations
    base = "/transparency" + (f"/{report.org}" if report.org else "")
    names = {org_id: org.name for org_id, org in registry.items()}
    cp = report.checkpoint
    return {
        "report": report,
        "org": report.org,
        "org_name": names.get(report.org or ""),
        "names": names,
        "organisations": sorted(
            ({"id": o.id, "name": o.name, "sector": o.sector} for o in registry.values()),
            key=lambda o: o["name"],
        ),
        "base": base,
        "period_links": [
            {"period": p, "href": f"{base}?period={p}", "current": p == report.period}
            for p in PERIODS
        ],
        "json_href": f"{base}.json?period={report.period}",
        "csv_href": f"{base}.csv?period={report.period}",
        "print_href": f"{base}?period={report.period}&print=1",
        "screen_href": f"{base}?period={report.period}",
        "root_hex": report.root.hex(),
        "root_b64": base64.b64encode(report.root).decode("ascii"),
        "checkpoint_short": _short(cp.sha256) if cp is not None else None,
        "checkpoint_href": f"/notices/checkpoints/{cp.size}" if cp is not None else None,
        "decision_periods": _pivot(report.decisions),
        "holder_periods": _pivot(report.decisions_by_holder) if report.org else [],
        "break_glass_uses": sum(c.uses for c in report.break_glass),
        "break_glass_pending": sum(c.pending for c in report.break_glass),
    }


# -- routes (the downloads first: ``{org}`` would match ``x.json`` too) --------------------


@router.get("/transparency.json")
def deployment_json(request: Request, period: PeriodQuery = "month") -> Response:
    return _download(request, None, period, "json")


@router.get("/transparency.csv")
def deployment_csv(request: Request, period: PeriodQuery = "month") -> Response:
    return _download(request, None, period, "csv")


@router.get("/transparency", response_class=HTMLResponse)
def deployment_page(
    request: Request, period: PeriodQuery = "month", printable: PrintQuery = False
) -> HTMLResponse:
    return _page(request, None, period, printable)


@router.get("/transparency/{org}.json")
def org_json(request: Request, org: Segment, period: PeriodQuery = "month") -> Response:
    return _download(request, org, period, "json")


@router.get("/transparency/{org}.csv")
def org_csv(request: Request, org: Segment, period: PeriodQuery = "month") -> Response:
    return _download(request, org, period, "csv")


@router.get("/transparency/{org}", response_class=HTMLResponse)
def org_page(
    request: Request, org: Segment, period: PeriodQuery = "month", printable: PrintQuery = False
) -> HTMLResponse:
    return _page(request, org, period, printable)
