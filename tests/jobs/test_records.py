"""Job records: their JSON form, across versions."""

from snt_web.jobs import JobRecord


def test_a_record_round_trips_through_its_dict():
    record = JobRecord(id="abc", kind="filter-layer", project_id="demo", user="ann", params={"layer": "frangi"},
                       state="done", progress=100.0, result={"shape": [2, 3, 4]}, created=1.0, started=2.0,
                       finished=3.0, worker="pid 7 on host h", heartbeat=3.0)
    assert JobRecord.from_dict(record.to_dict()) == record
    assert record.is_finished and not JobRecord("x", "k", "p", None, {}).is_finished


def test_fields_of_a_newer_version_are_ignored():
    data = JobRecord("abc", "sleep", "demo", None, {}).to_dict() | {"priority": 5}
    assert JobRecord.from_dict(data) == JobRecord("abc", "sleep", "demo", None, {})
