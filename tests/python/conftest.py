"""Fixtures for the Python-side integration tests: the real broker the suite started
(NEWSFLOW_TEST_BROKERS), the newsflow binary (NEWSFLOW_BIN), and a small pipeline run on
fresh topics."""
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest

SOURCE_DIR = os.environ.get("NEWSFLOW_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


@pytest.fixture(scope="session")
def brokers():
    value = os.environ.get("NEWSFLOW_TEST_BROKERS")
    if not value:
        pytest.skip("NEWSFLOW_TEST_BROKERS is not set (no broker)")
    return value


@pytest.fixture(scope="session")
def newsflow_bin():
    value = os.environ.get("NEWSFLOW_BIN")
    if not value or not os.path.exists(value):
        pytest.skip("NEWSFLOW_BIN is not set")
    return value


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, "%s exited %d:\n%s" % (args[:2], result.returncode,
                                                            result.stderr[-3000:])
    return result


class Pipeline:
    """Fresh topics, the bundled samples produced to raw, one processor run to the end."""

    def __init__(self, newsflow_bin, brokers, process_args=(), extra_inputs=()):
        self.bin = newsflow_bin
        self.brokers = brokers
        prefix = "py-%s" % uuid.uuid4().hex[:10]
        self.raw, self.enriched, self.dlq = prefix + ".raw", prefix + ".enriched", prefix + ".dlq"
        self.group = prefix
        self.flags = ["--brokers", brokers, "--raw-topic", self.raw, "--enriched-topic",
                      self.enriched, "--dlq-topic", self.dlq]
        samples = os.path.join(SOURCE_DIR, "data", "samples")
        inputs = [os.path.join(samples, "newsroom_samples.jsonl"),
                  os.path.join(samples, "000_etv_bharat_ukraine_allies.txt"), *extra_inputs]
        run([self.bin, "produce", *self.flags, *inputs])
        run([self.bin, "process", *self.flags, "--group", self.group, "--exit-when-idle-ms",
             "2000", "--progress-interval", "0", *process_args])

    def consume_jsonl(self):
        import json
        out = run([self.bin, "consume", "--brokers", self.brokers, "--topic", self.enriched,
                   "--output-format", "jsonl", "--idle-ms", "2000"]).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def pipeline_factory(newsflow_bin, brokers):
    return lambda process_args=(), extra_inputs=(): Pipeline(newsflow_bin, brokers, process_args,
                                                             extra_inputs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def registry(tmp_path):
    """The Schema Registry stand-in (tests/schema_registry_standin.py) on a free port."""
    port_file, log = tmp_path / "port", tmp_path / "requests.jsonl"
    process = subprocess.Popen([sys.executable,
                                os.path.join(SOURCE_DIR, "tests", "schema_registry_standin.py"),
                                "--port-file", str(port_file), "--log", str(log)],
                               stdout=subprocess.DEVNULL)
    deadline = time.time() + 20
    while not port_file.exists():
        assert process.poll() is None, "the registry stand-in exited"
        assert time.time() < deadline, "the registry stand-in did not start"
        time.sleep(0.05)

    class Registry:
        url = "http://127.0.0.1:%s" % port_file.read_text()
        log_path = log

        def requests(self):
            import json
            if not log.exists():
                return []
            return [json.loads(line) for line in log.read_text().splitlines()]

    yield Registry()
    process.terminate()
    process.wait(10)
