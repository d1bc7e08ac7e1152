"""newsflow's enriched articles in Python.

    from newsflow_client import read
    for article in read("127.0.0.1:9092", idle_timeout=5):
        print(article["title"], [t["label"] for t in article["topics"]])

`read` yields dicts (or protobuf messages with as_dict=False); `decode` turns one record value
(plain protobuf or Confluent-framed) into a message; `newsflow-export` writes Parquet.
"""
from .codec import DecodeError, decode, protobuf_payload, to_dict
from .reader import read
from .schema import DeadLetter, EnrichedArticle, RawArticle, message_class

__all__ = ["read", "decode", "to_dict", "protobuf_payload", "DecodeError", "EnrichedArticle",
           "RawArticle", "DeadLetter", "message_class"]
