"""What the hostile-input tests share: the tally of cases tried and the in-process app that forgets each request."""

from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction

__all__ = ["CASES", "PHAN_RANG", "count_cases", "RolledBackApp"]

PHAN_RANG = (108.9497, 11.5992)  # the Cham towers of Pô Klông Garai, inside the province
CASES: dict[str, int] = {}


def count_cases(kind: str, n: int = 1) -> None:
    """Adds n hostile cases of `kind` to the run's tally (the closing note reports it)."""
    CASES[kind] = CASES.get(kind, 0) + n


class RolledBackApp:
    """Django's WSGI handler with each request inside a savepoint that is rolled back once the body is read.

    Thousands of generated requests then leave the test's rows as they were, and a statement that fails in one
    request cannot poison the next (the test's transaction is never left aborted). Django's connection cleanup at
    the end of a request is off meanwhile, as Django's own test client does, or it would close the test's
    transaction."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        sid = transaction.savepoint()
        try:
            body = self.handler(environ, start_response)
            try:
                content = b"".join(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            transaction.savepoint_rollback(sid)
        return [content]


def fuzz_operations(schema, *, label: str, examples: int, headers: dict | None = None,
                    body_extra: dict | None = None) -> list[str]:
    """Runs `examples` generated cases (valid and invalid by the schema) on each operation of `schema`; returns
    one line per operation that answered a 5xx, with the request that did it. `body_extra` is written over the
    fields of generated object bodies (a real key, so generated reports get past the key check).

    Driven by Hypothesis directly rather than by schemathesis' pytest plugin, so that every operation runs and
    is reported (not only the first that fails), without shrinking: the first failing request is the report."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategies = [operation.as_strategy(generation_mode=mode)
                      for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(strategies))
        def attempt(case):
            if body_extra and isinstance(case.body, dict):
                case.body.update(body_extra)
            response = case.call(headers=headers)
            count_cases(label)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}\n"
                f"{case.as_curl_command(headers=headers)}\n{response.text[:1500]}")

        try:
            attempt()
        except AssertionError as exc:
            failures.append(str(exc))
    return failures
