"""Property-based fuzzing of the whole API from its own OpenAPI document.

Every operation in the document is exercised, so endpoints added later are covered
without touching this file. Requests run as an admin so they reach past the auth checks.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from backend.auth import service as auth_service
from backend.auth.models import User
from backend.auth.permissions import OPERATOR
from backend.cases import service as cases
from backend.cases.models import Status
from backend.departments import service as departments
from backend.extensions import db, limiter
from tests.conftest import _empty_tables
from tests.fixtures_cases import PATHS, _step_data
from tests.helpers import PASSWORD

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def fuzz_target(_shared_app):
    """The app with an admin, and no app context held open: each request gets its own."""
    with _shared_app.app_context():
        admin = auth_service.create_user(
            db.session,
            email="fuzz-admin@example.org",
            password=PASSWORD,
            display_name="Fuzz",
            role="admin",
        )
        token = auth_service.issue_token(db.session, admin, ttl_days=1)
        db.session.commit()
    limiter.enabled = False  # fuzzing is not abuse; limits have their own tests
    # Called through WSGI, nothing would decode a gzipped answer (compression has its own
    # tests in tests/foundation/test_compression.py).
    yield _shared_app, {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    limiter.enabled = True
    with _shared_app.app_context():
        _empty_tables()


@pytest.fixture
def api_schema(fuzz_target):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_target[0])


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_keeps_its_documented_shape(case, fuzz_target):
    case.call_and_validate(headers=fuzz_target[1], checks=CHECKS)


@pytest.fixture
def live_cases(fuzz_target):
    """Real cases in every state (two departments), so that fuzzed transitions reach the
    service instead of stopping at a 404 for an unknown id."""
    app, _headers = fuzz_target
    with app.app_context():
        for code in ("roads", "water"):
            departments.create_department(
                db.session, OPERATOR, {"code": code, "name": code.title()}
            )
        departments.create_category(
            db.session,
            OPERATOR,
            {"code": "pothole", "name": "Pothole", "department": "roads", "sla_hours": 48},
        )
        reporter = auth_service.create_user(
            db.session, email="r@example.org", password=PASSWORD, display_name="R"
        )
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        data = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "A hole"}
        ids = []
        for status in [s for s in Status for _ in range(3)]:
            case = cases.create_case(db.session, reporter, dict(data))
            target = cases.create_case(db.session, reporter, dict(data))
            for action in PATHS[status]:
                cases.transition(db.session, case, admin, _step_data(action, target))
            ids += [case.id, target.id]
        db.session.commit()
    return ids


transitions = schemathesis.pytest.from_fixture("api_schema").include(
    method="POST", path_regex=r"/transitions$"
)


@transitions.parametrize()
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
def test_transitions_never_fail(case, fuzz_target, live_cases):
    """POST /cases/{id}/transitions once answered 500: fuzzed harder than the rest, on real
    cases in every state (a generated id that is a valid one is swapped for one of them)."""
    generated = case.path_parameters.get("case_id")
    if isinstance(generated, int) and 0 < generated < 2**31:
        case.path_parameters["case_id"] = live_cases[generated % len(live_cases)]
    case.call_and_validate(headers=fuzz_target[1], checks=CHECKS)


# --- stateful: chains of calls that follow the links between operations --------------------

STATEFUL = settings(
    max_examples=100,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.generate],
)


def _realistic(case) -> None:
    """A generated report names a category that exists and no department (unless its
    category was left empty): otherwise every chain that starts at POST /cases stops at
    its 422."""
    body = case.body
    if case.operation.label == "POST /api/v1/cases" and isinstance(body, dict):
        if body.get("category") == "":
            return  # keep some reports that are refused for it
        body.update(category="pothole", lat=31.23, lon=121.47)
        body.pop("departments", None)  # codes that exist are the staff's business


def _fresh_city(app) -> dict:
    """Empty tables, an admin and a category: each scenario starts from the same state, or
    hypothesis would see the same choices lead elsewhere (a department code taken by an
    earlier scenario is a 409 the second time) and give up on the run as flaky."""
    with app.app_context():
        _empty_tables()
        admin = auth_service.create_user(
            db.session, email="chain@example.org", password=PASSWORD, display_name="C", role="admin"
        )
        departments.create_department(db.session, admin, {"code": "roads", "name": "Roads"})
        departments.create_category(
            db.session,
            admin,
            {"code": "pothole", "name": "Pothole", "department": "roads", "sla_hours": 48},
        )
        token = auth_service.issue_token(db.session, admin, ttl_days=1)
        db.session.commit()
    return {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}


def test_chains_of_linked_calls_never_fail(api_schema, fuzz_target):
    """schemathesis infers the links from the document (an id a response carries and a
    path parameter of the same resource), so e.g. POST /cases leads to GET, follow, comment
    and transitions on the case it made; each step is checked like the calls above."""
    app = fuzz_target[0]
    machine = api_schema.as_state_machine()  # infers the links into the document
    linked = api_schema.operations_with_incoming_links()
    assert {"GET /api/v1/cases/{case_id}", "POST /api/v1/cases/{case_id}/transitions"} <= linked
    answered = []

    class Chains(machine):
        def setup(self):
            self.headers = _fresh_city(app)

        def before_call(self, case):
            _realistic(case)

        def after_call(self, response, case):
            super().after_call(response, case)
            answered.append((case.operation.label, response.status_code))

        def get_call_kwargs(self, case):
            return {"headers": self.headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                checks=CHECKS,
                headers=self.headers,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    Chains.run(settings=STATEFUL)
    import collections

    print(collections.Counter(answered).most_common(60))
