"""Generated requests (schemathesis) against the OGC API's own OpenAPI document (/ogcapi/api), as each caller
is served it (anonymous: public collections; staff: internal ones too): never a 5xx."""

import pytest
import schemathesis
from hostile_helpers import fuzz_operations

pytestmark = pytest.mark.django_db

EXAMPLES = 25  # per operation and caller; the items operations carry most of the parameters


@pytest.mark.parametrize("caller", ["anonymous", "staff"])
def test_ogcapi_never_answers_5xx(wsgi_app, world, caller):
    headers = {"Authorization": f"Bearer {world.token}"} if caller == "staff" else None
    schema = schemathesis.openapi.from_wsgi("/ogcapi/api?f=json", wsgi_app, **({"headers": headers} if headers else {}))
    operations = {result.ok().label for result in schema.get_all_operations()}
    assert f"GET /collections/{world.parcels.slug}/items" in operations
    assert (f"GET /collections/{world.cameras.slug}/items" in operations) is (caller == "staff")
    failures = fuzz_operations(schema, label=f"ogcapi {caller}", examples=EXAMPLES, headers=headers)
    assert not failures, "\n\n".join(failures)
