#include "processors/service/dedup_state.h"

#include <gtest/gtest.h>

namespace newsflow::service {
namespace {

TEST(DedupState, EntryKeysSortInSequenceOrder) {
  EXPECT_EQ(DedupEntryKey(42), "entry:00000000000000000042");
  EXPECT_LT(DedupEntryKey(9), DedupEntryKey(10));
}

TEST(DedupState, EntrySurvivesTheChangelogEncoding) {
  dedupe::IndexedArticle entry;
  entry.sequence = 7;
  entry.id = "copy";
  entry.cluster_id = "orig";
  entry.event_time_ms = 1767744000000;
  entry.shingle_count = 312;
  entry.signature = {1, 2, 0xFFFFFFFE, 12345};
  entry.text_hash = 0x0123456789abcdefULL;
  entry.canonical_url = "https://example.com/a";
  v1::DedupEntry proto = ToProto(entry, /*input_partition=*/2, /*input_offset=*/99);
  EXPECT_EQ(proto.input_partition(), 2);
  EXPECT_EQ(proto.input_offset(), 99);
  v1::DedupEntry reparsed;
  ASSERT_TRUE(reparsed.ParseFromString(proto.SerializeAsString()));
  dedupe::IndexedArticle back = FromProto(reparsed);
  EXPECT_EQ(back.sequence, entry.sequence);
  EXPECT_EQ(back.id, entry.id);
  EXPECT_EQ(back.cluster_id, entry.cluster_id);
  EXPECT_EQ(back.event_time_ms, entry.event_time_ms);
  EXPECT_EQ(back.shingle_count, entry.shingle_count);
  EXPECT_EQ(back.signature, entry.signature);
  EXPECT_EQ(back.text_hash, entry.text_hash);
  EXPECT_EQ(back.canonical_url, entry.canonical_url);
}

}  // namespace
}  // namespace newsflow::service
