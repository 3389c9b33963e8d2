"""``confide decide``: one decision, printed as the decision contract's JSON answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from confide.cli.common import err, load_policy_or_exit, out, read_request
from confide.errors import RequestError


def decide(
    request: Annotated[str, typer.Argument(help="A JSON request file, or - for standard input.")],
    policy: Annotated[Path, typer.Option("--policy", help="The policy file to decide under.")],
) -> None:
    """Decide one request and print the answer as JSON (decision, fields, reasons, rules, policy).

    Exit 0 when an answer was printed, permit or deny; 1 when the policy does not load.
    A malformed request is answered with a deny (fail closed) and a note on standard error.
    """
    engine = load_policy_or_exit(policy)
    try:
        data = read_request(request)
    except RequestError as exc:
        err.print(f"note: {exc}", markup=False)
        data = None
    decision = engine.decide(data if data is not None else {})
    out.print(json.dumps(decision.to_json(), indent=2, ensure_ascii=False), markup=False)
