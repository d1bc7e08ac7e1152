"""newsflow-export: write a newsflow topic to Parquet, one row per article.

    newsflow-export --brokers 127.0.0.1:9092 --topic news.enriched --parquet out/

Columns follow newsflow.v1.EnrichedArticle field by field (proto field names); nested
messages are structs, repeated fields lists (so `topics` and `regions` are lists of structs),
enums their names. Files are written whole under a temporary name, then renamed, so a reader
never sees half a file. With --group, offsets are committed after each file is in place:
a crash repeats at most one file's rows, never loses any.
"""
import argparse
import datetime
import os
import sys
import time

from google.protobuf.descriptor import FieldDescriptor

from .codec import DecodeError, _is_repeated, decode, to_dict
from .reader import TopicReader
from .schema import EnrichedArticle

_SCALARS = {
    FieldDescriptor.TYPE_DOUBLE: "float64", FieldDescriptor.TYPE_FLOAT: "float32",
    FieldDescriptor.TYPE_INT64: "int64", FieldDescriptor.TYPE_SINT64: "int64",
    FieldDescriptor.TYPE_SFIXED64: "int64", FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_FIXED64: "uint64", FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_SINT32: "int32", FieldDescriptor.TYPE_SFIXED32: "int32",
    FieldDescriptor.TYPE_UINT32: "uint32", FieldDescriptor.TYPE_FIXED32: "uint32",
    FieldDescriptor.TYPE_BOOL: "bool_", FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "binary", FieldDescriptor.TYPE_ENUM: "string",
}


def arrow_schema(descriptor=EnrichedArticle.DESCRIPTOR):
    """The Arrow schema of a message: one column per field, nested as the message is."""
    import pyarrow as pa

    def field_type(field):
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            base = pa.struct([pa.field(f.name, field_type(f)) for f in field.message_type.fields])
        else:
            base = getattr(pa, _SCALARS[field.type])()
        return pa.list_(base) if _is_repeated(field) else base

    return pa.schema([pa.field(f.name, field_type(f)) for f in descriptor.fields])


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="newsflow-export",
        description="Write the articles of a newsflow topic to Parquet files, one row per "
        "article (topics and regions as nested lists). Reads with read_committed. Stops once "
        "every partition is read and idle for --idle-timeout seconds, unless --follow.",
        epilog="Exit status: 0 all written; 1 broker or file error; 3 written, but some records "
        "could not be decoded (each reported with topic, partition and offset); 130 interrupted.")
    parser.add_argument("--brokers", required=True, help="bootstrap servers, e.g. 127.0.0.1:9092")
    parser.add_argument("--topic", default="news.enriched", help="topic (default news.enriched)")
    parser.add_argument("--parquet", required=True, metavar="DIR",
                        help="directory the .parquet files are written to (created if missing)")
    parser.add_argument("--group", help="consumer group: go on where the last export stopped "
                        "(offsets committed after each file). Default: a fresh group, whole topic")
    parser.add_argument("--rows-per-file", type=int, default=100000,
                        help="rows per Parquet file (default 100000)")
    parser.add_argument("--idle-timeout", type=float, default=5.0,
                        help="seconds idle at the end of every partition before stopping (default 5)")
    parser.add_argument("--follow", action="store_true",
                        help="keep running; a file is written every --rows-per-file rows or "
                        "--flush-seconds, whichever comes first")
    parser.add_argument("--flush-seconds", type=float, default=60.0,
                        help="with --follow, the longest a row waits for its file (default 60)")
    parser.add_argument("--compression", default="zstd",
                        choices=["zstd", "snappy", "gzip", "none"], help="default zstd")
    parser.add_argument("-X", "--kafka", action="append", default=[], metavar="NAME=VALUE",
                        help="a librdkafka property (repeatable), e.g. security.protocol=SSL")
    args = parser.parse_args(argv)
    if args.rows_per_file < 1:
        parser.error("--rows-per-file must be at least 1")
    config = {}
    for item in args.kafka:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser.error("--kafka takes NAME=VALUE, got %r" % item)
        config[name] = value
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        print("newsflow-export: pyarrow is missing (pip install 'newsflow-client[parquet]')",
              file=sys.stderr)
        return 1

    os.makedirs(args.parquet, exist_ok=True)
    schema = arrow_schema()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    files, rows_total, bad = [], 0, 0
    rows = []

    def flush(reader):
        nonlocal rows, rows_total
        if not rows:
            return
        name = os.path.join(args.parquet, "%s-%s-%05d.parquet" % (args.topic, stamp, len(files)))
        table = pa.Table.from_pylist(rows, schema=schema)
        pq.write_table(table, name + ".tmp", compression=args.compression)
        os.replace(name + ".tmp", name)
        files.append(name)
        rows_total += len(rows)
        rows = []
        if args.group:
            reader.commit()

    idle = None if args.follow else args.idle_timeout
    try:
        with TopicReader(args.brokers, args.topic, group=args.group, idle_timeout=idle,
                         config=config) as reader:
            started = time.monotonic()
            for record in reader.records(heartbeat=True):
                if record is not None:
                    try:
                        rows.append(to_dict(decode(record.value())))
                    except DecodeError as e:
                        bad += 1
                        print("newsflow-export: skipped the record at %s[%d]@%d: %s" % (
                            record.topic(), record.partition(), record.offset(), e),
                            file=sys.stderr)
                if len(rows) >= args.rows_per_file or (
                        args.follow and rows and time.monotonic() - started >= args.flush_seconds):
                    flush(reader)
                    started = time.monotonic()
            flush(reader)
    except KeyboardInterrupt:
        print("newsflow-export: interrupted; %d row(s) in %d file(s) written, the rest not "
              "committed" % (rows_total, len(files)), file=sys.stderr)
        return 130
    except Exception as e:  # broker or file errors: say what, exit non-zero
        print("newsflow-export: %s" % e, file=sys.stderr)
        return 1
    print("newsflow-export: %d article(s) in %d file(s) under %s%s" % (
        rows_total, len(files), args.parquet,
        ", %d undecodable record(s) skipped" % bad if bad else ""), file=sys.stderr)
    return 3 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
