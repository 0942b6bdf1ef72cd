"""The OpenAPI document describes the traffic: real requests and responses validate."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from sync import wire
from sync.client import SyncClient
from tests.sync.test_sync import enrolled, fill

DOC = yaml.safe_load((Path(__file__).resolve().parents[2] / "sync" / "openapi.yaml").read_text())


def schema(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}", "components": DOC["components"]}


def validate(instance, name):
    jsonschema.validate(instance, schema(name))


def test_document_is_openapi_3_1_with_every_call():
    assert DOC["openapi"].startswith("3.1")
    paths = set(DOC["paths"])
    assert {
        "/v1/config",
        "/v1/stations/{station_id}/batches",
        "/v1/stations/{station_id}/batches/{batch_id}",
        "/v1/applications:lookup",
        "/v1/stations/{station_id}/changes",
        "/v1/stations/{station_id}/handovers",
    } <= paths
    jsonschema.Draft202012Validator.check_schema(schema("Application"))


def test_real_traffic_validates(station, central):
    import requests

    validate(requests.get(central.url + "/v1/config", timeout=5).json(), "Config")
    coord = enrolled(station, central)
    fill(coord, 3)
    client = SyncClient(coord)
    batch = client._next_batch()
    parts = wire.decode_multipart(batch["body"], batch["content_type"])
    validate(json.loads(parts["manifest"]), "Manifest")
    resp = client.request(
        "POST",
        f"/v1/stations/{client.station_id}/batches",
        batch["body"],
        {"Content-Type": batch["content_type"], "Idempotency-Key": batch["batch_id"]},
    )
    validate(resp.json(), "BatchResult")
    stored = client.request("GET", f"/v1/stations/{client.station_id}/batches/{batch['batch_id']}")
    validate(stored.json(), "BatchResult")
    central.store.produce()
    feed = client.request(
        "GET", f"/v1/stations/{client.station_id}/changes", params={"since": 0, "limit": 100}
    )
    validate(feed.json(), "Changes")
    uuids = [e["uuid"] for e in feed.json()["events"]][:2]
    look = client.request(
        "POST",
        "/v1/applications:lookup",
        json.dumps({"uuids": uuids + ["x"]}).encode(),
        {"Content-Type": "application/json"},
    )
    validate(look.json(), "Lookup")
    bad = client.request("GET", f"/v1/stations/{client.station_id}/batches/nope")
    validate(bad.json(), "Error")


@pytest.mark.parametrize("name", ["Manifest", "BatchResult", "Changes"])
def test_schemas_reject_garbage(name):
    with pytest.raises(jsonschema.ValidationError):
        validate({"nonsense": True}, name)


def test_code_tables_traffic_validates(station, central):
    """``GET /v1/code-tables`` answers the station's city's table in the documented shape;
    ``/v1/config`` names its version and the export key."""
    import requests

    from station.profile.demo import demo_profile
    from sync.server.tables import publish

    coord = enrolled(station, central)
    client = SyncClient(coord)
    missing = client.request("GET", "/v1/code-tables")
    assert missing.status_code == 404
    validate(missing.json(), "Error")
    publish(central.store, demo_profile("4501"))
    config = requests.get(central.url + "/v1/config", timeout=5).json()
    validate(config, "Config")
    assert config["code_tables"] == {"4501": "demo.1"}
    resp = client.request("GET", "/v1/code-tables")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    validate(resp.json(), "CodeTables")
    assert resp.json()["city"] == "4501"
