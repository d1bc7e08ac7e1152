"""The newsflow.v1 message classes, built from the bundled FileDescriptorSet.

The descriptor set is what `newsflow schema --descriptor-set` writes (a test checks that the
bundled copy is current), so no protoc and no generated code are needed.
"""
import os

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_DESCRIPTOR_SET = os.path.join(os.path.dirname(__file__), "newsflow_v1.desc")


def _load_pool(path=_DESCRIPTOR_SET):
    with open(path, "rb") as f:
        file_set = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file_proto in file_set.file:
        pool.Add(file_proto)
    return pool


POOL = _load_pool()


def message_class(full_name):
    """The Python class of a newsflow.v1 message, e.g. "newsflow.v1.EnrichedArticle"."""
    return message_factory.GetMessageClass(POOL.FindMessageTypeByName(full_name))


EnrichedArticle = message_class("newsflow.v1.EnrichedArticle")
RawArticle = message_class("newsflow.v1.RawArticle")
DeadLetter = message_class("newsflow.v1.DeadLetter")
