"""Property-based fuzzing of the whole API from its own OpenAPI document.

Every operation in the document is exercised, so endpoints added later are covered
without touching this file. Requests run as an admin so they reach past the auth checks.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from backend.auth import service as auth_service
from backend.extensions import db, limiter
from tests.conftest import _empty_tables
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
    yield _shared_app, {"Authorization": f"Bearer {token}"}
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
