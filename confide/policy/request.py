"""The decision request (the public contract in DESIGN.md), parsed at the edge.

JSON comes in through pydantic models with unknown keys refused; the engine gets a frozen
dataclass. A request that does not parse is never an error to the caller of ``decide``: it
is a deny with the reason (I5).
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from confide.errors import RequestError

_Short = Annotated[str, StringConstraints(min_length=1, max_length=200, strict=True)]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, strict=True)]

#: More fields than any record has; a longer list is a malformed request.
MAX_FIELDS = 256


class _Edge(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RequesterModel(_Edge):
    org: _Short
    sector: _Short | None = None
    role: _Short


class RecordModel(_Edge):
    holder: _Short
    sector: _Short | None = None
    subject: _Short | None = None


class WarrantModel(_Edge):
    """A written judicial warrant (I4): it names the individual, the offence and the fields."""

    reference: _Short
    issued_by: _Short
    judicial: bool
    subject: _Short
    offence: _Short
    fields: list[_Short] = Field(min_length=1, max_length=MAX_FIELDS)


class ConsentModel(_Edge):
    """The id of a consent the person gave. A request from JSON names it only: the engine
    permits under consent solely when the caller (the vault) has checked the stored consent
    record and attached its :class:`ConsentScope`; a bare id opens nothing (I5)."""

    id: _Short


class BreakGlassModel(_Edge):
    """Reserved: break-glass is checked from the service issue on; until then it never permits."""

    reason: _Text


class ContextModel(_Edge):
    legal_basis: _Short | None = None
    consent: ConsentModel | None = None
    offence: _Short | None = None
    warrant: WarrantModel | None = None
    #: The subject acting for themself (I7): their own opaque reference, checked by the caller.
    subject: _Short | None = None
    break_glass: BreakGlassModel | None = None


class RequestModel(_Edge):
    requester: RequesterModel
    action: _Short
    purpose: _Short
    record: RecordModel
    fields: list[_Short] = Field(min_length=1, max_length=MAX_FIELDS)
    context: ContextModel = Field(default_factory=ContextModel)


class Warrant(NamedTuple):
    reference: str
    issued_by: str
    judicial: bool
    subject: str
    offence: str
    fields: tuple[str, ...]


class ConsentScope(NamedTuple):
    """A consent checked against its stored record: in force now, given by the person whose
    record is asked for. Only the vault builds one (from ``confide.consent``); nothing parsed
    from JSON can carry one, so ``confide decide`` and ``POST /v1/decide`` never permit under
    consent on a caller's word.

    ``categories`` are what the person agreed to share (leaf categories); a read under the
    consent releases at most those, to ``recipient`` only, from ``holder`` only, for
    ``purpose`` only."""

    id: str
    recipient: str
    holder: str
    purpose: str
    categories: tuple[str, ...]


class DecisionRequest(NamedTuple):
    """A parsed request. Build one with :func:`parse_request` or directly in hot paths.

    A named tuple, so that it hashes and compares in C: the engine memoises decisions keyed
    by the request itself.
    """

    requester_org: str
    role: str
    action: str
    purpose: str
    holder: str
    fields: tuple[str, ...]
    requester_sector: str | None = None
    holder_sector: str | None = None
    subject: str | None = None
    offence: str | None = None
    legal_basis: str | None = None
    warrant: Warrant | None = None
    consent: str | None = None
    break_glass: str | None = None
    subject_self: str | None = None
    #: Set by the vault after checking the stored consent named by ``consent``.
    consent_scope: ConsentScope | None = None

    @property
    def context_class(self) -> str:
        """Which kind of context the request carries; more than one is ``ambiguous``."""
        if (
            self.warrant is None
            and self.consent is None
            and self.break_glass is None
            and self.subject_self is None
        ):
            return "none"
        present = [
            name
            for name, value in (
                ("warrant", self.warrant),
                ("consent", self.consent),
                ("break_glass", self.break_glass),
                ("subject", self.subject_self),
            )
            if value is not None
        ]
        if not present:
            return "none"
        return present[0] if len(present) == 1 else "ambiguous"


def parse_request(data: Any) -> DecisionRequest:
    """Validate a JSON-shaped request. Raises :class:`RequestError` saying what is wrong."""
    try:
        model = RequestModel.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'request'}: {e['msg']}"
            for e in exc.errors(include_url=False)[:5]
        )
        raise RequestError(f"the decision request is malformed: {details}") from None
    ctx = model.context
    warrant = None
    if ctx.warrant is not None:
        w = ctx.warrant
        warrant = Warrant(
            w.reference, w.issued_by, w.judicial, w.subject, w.offence, tuple(w.fields)
        )
    return DecisionRequest(
        requester_org=model.requester.org,
        role=model.requester.role,
        action=model.action,
        purpose=model.purpose,
        holder=model.record.holder,
        fields=tuple(model.fields),
        requester_sector=model.requester.sector,
        holder_sector=model.record.sector,
        subject=model.record.subject,
        offence=ctx.offence,
        legal_basis=ctx.legal_basis,
        warrant=warrant,
        consent=ctx.consent.id if ctx.consent else None,
        break_glass=ctx.break_glass.reason if ctx.break_glass else None,
        subject_self=ctx.subject,
    )
