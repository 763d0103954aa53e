"""Generated requests for every operation in `/api/openapi.json`: no input gives a 5xx.

Schemathesis reads the document the app serves, and Hypothesis generates valid and invalid
paths, queries, headers and bodies for each operation; a server error fails the test with the
request that caused it.
"""

from __future__ import annotations

import schemathesis
from hypothesis import given, settings
from schemathesis.checks import not_a_server_error

from tests.fuzz.conftest import FUZZ_PROFILE


def test_no_generated_api_request_gets_a_server_error(seeded_app, credentials):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", seeded_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9  # every feature's API is in the document

    answered: dict[str, set[int]] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(FUZZ_PROFILE)
        def no_server_error(case):
            response = case.call_and_validate(headers=credentials, checks=[not_a_server_error])
            answered.setdefault(case.operation.label, set()).add(response.status_code)

        no_server_error()

    # The generated input got past the sign-in into each operation's own checks.
    assert all(codes - {401, 403} for codes in answered.values()), answered
