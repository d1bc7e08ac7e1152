#!/usr/bin/env python3
"""A stand-in for the Confluent Schema Registry, for tests only.

No real registry can be installed here (Confluent's, Apicurio's and Karapace's are not in the
reachable package registries), so the test suite starts this one. It speaks the subset of the
REST API that producers and deserializers use, the way Confluent's registry answers it:

  POST /subjects/{subject}/versions      register (or find) a schema -> {"id": N}
  POST /subjects/{subject}               look a schema up -> {subject, id, version, schema, ...}
  GET  /schemas/ids/{id}[?format=serialized]
                                         the schema by id; "serialized" gives a protobuf
                                         schema as a base64 FileDescriptorProto (compiled from
                                         the .proto text with protoc, as the registry does)
  GET  /subjects, /subjects/{s}/versions, /subjects/{s}/versions/{n|latest}
  GET  /config, /config/{subject}         {"compatibilityLevel": "BACKWARD"}

Identical schemas (same type and text) share one id across subjects, as in the real registry.
Every request is appended to --log as one JSON line (method, path, body) for the tests.

  schema_registry_standin.py --port 0 --port-file F --log L
"""
import argparse
import base64
import json
import os
import subprocess
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SCHEMAS = []          # id - 1 -> {"schema", "schemaType", "references"}
SUBJECTS = {}         # subject -> [schema id of version 1, 2, ...]
LOG_PATH = None


def compile_to_descriptor(text):
    """The base64 FileDescriptorProto of a .proto text (the registry's "serialized" format)."""
    from google.protobuf import descriptor_pb2  # only needed for format=serialized
    with tempfile.TemporaryDirectory() as tmp:
        name = "schema.proto"
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
            f.write(text)
        out = os.path.join(tmp, "out.desc")
        subprocess.run(["protoc", "-I", tmp, "--descriptor_set_out=" + out, name], check=True,
                       capture_output=True)
        with open(out, "rb") as f:
            file_set = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    return base64.standard_b64encode(file_set.file[0].SerializeToString()).decode("ascii")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.reply(status, {"error_code": code, "message": message})

    def record(self, body):
        if LOG_PATH:
            with LOCK, open(LOG_PATH, "a", encoding="utf-8") as f:
                f.write(json.dumps({"method": self.command, "path": self.path,
                                    "content_type": self.headers.get("Content-Type"),
                                    "body": body}) + "\n")

    def parts(self):
        url = urllib.parse.urlsplit(self.path)
        segments = [urllib.parse.unquote(s) for s in url.path.strip("/").split("/") if s]
        return segments, dict(urllib.parse.parse_qsl(url.query))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self.record(raw.decode("utf-8", "replace"))
            return self.error(422, 42201, "Invalid JSON body")
        self.record(body)
        segments, _ = self.parts()
        if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
            return self.error(422, 42201, "Either schema is empty or invalid")
        entry = {"schema": body["schema"], "schemaType": body.get("schemaType", "AVRO"),
                 "references": body.get("references") or []}
        if len(segments) == 3 and segments[0] == "subjects" and segments[2] == "versions":
            if entry["schemaType"] == "PROTOBUF" and not body["schema"].lstrip().startswith(
                    ("syntax", "//", "package", "message", "import", "option")):
                try:
                    base64.standard_b64decode(body["schema"])
                except ValueError:
                    return self.error(422, 42201, "Invalid schema")
            with LOCK:
                schema_id = next((i + 1 for i, s in enumerate(SCHEMAS) if s == entry), None)
                if schema_id is None:
                    SCHEMAS.append(entry)
                    schema_id = len(SCHEMAS)
                versions = SUBJECTS.setdefault(segments[1], [])
                if schema_id not in versions:
                    versions.append(schema_id)
            return self.reply(200, {"id": schema_id})
        if len(segments) == 2 and segments[0] == "subjects":
            with LOCK:
                versions = SUBJECTS.get(segments[1])
                if versions is None:
                    return self.error(404, 40401, "Subject '%s' not found." % segments[1])
                for number, schema_id in enumerate(versions, 1):
                    if SCHEMAS[schema_id - 1] == entry:
                        return self.reply(200, dict(SCHEMAS[schema_id - 1], subject=segments[1],
                                                    id=schema_id, version=number))
            return self.error(404, 40403, "Schema not found")
        return self.error(404, 404, "Not found")

    def do_GET(self):
        self.record(None)
        segments, query = self.parts()
        with LOCK:
            if segments == ["subjects"]:
                return self.reply(200, sorted(SUBJECTS))
            if segments and segments[0] == "config":
                return self.reply(200, {"compatibilityLevel": "BACKWARD"})
            if len(segments) >= 3 and segments[:2] == ["schemas", "ids"]:
                try:
                    schema_id = int(segments[2])
                except ValueError:
                    return self.error(404, 40403, "Schema not found")
                if not 1 <= schema_id <= len(SCHEMAS):
                    return self.error(404, 40403, "Schema %d not found" % schema_id)
                entry = dict(SCHEMAS[schema_id - 1])
            elif len(segments) >= 3 and segments[0] == "subjects" and segments[2] == "versions":
                versions = SUBJECTS.get(segments[1])
                if versions is None:
                    return self.error(404, 40401, "Subject '%s' not found." % segments[1])
                if len(segments) == 3:
                    return self.reply(200, list(range(1, len(versions) + 1)))
                wanted = segments[3]
                number = len(versions) if wanted in ("latest", "-1") else int(wanted)
                if not 1 <= number <= len(versions):
                    return self.error(404, 40402, "Version not found.")
                schema_id = versions[number - 1]
                return self.reply(200, dict(SCHEMAS[schema_id - 1], subject=segments[1],
                                            id=schema_id, version=number))
            else:
                return self.error(404, 404, "Not found")
        if query.get("format") == "serialized" and entry["schemaType"] == "PROTOBUF" and \
                entry["schema"].lstrip().startswith(("syntax", "//", "package", "message")):
            try:
                entry["schema"] = compile_to_descriptor(entry["schema"])
            except subprocess.CalledProcessError as e:
                return self.error(422, 42201, "Invalid schema: " + e.stderr.decode()[:300])
        return self.reply(200, entry)


def main():
    global LOG_PATH
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--log", help="append every request here as JSON lines")
    args = parser.parse_args()
    LOG_PATH = args.log
    server = ThreadingHTTPServer((args.address, args.port), Handler)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(args.port_file + ".tmp", args.port_file)
    print("schema registry stand-in on http://%s:%d" % server.server_address[:2], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
