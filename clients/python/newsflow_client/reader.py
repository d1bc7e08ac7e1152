"""Reading a newsflow topic with confluent-kafka, transactions respected (read_committed)."""
import time
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException

from .codec import decode, to_dict
from .schema import EnrichedArticle


class TopicReader:
    """A consumer of one newsflow topic; iterate it for (message, record) pairs.

    Offsets are committed only by commit() (after the caller has stored what it read), so a
    crash repeats records rather than losing them.
    """

    def __init__(self, brokers, topic="news.enriched", *, group=None, from_beginning=True,
                 idle_timeout=None, config=None, message_class=EnrichedArticle):
        settings = {
            "bootstrap.servers": brokers,
            "group.id": group or "newsflow-python-%s" % uuid.uuid4().hex[:12],
            "isolation.level": "read_committed",  # the processor writes in transactions
            "auto.offset.reset": "earliest" if from_beginning else "latest",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
        settings.update(config or {})
        self.topic = topic
        self.idle_timeout = idle_timeout
        self.message_class = message_class
        self._consumer = Consumer(settings)
        self._at_end = {}
        self._consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)

    def _on_assign(self, consumer, partitions):
        for p in partitions:
            self._at_end[p.partition] = False

    def _on_revoke(self, consumer, partitions):
        for p in partitions:
            self._at_end.pop(p.partition, None)

    def records(self, heartbeat=False):
        """The raw confluent_kafka records, undecoded; with heartbeat, None whenever a poll
        (0.2 s) brought nothing, so a caller can act on time."""
        last = time.monotonic()
        while True:
            record = self._consumer.poll(0.2)
            now = time.monotonic()
            if record is None:
                if (self.idle_timeout is not None and self._at_end
                        and all(self._at_end.values()) and now - last >= self.idle_timeout):
                    return
                if heartbeat:
                    yield None
                continue
            if record.error():
                if record.error().code() == KafkaError._PARTITION_EOF:
                    self._at_end[record.partition()] = True
                    continue
                raise KafkaException(record.error())
            self._at_end[record.partition()] = False
            last = now
            yield record

    def __iter__(self):
        for record in self.records():
            yield decode(record.value(), self.message_class), record

    def commit(self):
        """Commit the offsets after every record yielded so far (synchronously)."""
        try:
            self._consumer.commit(asynchronous=False)
        except KafkaException as e:
            if e.args[0].code() != KafkaError._NO_OFFSET:  # nothing read since the last one
                raise

    def close(self):
        self._consumer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read(brokers, topic="news.enriched", *, group=None, as_dict=True, from_beginning=True,
         idle_timeout=None, config=None, message_class=EnrichedArticle):
    """Yield the articles of `topic`, decoded: dicts by default, messages with as_dict=False.

    brokers: bootstrap servers, e.g. "127.0.0.1:9092".
    group: consumer group; None = a fresh one each call. With a group, the offsets of what was
      yielded are committed when the iteration ends (so a second call goes on from there).
    from_beginning: where a group with no committed offset starts (earliest or latest).
    idle_timeout: seconds; stop once every assigned partition is at its end and nothing came
      for this long. None = follow the topic until the caller stops iterating.
    config: further librdkafka properties (security.protocol, sasl.*, ...).
    """
    with TopicReader(brokers, topic, group=group, from_beginning=from_beginning,
                     idle_timeout=idle_timeout, config=config,
                     message_class=message_class) as reader:
        for message, _ in reader:
            yield to_dict(message) if as_dict else message
        if group:
            reader.commit()
