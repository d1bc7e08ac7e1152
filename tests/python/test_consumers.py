"""newsflow's output read the way data platforms read it, against the real broker:
the Python client, newsflow-export to Parquet, and the Confluent wire format decoded by
confluent-kafka's own ProtobufDeserializer with its registry client on the stand-in."""
import os

import pyarrow.parquet as pq
from confluent_kafka import Consumer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

import newsflow_client
from newsflow_client.export import main as export_main


def raw_values(brokers, topic):
    """Every value of `topic` as bytes, undecoded, in partition then offset order."""
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": "raw-" + topic,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "enable.partition.eof": True})
    assigned, at_end, values = set(), set(), {}
    consumer.subscribe([topic], on_assign=lambda c, ps: assigned.update(p.partition for p in ps))
    try:
        while not assigned or at_end != assigned:
            record = consumer.poll(10)
            assert record is not None, "no record or end of partition within 10 s"
            if record.error():
                at_end.add(record.partition())
                continue
            values.setdefault(record.partition(), []).append(record.value())
    finally:
        consumer.close()
    return [v for p in sorted(values) for v in values[p]]


def test_python_client_reads_what_newsflow_consume_prints(pipeline_factory):
    pipeline = pipeline_factory()
    expected = pipeline.consume_jsonl()
    assert len(expected) >= 7
    articles = list(newsflow_client.read(pipeline.brokers, pipeline.enriched, idle_timeout=2))
    # Same records; order is per partition, so compare as sets of (id, title).
    assert sorted((a["id"], a["title"]) for a in articles) == \
        sorted((e["id"], e["title"]) for e in expected)
    first = articles[0]
    assert isinstance(first["provenance"]["ingested_at_ms"], int)
    assert first["dedup"]["status"] in ("UNIQUE", "NEAR_DUPLICATE", "EXACT_DUPLICATE")
    assert any(a["topics"] for a in articles) and any(a["regions"] for a in articles)
    messages = list(newsflow_client.read(pipeline.brokers, pipeline.enriched, idle_timeout=2,
                                         as_dict=False))
    assert isinstance(messages[0], newsflow_client.EnrichedArticle)


def test_a_group_goes_on_where_it_stopped(pipeline_factory):
    pipeline = pipeline_factory()
    group = pipeline.group + "-reader"
    first = list(newsflow_client.read(pipeline.brokers, pipeline.enriched, group=group,
                                      idle_timeout=2))
    again = list(newsflow_client.read(pipeline.brokers, pipeline.enriched, group=group,
                                      idle_timeout=2))
    assert len(first) >= 7 and again == []


def test_export_writes_one_parquet_row_per_article(pipeline_factory, tmp_path):
    pipeline = pipeline_factory()
    expected = pipeline.consume_jsonl()
    out = tmp_path / "parquet"
    code = export_main(["--brokers", pipeline.brokers, "--topic", pipeline.enriched,
                        "--parquet", str(out), "--idle-timeout", "2", "--rows-per-file", "4"])
    assert code == 0
    files = sorted(os.listdir(out))
    assert len(files) == (len(expected) + 3) // 4 and all(f.endswith(".parquet") for f in files)
    table = pq.read_table(str(out))
    assert table.num_rows == len(expected)
    rows = table.to_pylist()
    assert sorted(r["id"] for r in rows) == sorted(e["id"] for e in expected)
    topics_type = table.schema.field("topics").type
    assert str(topics_type).startswith("list<") and "struct<" in str(topics_type)
    by_id = {e["id"]: e for e in expected}
    for row in rows:
        want = [t["code"] for t in by_id[row["id"]].get("topics", [])]
        assert [t["code"] for t in row["topics"]] == want


def test_confluent_framing_is_decoded_by_confluent_kafkas_deserializer(pipeline_factory,
                                                                       registry):
    pipeline = pipeline_factory(["--output-framing", "confluent", "--schema-registry-url",
                                 registry.url])
    # newsflow registered the .proto under <topic>-value through the REST API.
    posts = [r for r in registry.requests() if r["method"] == "POST"]
    assert posts[0]["path"] == "/subjects/%s-value/versions" % pipeline.enriched
    assert posts[0]["body"]["schemaType"] == "PROTOBUF"
    assert "message EnrichedArticle" in posts[0]["body"]["schema"]
    assert posts[0]["content_type"] == "application/vnd.schemaregistry.v1+json"

    values = raw_values(pipeline.brokers, pipeline.enriched)
    assert len(values) >= 7
    client = SchemaRegistryClient({"url": registry.url})
    subject = "%s-value" % pipeline.enriched
    latest = client.get_latest_version(subject)
    # Magic byte 0, the id the registry gave, message indexes [2] (EnrichedArticle is the
    # third message of article.proto): 0x02 0x04.
    for value in values:
        assert value[0] == 0
        assert int.from_bytes(value[1:5], "big") == latest.schema_id
        assert value[5:7] == b"\x02\x04"
    deserializer = ProtobufDeserializer(newsflow_client.EnrichedArticle,
                                        {"use.deprecated.format": False},
                                        schema_registry_client=client)
    context = SerializationContext(pipeline.enriched, MessageField.VALUE)
    decoded = [deserializer(v, context) for v in values]
    expected = pipeline.consume_jsonl()  # newsflow's own reader reads the framed records too
    assert sorted((d.id, d.title) for d in decoded) == \
        sorted((e["id"], e["title"]) for e in expected)
    # The Python client reads framed records as well.
    assert sorted(a["id"] for a in newsflow_client.read(pipeline.brokers, pipeline.enriched,
                                                        idle_timeout=2)) == \
        sorted(d.id for d in decoded)


def test_confluent_registry_client_and_newsflow_speak_one_protocol(pipeline_factory, registry,
                                                                   newsflow_bin):
    pipeline = pipeline_factory(["--output-framing", "confluent", "--schema-registry-url",
                                 registry.url, "--schema-subject-strategy", "record"])
    client = SchemaRegistryClient({"url": registry.url})
    assert client.get_subjects() == ["newsflow.v1.EnrichedArticle"]
    registered = client.get_latest_version("newsflow.v1.EnrichedArticle")
    import subprocess
    proto = subprocess.run([newsflow_bin, "schema", "--file", "newsflow/v1/article.proto"],
                           capture_output=True, text=True, check=True).stdout
    assert registered.schema.schema_str == proto
    assert registered.schema.schema_type == "PROTOBUF"
    # confluent-kafka registering the same text gets newsflow's id back, and finds it.
    same = Schema(proto, schema_type="PROTOBUF")
    assert client.register_schema("newsflow.v1.EnrichedArticle", same) == registered.schema_id
    assert client.lookup_schema("newsflow.v1.EnrichedArticle", same).schema_id == \
        registered.schema_id
    assert client.get_schema(registered.schema_id).schema_str == proto
    assert len(pipeline.consume_jsonl()) >= 7
