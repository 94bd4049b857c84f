"""Generated requests (schemathesis) against every operation of /api/openapi.json, anonymous and as staff:
whatever arrives, the answer is never a 5xx."""

import pytest
import schemathesis
from hostile_helpers import fuzz_operations

pytestmark = pytest.mark.django_db

EXAMPLES = 10  # per operation and caller: two passes over ~80 operations take about a minute and a half


@pytest.fixture
def api_schema(wsgi_app, world):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)


def test_the_schema_lists_every_operation(api_schema):
    assert len(list(api_schema.get_all_operations())) >= 80


@pytest.mark.parametrize("caller", ["anonymous", "staff"])
def test_api_never_answers_5xx(api_schema, world, caller):
    headers = {"Authorization": f"Bearer {world.token}"} if caller == "staff" else None
    failures = fuzz_operations(api_schema, label=f"openapi {caller}", examples=EXAMPLES, headers=headers)
    assert not failures, "\n\n".join(failures)
