"""Random sequences of actions by random people, over HTTP (hypothesis state machine).

Invariants after every step: the status changes only through events, one event per
successful transition; the events replay to the current status; internal notes and their
events never reach a resident or an anonymous visitor.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from backend.cases import service
from backend.cases.assignment import EVENT as ASSIGN_PERSON
from backend.cases.models import Case, CaseEvent
from backend.cases.transitions import TRANSITIONS
from backend.extensions import db

ROLES = ["anonymous", "reporter", "resident", "volunteer", "staff", "water_staff", "admin"]
HANDLERS = ["staff", "water_staff", "admin"]
OK_FAILURES = {401, 403, 409, 422}
_secrets = itertools.count(1)


def _events(case_id: int) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(db.session.scalars(stmt))


@pytest.mark.slow
def test_random_action_sequences_keep_the_invariants(app, client, city, token_for, make_case):
    headers = {
        role: {} if role == "anonymous" else token_for(getattr(city, role)) for role in ROLES
    }

    class CaseLoop(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.cases = [make_case().id]
            self.transitions_done = {self.cases[0]: 0}
            self.secrets: list[str] = []
            self.touched = self.cases[0]

        def pick(self, index: int) -> int:
            self.touched = self.cases[index % len(self.cases)]
            return self.touched

        @rule()
        def file_another_case(self):
            case_id = make_case().id
            self.cases.append(case_id)
            self.transitions_done[case_id] = 0

        @rule(
            index=st.integers(0, 50),
            action=st.sampled_from(sorted(TRANSITIONS)),
            role=st.sampled_from(ROLES),
            department=st.sampled_from(["roads", "water", None]),
            with_fields=st.booleans(),
            override=st.booleans(),
        )
        def anything(self, index, action, role, department, with_fields, override):
            """Any action by anyone: mostly refused, and refusals must change nothing."""
            self.act(self.pick(index), action, role, department, with_fields, override)

        @rule(
            index=st.integers(0, 50),
            choice=st.integers(0, 1000),
            department=st.sampled_from(["roads", "water", None]),
            override=st.booleans(),
        )
        def progress(self, index, choice, department, override):
            """An action the current state allows, by someone the table allows: reaches deep
            states (reopen after close, transfer back and forth) in few steps."""
            case_id = self.pick(index)
            db.session.rollback()
            case = db.session.get(Case, case_id)
            options = [
                (action, role)
                for action, row in sorted(TRANSITIONS.items())
                if case.status in row.sources
                for role in ROLES[1:]
                if row.who(getattr(city, role), case)
            ]
            if options:
                action, role = options[choice % len(options)]
                self.act(case_id, action, role, department, True, override)

        def act(self, case_id, action, role, department, with_fields, override):
            body = {"action": action, "department": department}
            if with_fields:
                body |= {"note": "A note", "reason": "A reason"}
            if override:
                body["override_open_tasks"] = True
            if action == "merge":
                body["merge_into"] = make_case(reporter=city.resident).id
            db.session.rollback()
            before = db.session.get(Case, case_id).status
            count = len(_events(case_id))
            response = client.post(
                f"/api/v1/cases/{case_id}/transitions", json=body, headers=headers[role]
            )
            db.session.rollback()
            after = db.session.get(Case, case_id).status
            events = _events(case_id)
            if response.status_code == 200:
                # One event for the transition, then at most the assignment it implies
                # (starting an unassigned case takes it on; a transfer leaves its assignee).
                new = events[count:]
                assert [e.action for e in new[1:]] in ([], [ASSIGN_PERSON]), new
                assert (new[0].action, new[0].from_status) == (action, before)
                assert new[0].to_status == after == TRANSITIONS[action].target
                self.transitions_done[case_id] += 1
            else:
                assert response.status_code in OK_FAILURES, response.get_json()
                assert (after, len(events)) == (before, count)

        @rule(index=st.integers(0, 50), role=st.sampled_from(HANDLERS), internal=st.booleans())
        def comment(self, index, role, internal):
            case_id = self.pick(index)
            text = f"SECRET-{next(_secrets)}" if internal else "A public reply"
            response = client.post(
                f"/api/v1/cases/{case_id}/comments",
                json={"body": text, "internal": internal},
                headers=headers[role],
            )
            if response.status_code in (404, 429):  # comments unavailable or rate limited
                case = db.session.get(Case, case_id)
                service.record_comment_event(
                    db.session, case, getattr(city, role), internal=internal
                )
                db.session.commit()
            else:
                assert response.status_code in (201, 403, 409, 422), response.get_json()
            if internal:
                self.secrets.append(text)

        @rule(
            index=st.integers(0, 50),
            role=st.sampled_from(HANDLERS),
            department=st.sampled_from(["roads", "water"]),
        )
        def ask_for_help(self, index, role, department):
            case_id = self.pick(index)
            response = client.post(
                f"/api/v1/cases/{case_id}/tasks",
                json={"department": department},
                headers=headers[role],
            )
            assert response.status_code in (201, 403, 409, 422)

        @rule(index=st.integers(0, 50), role=st.sampled_from(HANDLERS))
        def finish_tasks(self, index, role):
            case_id = self.pick(index)
            listed = client.get(f"/api/v1/cases/{case_id}/tasks", headers=headers[role])
            for task in listed.get_json().get("items", []) if listed.status_code == 200 else []:
                if task["status"] == "open":
                    response = client.post(
                        f"/api/v1/cases/{case_id}/tasks/{task['id']}/done",
                        json={"note": "Done on our side"},
                        headers=headers[role],
                    )
                    assert response.status_code in (200, 403)

        @invariant()
        def events_replay_to_the_status(self):
            db.session.rollback()
            for case_id in self.cases:
                events = _events(case_id)
                status = None
                for event in events:
                    assert event.from_status == status, (event.action, event.from_status, status)
                    if event.to_status != event.from_status and event.action != "submit":
                        assert event.action in TRANSITIONS
                    status = event.to_status
                assert events[0].action == "submit"
                assert db.session.get(Case, case_id).status == status
                transitions = sum(event.action in TRANSITIONS for event in events)
                assert transitions == self.transitions_done[case_id]

        @invariant()
        def internal_notes_never_leak(self):
            for case_id in self.cases[-2:]:
                for role in ("anonymous", "resident", "reporter"):
                    seen = ""
                    for path in ("", "/events?per_page=500", "/comments?per_page=100"):
                        response = client.get(
                            f"/api/v1/cases/{case_id}{path}", headers=headers[role]
                        )
                        if response.status_code == 200:
                            seen += response.get_data(as_text=True)
                    assert '"internal": true' not in seen.replace(
                        '"internal":true', '"internal": true'
                    )
                    assert "internal_note" not in seen
                    assert not any(secret in seen for secret in self.secrets)

    run_state_machine_as_test(
        CaseLoop,
        settings=settings(
            max_examples=8,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
