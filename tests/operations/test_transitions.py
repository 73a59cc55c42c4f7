"""The state machine of deposits and withdrawals, every status × every event, against a table
written here by hand: what the rule says (README, « Dépôts et retraits »), not what the code
happens to do.

Cells: `=` the operation stays as it is and no money moves; `=!` the same, with an alert for
the operators (the provider contradicts what was applied); `409` an operator's decision
refused (already final; or the release of a payout the provider never acknowledged, which
reconciliation may be sending again at that very moment); otherwise the next status, and `+credit` (deposit credited),
`+book` (withdrawal booked as sent) or `+release` (withdrawal's held money given back).
"""

# ruff: noqa: E501  (the tables are easier to check when each row stays on one line)

from __future__ import annotations

import itertools
from typing import ClassVar

import pytest

from hostolink.operations.transitions import (
    FINAL,
    PENDING,
    Direction,
    Event,
    Money,
    Status,
    Transition,
    after_check,
    answer_event,
    callback_event,
    error_event,
    listens,
    repeats_initiation,
    transition,
)
from hostolink.providers.base import (
    Outcome,
    ProviderAnswer,
    ProviderError,
    ProviderMisconfigured,
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnavailable,
    ProviderUnreachable,
)

COLUMNS = "initiee en_attente a_verifier reussie echouee expiree"

DEPOSIT = """
succeeded                    reussie+credit  reussie+credit  reussie+credit  =    reussie+credit  reussie+credit
failed                       echouee         echouee         echouee         =    =               =
expired                      expiree         expiree         expiree         =    =               =
pending                      en_attente      =               =               =    =               =
unknown                      =               =               =               =    =               =
rejected                     echouee         =               =               =    =               =
misconfigured_at_initiation  echouee         =               =               =    =               =
repeat_refused               =               =               =               =    =               =
misconfigured                =               =               =               =    =               =
unreachable                  =               =               =               =    =               =
untrusted_callback           =               =               =               =    =               =
tick                         =               =               =               =    =               =
horizon                      a_verifier      a_verifier      =               =    =               =
operator_succeeded           reussie+credit  reussie+credit  reussie+credit  409  reussie+credit  reussie+credit
operator_failed              echouee         echouee         echouee         409  409             409
"""

WITHDRAWAL = """
succeeded                    reussie+book     reussie+book     reussie+book     =    =!   =!
failed                       echouee+release  echouee+release  echouee+release  =!   =    =
expired                      echouee+release  echouee+release  echouee+release  =!   =    =
pending                      en_attente       =                =                =    =    =
unknown                      =                =                =                =    =    =
rejected                     echouee+release  =                =                =    =    =
misconfigured_at_initiation  echouee+release  =                =                =    =    =
repeat_refused               =                =                =                =    =    =
misconfigured                =                =                =                =    =    =
unreachable                  =                =                =                =    =    =
untrusted_callback           =                =                =                =    =    =
tick                         =                =                =                =    =    =
horizon                      a_verifier       a_verifier       =                =    =    =
operator_succeeded           reussie+book     reussie+book     reussie+book     409  409  409
operator_failed              409              echouee+release  echouee+release  409  409  409
"""


def _expected(cell: str, status: Status) -> Transition:
    if cell == "=":
        return Transition(status)
    if cell == "=!":
        return Transition(status, alert="*")
    if cell == "409":
        return Transition(status, refused="*")
    target, _, money = cell.partition("+")
    return Transition(Status(target), Money(money) if money else Money.NONE)


def _table(text: str) -> dict[tuple[Status, Event], Transition]:
    columns = [Status(name) for name in COLUMNS.split()]
    table: dict[tuple[Status, Event], Transition] = {}
    for line in text.strip().splitlines():
        event, *cells = line.split()
        assert len(cells) == len(columns), line
        for status, cell in zip(columns, cells, strict=True):
            table[Status(status), Event(event)] = _expected(cell, status)
    return table


TABLES: dict[Direction, dict[tuple[Status, Event], Transition]] = {
    "depot": _table(DEPOSIT),
    "retrait": _table(WITHDRAWAL),
}
CASES = [
    (direction, status, event)
    for direction in ("depot", "retrait")
    for status, event in itertools.product(Status, Event)
]


def test_the_tables_cover_every_status_and_event() -> None:
    every = set(itertools.product(Status, Event))
    for direction, table in TABLES.items():
        assert set(table) == every, direction


@pytest.mark.parametrize(("direction", "status", "event"), CASES)
def test_transition_matches_the_table(direction: Direction, status: Status, event: Event) -> None:
    expected = TABLES[direction][status, event]
    got = transition(direction, status, event)
    assert (got.status, got.money, got.refused is not None) == (
        expected.status,
        expected.money,
        expected.refused is not None,
    )
    assert (got.alert is not None) == (expected.alert is not None), got.alert


class TestTheRuleItself:
    """The table's consequences, stated once more as properties over every case."""

    @pytest.mark.parametrize(("direction", "status", "event"), CASES)
    def test_money_goes_back_only_on_a_definitive_failure_or_an_operator(
        self, direction: Direction, status: Status, event: Event
    ) -> None:
        got = transition(direction, status, event)
        if got.money is Money.RELEASE:
            assert event in {
                Event.FAILED,
                Event.EXPIRED,
                Event.REJECTED,
                Event.MISCONFIGURED_AT_INITIATION,
                Event.OPERATOR_FAILED,
            }
        if event in {Event.UNKNOWN, Event.UNREACHABLE, Event.TICK, Event.HORIZON}:
            assert got.money is Money.NONE
            assert got.status not in FINAL or got.status is status

    @pytest.mark.parametrize(("direction", "status", "event"), CASES)
    def test_nothing_leaves_a_final_status_but_a_late_deposit_payment(
        self, direction: Direction, status: Status, event: Event
    ) -> None:
        got = transition(direction, status, event)
        if status in FINAL and got.status is not status:
            assert (direction, got.status, got.money) == ("depot", Status.REUSSIE, Money.CREDIT)
            assert status in {Status.ECHOUEE, Status.EXPIREE}
        if status is Status.REUSSIE:
            assert got.money is Money.NONE  # never a second credit, never a second booking
        if direction == "retrait" and status in FINAL:
            assert got.money is Money.NONE  # released stays released, booked stays booked

    @pytest.mark.parametrize("direction", ["depot", "retrait"])
    def test_a_deposit_waiting_for_the_payers_code_is_pending(self, direction: Direction) -> None:
        assert transition(direction, Status.INITIEE, Event.PENDING).status is Status.EN_ATTENTE
        assert transition(direction, Status.EN_ATTENTE, Event.PENDING).status is Status.EN_ATTENTE


class TestWhatWasHeard:
    @pytest.mark.parametrize(
        ("answer", "event"),
        [
            (ProviderAnswer(outcome=Outcome.SUCCEEDED), Event.SUCCEEDED),
            (ProviderAnswer(outcome=Outcome.FAILED), Event.FAILED),
            (ProviderAnswer(outcome=Outcome.FAILED, expired=True), Event.EXPIRED),
            (ProviderAnswer(outcome=Outcome.PENDING), Event.PENDING),
            (ProviderAnswer(outcome=Outcome.UNKNOWN), Event.UNKNOWN),
        ],
    )
    def test_answers(self, answer: ProviderAnswer, event: Event) -> None:
        assert answer_event(answer) is event

    @pytest.mark.parametrize(
        ("outcome", "trusted", "event"),
        [
            (Outcome.SUCCEEDED, True, Event.SUCCEEDED),
            (Outcome.FAILED, True, Event.FAILED),
            (Outcome.PENDING, True, Event.PENDING),
            (None, True, Event.UNTRUSTED_CALLBACK),
            (Outcome.SUCCEEDED, False, Event.UNTRUSTED_CALLBACK),
            (Outcome.FAILED, False, Event.UNTRUSTED_CALLBACK),
        ],
    )
    def test_callbacks(self, outcome: Outcome | None, trusted: bool, event: Event) -> None:
        assert callback_event(outcome, trusted=trusted) is event

    # call: the first initiation, its repeat by reconciliation, a status call.
    ERRORS = """
    error          initiation                   repeat          status
    unreachable    unreachable                  unreachable     unreachable
    protocol       unreachable                  unreachable     unreachable
    rejected       rejected                     repeat_refused  unreachable
    misconfigured  misconfigured_at_initiation  repeat_refused  misconfigured
    unavailable    misconfigured_at_initiation  repeat_refused  misconfigured
    other          unreachable                  unreachable     unreachable
    """
    EXCEPTIONS: ClassVar[dict[str, ProviderError]] = {
        "unreachable": ProviderUnreachable(),
        "protocol": ProviderProtocolError(),
        "rejected": ProviderRejected(),
        "misconfigured": ProviderMisconfigured(),
        "unavailable": ProviderUnavailable(),
        "other": ProviderError(),
    }

    @pytest.mark.parametrize("row", ERRORS.strip().splitlines()[1:])
    def test_errors(self, row: str) -> None:
        name, *events = row.split()
        for call, expected in zip(("initiation", "repeat", "status"), events, strict=True):
            got = error_event(self.EXCEPTIONS[name], call=call)  # type: ignore[arg-type]
            assert got is Event(expected), (name, call)


class TestReconciliationMoves:
    def test_tick_then_horizon(self) -> None:
        assert after_check(past_horizon=False) is Event.TICK
        assert after_check(past_horizon=True) is Event.HORIZON

    def test_only_an_unconfirmed_operation_is_initiated_again(self) -> None:
        assert [s for s in Status if repeats_initiation(s)] == [Status.INITIEE]

    def test_who_still_listens_to_providers(self) -> None:
        assert {s for s in Status if listens("retrait", s)} == PENDING
        assert {s for s in Status if listens("depot", s)} == set(Status) - {Status.REUSSIE}
