"""The client's decoding without a broker: framing golden bytes, dicts, the bundled schema."""
import os
import subprocess

import pytest

import newsflow_client
from newsflow_client import DecodeError, decode, protobuf_payload, to_dict
from newsflow_client.schema import _DESCRIPTOR_SET


def article():
    message = newsflow_client.EnrichedArticle(id="a1", title="Harbour plan approved")
    message.provenance.ingested_at_ms = 1796621301581
    topic = message.topics.add()
    topic.code, topic.label, topic.score = "medtop:11000000", "politics", 0.5
    return message


def test_plain_and_framed_values_decode_to_the_same_article():
    payload = article().SerializeToString()
    framed = bytes([0, 0, 0, 0, 7, 2, 4]) + payload
    assert protobuf_payload(framed) == (payload, 7)
    assert protobuf_payload(payload) == (payload, None)
    assert decode(framed) == decode(payload) == article()
    assert decode(bytes([0, 0, 0, 0, 7, 0]) + payload) == article()  # the array [0]


def test_broken_framing_is_a_decode_error():
    for value in (b"\x00\x00\x00", b"\x00\x00\x00\x00\x01\x02", b"\x00\x00\x00\x00\x01\x80"):
        with pytest.raises(DecodeError):
            decode(value)
    with pytest.raises(DecodeError):
        decode(b"\xff\xff\xff")


def test_dicts_keep_64_bit_integers_as_ints_and_enums_as_names():
    d = to_dict(article())
    assert d["provenance"]["ingested_at_ms"] == 1796621301581
    assert d["topics"] == [{"code": "medtop:11000000", "label": "politics", "score": 0.5}]
    assert d["dedup"] is None
    message = article()
    message.dedup.status = message.dedup.NEAR_DUPLICATE
    assert to_dict(message)["dedup"]["status"] == "NEAR_DUPLICATE"


def test_arrow_schema_nests_topics_and_regions():
    pa = pytest.importorskip("pyarrow")
    from newsflow_client.export import arrow_schema
    schema = arrow_schema()
    assert schema.field("topics").type == pa.list_(pa.struct([
        ("code", pa.string()), ("label", pa.string()), ("score", pa.float32())]))
    assert pa.types.is_list(schema.field("regions").type)
    assert schema.field("provenance").type.field("ingested_at_ms").type == pa.int64()


def test_the_bundled_descriptor_set_is_what_newsflow_schema_writes():
    binary = os.environ.get("NEWSFLOW_BIN")
    if not binary:
        pytest.skip("NEWSFLOW_BIN is not set")
    current = subprocess.run([binary, "schema", "--descriptor-set", "-"], capture_output=True,
                             check=True).stdout
    with open(_DESCRIPTOR_SET, "rb") as f:
        assert f.read() == current, ("clients/python/newsflow_client/newsflow_v1.desc is stale: "
                                     "newsflow schema --descriptor-set "
                                     "clients/python/newsflow_client/newsflow_v1.desc")
