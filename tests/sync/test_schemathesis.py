"""schemathesis against the running reference service, with real signed requests: every
documented call, data that fits the document and data that does not; no 500, and every
response (status, content type, headers, body) is one the document describes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as oas_checks

from tests.sync.signer import enrol_key

DOC = Path(__file__).resolve().parents[2] / "sync" / "openapi.yaml"
CHECKS = [
    schemathesis.checks.not_a_server_error,
    oas_checks.status_code_conformance,
    oas_checks.content_type_conformance,
    oas_checks.response_headers_conformance,
    oas_checks.response_schema_conformance,
]


def same_key(case) -> None:
    """A generated batch whose manifest names its own batch id gets it as Idempotency-Key
    too, so that valid-looking batches reach the per-record rules instead of all ending at
    the batch id check."""
    body = case.body
    manifest = body.get("manifest") if isinstance(body, dict) else None
    if case.operation.path.endswith("/batches") and isinstance(manifest, dict):
        if isinstance(manifest.get("batch_id"), str) and case.headers is not None:
            case.headers["Idempotency-Key"] = manifest["batch_id"]


def run_schemathesis(central, examples: int) -> None:
    station = enrol_key(central.url, central.enrol_code())
    station_id = station.station_id
    session = station.session()
    schema = schemathesis.openapi.from_path(DOC)
    operations = [result.ok() for result in schema.get_all_operations()]
    seen: dict[str, Counter[int]] = {}
    assert len(operations) == 8
    for operation in operations:
        modes = [GenerationMode.POSITIVE]
        if list(operation.iter_parameters()) or len(operation.body):
            modes.append(GenerationMode.NEGATIVE)  # nothing to break in GET /v1/config
        for mode in modes:
            fixed = {"station_id": station_id} if "{station_id}" in operation.path else None
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def call(case) -> None:
                same_key(case)
                resp = case.call_and_validate(
                    base_url=central.url, session=session, checks=CHECKS, timeout=10
                )
                seen.setdefault(case.operation.label, Counter())[resp.status_code] += 1

            call()
    print({label: dict(counts) for label, counts in seen.items()})
    # the signatures were real: every signed call got past authentication at least once, and
    # generated batches reached the per-record rules
    for label, counts in seen.items():
        assert set(counts) - {401, 403}, (label, counts)
    assert seen["POST /v1/stations/{station_id}/batches"][200] > 0
    # the service is still well after all of it
    assert requests.get(central.url + "/v1/config", timeout=5).status_code == 200


def test_schemathesis_signed_requests_conform(central):
    run_schemathesis(central, examples=15)


@pytest.mark.slow
def test_schemathesis_signed_requests_conform_long(central):
    run_schemathesis(central, examples=300)
