"""Statistics releases through the vault and the policy, on SQLite and PostgreSQL:
scenario 12, the DP budget, the outputs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from confide.errors import NotPermitted
from confide.runtime import Confide
from confide.stats.output import table_csv, write_release
from confide.stats.release import BudgetExceeded, release
from confide.stats.spec import SpecError, parse_spec
from confide.stats.suppression import Position, PublishedTable
from tests.stats.helpers import CLINIC, HOSPITAL, people, spec_text
from tests.stats.test_suppression import attacker_ranges

ADULT = "1990-01-01"
CHILD = dt.date(dt.datetime.now(dt.UTC).year - 10, 6, 1).isoformat()


def _clinic(confide: Confide) -> None:
    # 2 girls: the small cell. Everyone else in cells of 6 or more.
    people(
        confide,
        CLINIC,
        [("female", CHILD, 2), ("female", ADULT, 9), ("male", ADULT, 7), ("male", CHILD, 6)],
        "clinic",
    )


def test_12_two_cases_in_a_cell_are_suppressed_and_totals_do_not_reveal_them(
    confide: Confide,
) -> None:
    _clinic(confide)
    made = release(confide, parse_spec(spec_text(), confide.policy))
    table = made.tables[0]
    i, j = table.row_keys.index("0-17"), table.column_keys.index("female")
    assert table.cells[i][j] is None  # the two girls' cell is suppressed
    assert table.grand_total == 24  # the total is published...
    # ...and an attacker who solves for the hidden cell from every published cell and total
    # (an LP written apart from the module's) cannot narrow it below the threshold.
    view = PublishedTable(table.cells, table.row_totals, table.column_totals, table.grand_total)
    low, high = attacker_ranges(view)[Position.cell(i, j)]
    assert low <= 2 <= high
    assert high - low > 5


def test_enforcement_is_never_a_service_of_a_release(confide: Confide) -> None:
    text = spec_text(services=["national-immigration-authority"])
    with pytest.raises(SpecError, match="immigration enforcement"):
        parse_spec(text, confide.policy)


def test_each_service_reading_is_one_logged_decision(confide: Confide) -> None:
    _clinic(confide)
    before = confide.log.size()
    release(confide, parse_spec(spec_text(), confide.policy))
    entries = confide.log.entries(before, confide.log.size())
    kinds = [(e.kind, e.fields.get("purpose"), e.fields.get("decision")) for e in entries]
    assert kinds == [
        ("decision", "research.statistics", "permit"),
        ("stats.released", None, None),
    ]
    released = entries[-1].fields
    assert released["method"] == "suppression"
    assert released["k"] == 5


def test_dp_release_spends_the_budget_and_cannot_overspend(confide: Confide) -> None:
    _clinic(confide)
    dp = {"method": "dp", "epsilon": 1.0, "budget": 2.0}
    first = release(confide, parse_spec(spec_text(release="dp-1", protection=dp), confide.policy))
    assert first.spent == 1.0
    table = first.tables[0]
    assert all(v is not None and v >= 0 for r in table.cells for v in r)
    assert table.grand_total == sum(v or 0 for v in table.row_totals)  # post-processing
    assert table.expected_error is not None
    release(confide, parse_spec(spec_text(release="dp-2", protection=dp), confide.policy))
    before = confide.log.size()
    with pytest.raises(BudgetExceeded, match="only 0 is left"):
        release(confide, parse_spec(spec_text(release="dp-3", protection=dp), confide.policy))
    # Nothing recorded for the refused release except the services' read decisions.
    kinds = {e.kind for e in confide.log.entries(before, confide.log.size())}
    assert "stats.released" not in kinds
    other = {"method": "dp", "epsilon": 0.5, "budget": 9.0}
    spec = parse_spec(spec_text(release="dp-4", protection=other), confide.policy)
    with pytest.raises(BudgetExceeded, match="fixed budget"):
        release(confide, spec)


def test_a_release_name_is_used_once(confide: Confide) -> None:
    _clinic(confide)
    release(confide, parse_spec(spec_text(), confide.policy))
    with pytest.raises(Exception, match="already made"):
        release(confide, parse_spec(spec_text(), confide.policy))


def test_outputs_csv_with_hxl_json_and_charts(confide: Confide, tmp_path: Path) -> None:
    _clinic(confide)
    people(confide, HOSPITAL, [("male", ADULT, 8)], "hospital")
    text = spec_text(
        services=[CLINIC, HOSPITAL],
        tables=[
            {"name": "by-age-and-sex", "rows": "age_band", "columns": "sex_gender"},
            {"name": "by-service", "rows": "service"},
        ],
    )
    made = release(confide, parse_spec(text, confide.policy))
    written = write_release(made, tmp_path)
    assert {p.name for p in written} >= {
        "release.json",
        "by-age-and-sex.csv",
        "by-age-and-sex.png",
        "by-age-and-sex.svg",
        "by-service.csv",
    }
    document = json.loads((tmp_path / "release.json").read_text())
    assert document["format"] == "confide-stats-release/1"
    assert document["output"] == made.output_hash
    lines = list(csv.reader(io.StringIO(table_csv(made, made.tables[1]))))
    assert lines[0] == ["service", "count", "status"]
    assert lines[1] == ["#org+code", "#reached", "#status"]
    assert ["st-marys-clinic", "24", "published"] in lines
    assert ["total", "32", "published"] in lines
    suppressed = list(csv.reader(io.StringIO(table_csv(made, made.tables[0]))))
    assert any(line[-1] == "suppressed" and line[-2] == "" for line in suppressed)
    assert (tmp_path / "by-age-and-sex.png").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (tmp_path / "by-age-and-sex.svg").read_bytes()
    # No name, no date of birth, no pseudonym in anything written.
    for path in written:
        data = path.read_bytes()
        assert b"Synthetic Person" not in data
        assert ADULT.encode() not in data
        assert b"ps1:" not in data


def test_reports_are_counted_by_type_and_service(confide: Confide) -> None:
    from confide.reporting import ReportDesk, Submission

    desk = ReportDesk(confide)
    for _ in range(6):
        desk.submit(
            Submission("crime", "victim", "city-police-victim-unit", "a synthetic report", "en")
        )
    text = spec_text(
        source="reports",
        services=["city-police-victim-unit", "labour-inspectorate"],
        case_types=None,
        tables=[{"name": "by-type", "rows": "service", "columns": "case_type"}],
    )
    made = release(confide, parse_spec(text, confide.policy))
    table = made.tables[0]
    i = table.row_keys.index("city-police-victim-unit")
    assert table.cells[i][table.column_keys.index("crime")] == 6


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"services": ["nowhere"]}, "not in the policy"),
        ({"case_types": ["immigration.enforcement"]}, "case type"),
        ({"protection": {"method": "dp"}}, "epsilon"),
        ({"protection": {"method": "suppression", "epsilon": 1.0}}, "belong to"),
        ({"tables": [{"name": "x", "rows": "service", "columns": "service"}]}, "twice"),
        ({"age_bands": ["young"]}, "age band"),
        ({"unknown": 1}, "malformed"),
        ({"period": {"from": "2026-02-01", "to": "2026-01-01"}}, "ends before"),
    ],
)
def test_a_bad_spec_says_why(confide: Confide, changes: dict[str, object], says: str) -> None:
    with pytest.raises(SpecError, match=says):
        parse_spec(spec_text(**changes), confide.policy)


def test_a_policy_without_the_statistics_rule_fails_closed(confide: Confide) -> None:
    _clinic(confide)
    from confide.policy import baseline_path, load_text
    from confide.service.policies import install

    text = baseline_path().read_text(encoding="utf-8")
    start = text.index("  - id: own-anonymous-statistics")
    end = text.index("  # --- The immigration authority")
    install(confide, load_text(text[:start] + text[end:], "policy.yaml"))
    with pytest.raises(NotPermitted, match=r"research\.statistics"):
        release(confide, parse_spec(spec_text(), confide.policy))
    denied = confide.log.entries(confide.log.size() - 1, confide.log.size())[0].fields
    assert (denied["kind"], denied["decision"]) == ("decision", "deny")
