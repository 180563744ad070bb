"""Schemathesis fuzzes every operation of the app's own OpenAPI schema, in-process on real PostgreSQL:
positive and negative inputs, as an admin and without credentials. No response may be a 5xx, and every
response must match the documented schema."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance
from user_service.api.app import build_app
from user_service.composition import Container
from user_service.domain.user import UserBuilder

from tests.userapp.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, make_container

EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def fuzz_container(db_url: str) -> Iterator[Container]:
    container = make_container(db_url)
    container.bootstrap_first_admin()
    with container.unit_of_work() as uow:  # some users with small ids, so that generated ids hit now and then
        for n in range(2, 30):
            builder = UserBuilder().with_email(f"user{n}@example.com").with_name(f"User {n}")
            uow.users.add(builder.with_password_hash(container.hasher.hash("password-1")).build())
        uow.commit()
    yield container
    asgi.shutdown_lifespans()
    container.close()


def fuzz_operation(
    operation, mode: GenerationMode, headers: dict[str, str] | None, examples: int, statuses: Counter[int]
):
    checks = [not_a_server_error, response_schema_conformance]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.nested_given,
        ],
    )
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=checks, headers=headers)

    return fuzz


@pytest.fixture
def auth(fuzz_container: Container) -> dict[str, str]:
    with fuzz_container.unit_of_work() as uow:
        token = fuzz_container.auth_service(uow).login(ADMIN_EMAIL, ADMIN_PASSWORD).token
    return {"Authorization": f"Bearer {token}"}


def test_no_5xx_and_schema_conformance(fuzz_container: Container, auth: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", build_app(fuzz_container))
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results) >= 10  # every operation of the schema could be loaded
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for headers, examples in ((auth, EXAMPLES_PER_OPERATION), (None, 5)):
                try:
                    # pylint: disable-next=no-value-for-parameter  # @given supplies `case`
                    fuzz_operation(operation, mode, headers, examples, statuses)()
                except Unsatisfiable:  # no parameters, so no invalid input to make (e.g. GET /healthz)
                    assert mode is GenerationMode.NEGATIVE
                # pylint: disable-next=broad-exception-caught  # collect: one run reports every broken operation
                except Exception as failure:  # noqa: BLE001
                    who = "admin" if headers else "anonymous"
                    failures.append(f"{operation.label} [{mode.value}, {who}]: {failure}")
    assert not failures, "\n\n".join(failures)
    assert not [status for status in statuses if status >= 500]
    # the fuzzing got past authentication and validation, and hit the error paths too
    assert {200, 201, 401, 404, 422} <= set(statuses), statuses
