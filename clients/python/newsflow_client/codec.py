"""Decoding record values: plain protobuf or the Confluent Schema Registry framing."""
from google.protobuf.descriptor import FieldDescriptor

from .schema import EnrichedArticle


class DecodeError(ValueError):
    """A record value that is not a newsflow message (or its framing is broken)."""


def _zigzag_varint(data, pos):
    result, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise DecodeError("Confluent framing: a message index is cut short")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), pos
        shift += 7


def protobuf_payload(value):
    """The protobuf bytes of a record value, and the schema id (None when not framed).

    Confluent framing is magic byte 0, a 4-byte big-endian schema id, the message-index
    array as zig-zag varints, then protobuf. Plain protobuf never starts with byte 0.
    """
    if not value or value[0] != 0:
        return value, None
    if len(value) < 6:
        raise DecodeError("Confluent framing: %d bytes is too short" % len(value))
    schema_id = int.from_bytes(value[1:5], "big")
    count, pos = _zigzag_varint(value, 5)
    if count < 0 or count > 100:
        raise DecodeError("Confluent framing: bad message-index count %d" % count)
    for _ in range(count):
        _, pos = _zigzag_varint(value, pos)
    return value[pos:], schema_id


def decode(value, message_class=EnrichedArticle):
    """The message in a record value (either framing)."""
    payload, _ = protobuf_payload(value)
    message = message_class()
    try:
        message.ParseFromString(payload)
    except Exception as e:  # protobuf raises DecodeError of its own
        raise DecodeError("not a %s: %s" % (message_class.DESCRIPTOR.full_name, e)) from e
    return message


def to_dict(message):
    """A plain dict with every field (defaults included), proto field names as keys, enums
    as their names and 64-bit integers as ints (unlike json_format, which makes them strings).
    """
    out = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if _is_repeated(field):
                out[field.name] = [to_dict(v) for v in value]
            else:
                out[field.name] = to_dict(value) if message.HasField(field.name) else None
        elif field.type == FieldDescriptor.TYPE_ENUM:
            names = field.enum_type.values_by_number
            convert = lambda v: names[v].name if v in names else v  # noqa: E731
            out[field.name] = [convert(v) for v in value] if _is_repeated(field) else convert(value)
        else:
            out[field.name] = list(value) if _is_repeated(field) else value
    return out


def _is_repeated(field):
    # protobuf 5+ has is_repeated; older versions only label.
    flag = getattr(field, "is_repeated", None)
    return flag if flag is not None else field.label == FieldDescriptor.LABEL_REPEATED
