#include "ingest/state_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "ingest/sources.h"

namespace newsflow::ingest {
namespace {

class TempDirectory {
 public:
  TempDirectory() {
    char pattern[] = "/tmp/newsflow-state-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDirectory() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

SeenItem Seen(const std::string& key, const std::string& guid, int64_t last_seen_ms) {
  SeenItem item;
  item.key = key;
  item.guid = guid;
  item.source = "https://example.com/feed";
  item.content_hash = 42;
  item.first_seen_ms = last_seen_ms;
  item.last_seen_ms = last_seen_ms;
  return item;
}

TEST(StateStore, SourcesAndSeenItemsSurviveReopening) {
  TempDirectory dir;
  {
    auto store = StateStore::Open(dir.path(), {});
    ASSERT_TRUE(store.ok()) << store.status();
    SourceState source;
    source.url = "https://example.com/feed";
    source.etag = "\"abc\"";
    source.next_due_ms = 1234;
    SeenItem item = Seen("https://example.com/a", "guid-a", 10);
    item.content_hash = ~uint64_t{0} >> 1;
    ASSERT_TRUE((*store)->CommitPoll(source, {item}).ok());
  }
  auto store = StateStore::Open(dir.path(), {});
  ASSERT_TRUE(store.ok());
  auto source = (*store)->GetSource("https://example.com/feed");
  ASSERT_TRUE(source.ok() && source->has_value());
  EXPECT_EQ((*source)->etag, "\"abc\"");
  EXPECT_EQ((*source)->next_due_ms, 1234);
  auto item = (*store)->FindSeen("https://example.com/a", "");
  ASSERT_TRUE(item.ok() && item->has_value());
  EXPECT_EQ((*item)->content_hash, ~uint64_t{0} >> 1);
}

TEST(StateStore, AnItemIsFoundByItsGuidWhenItsLinkChanged) {
  TempDirectory dir;
  auto store = StateStore::Open(dir.path(), {});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->MarkSeen(Seen("https://example.com/a", "guid-a", 10)).ok());
  auto found = (*store)->FindSeen("https://example.com/a-renamed", "guid-a");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->key, "https://example.com/a");
  auto missing = (*store)->FindSeen("https://example.com/b", "guid-b");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(StateStore, SeenSetForgetsTheLeastRecentlySeenBeyondItsCapacity) {
  TempDirectory dir;
  StateStoreOptions options;
  options.seen_capacity = 100;
  auto store = StateStore::Open(dir.path(), options);
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE((*store)->MarkSeen(Seen("k" + std::to_string(i), "", 1000 + i)).ok());
  }
  ASSERT_TRUE((*store)->TouchSeen("k0", 5000).ok());  // seen again: recent now
  // New items keep being remembered: the oldest go.
  for (int i = 100; i < 150; ++i) {
    ASSERT_TRUE((*store)->MarkSeen(Seen("k" + std::to_string(i), "", 2000 + i)).ok());
  }
  auto count = (*store)->SeenCount();
  ASSERT_TRUE(count.ok());
  EXPECT_LE(*count, 100);
  for (const char* key : {"k0", "k149", "k120"}) {
    auto item = (*store)->FindSeen(key, "");
    ASSERT_TRUE(item.ok());
    EXPECT_TRUE(item->has_value()) << key;
  }
  auto oldest = (*store)->FindSeen("k1", "");
  ASSERT_TRUE(oldest.ok());
  EXPECT_FALSE(oldest->has_value());
}

TEST(StateStore, ItemsExpireWhenNotSeenForTheExpiry) {
  TempDirectory dir;
  StateStoreOptions options;
  options.seen_expiry_ms = 1000;
  auto store = StateStore::Open(dir.path(), options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->MarkSeen(Seen("old", "", 100)).ok());
  ASSERT_TRUE((*store)->MarkSeen(Seen("new", "", 5000)).ok());
  auto expired = (*store)->ExpireSeen(5500);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 1);
  EXPECT_EQ(*(*store)->SeenCount(), 1);
}

TEST(StateStore, MarkingAKnownItemAgainDoesNotCountItTwice) {
  TempDirectory dir;
  auto store = StateStore::Open(dir.path(), {});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->MarkSeen(Seen("a", "g1", 1)).ok());
  ASSERT_TRUE((*store)->MarkSeen(Seen("a", "g2", 2)).ok());
  EXPECT_EQ(*(*store)->SeenCount(), 1);
  auto item = (*store)->FindSeen("", "g2");
  ASSERT_TRUE(item.ok() && item->has_value());
}

TEST(StateStore, DiscoveredSourcesAreListedWithTheirParent) {
  TempDirectory dir;
  auto store = StateStore::Open(dir.path(), {});
  ASSERT_TRUE(store.ok());
  SourceState listed;
  listed.url = "https://example.com/";
  SourceState found;
  found.url = "https://example.com/feed.xml";
  found.parent = "https://example.com/";
  ASSERT_TRUE((*store)->PutSource(listed).ok());
  ASSERT_TRUE((*store)->PutSource(found).ok());
  auto discovered = (*store)->DiscoveredSources();
  ASSERT_TRUE(discovered.ok());
  ASSERT_EQ(discovered->size(), 1u);
  EXPECT_EQ((*discovered)[0].parent, "https://example.com/");
}

TEST(StateStore, RobotsEntriesRoundTrip) {
  TempDirectory dir;
  auto store = StateStore::Open(dir.path(), {});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->PutRobots({"https://example.com:443", 200, "User-agent: *\n", 99}).ok());
  auto entry = (*store)->GetRobots("https://example.com:443");
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->body, "User-agent: *\n");
  EXPECT_EQ((*entry)->fetched_ms, 99);
}

TEST(StateStore, AnUnwritableDirectoryIsAClearError) {
  auto store = StateStore::Open("/proc/newsflow-cannot-be-here", {});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(std::string(store.status().message()).find("state directory"), std::string::npos);
}

// --- The sources file -----------------------------------------------------------------------

std::string WriteFile(const TempDirectory& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path() + "/" + name;
  FILE* f = fopen(path.c_str(), "w");
  fwrite(text.data(), 1, text.size(), f);
  fclose(f);
  return path;
}

TEST(Sources, OneUrlPerLineWithComments) {
  TempDirectory dir;
  auto sources = ReadSources(WriteFile(dir, "s.txt",
                                       "# feeds\nhttps://a.example/feed.xml  # A\n\n"
                                       "https://b.example/#section\n"));
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_EQ(sources->size(), 2u);
  EXPECT_EQ((*sources)[0].url, "https://a.example/feed.xml");
  EXPECT_EQ((*sources)[1].url, "https://b.example/#section");  // a '#' inside a URL stays
}

TEST(Sources, TomlTablesCarryIntervalLanguageAndName) {
  TempDirectory dir;
  auto sources = ReadSources(WriteFile(dir, "s.toml",
                                       "[[source]]\nurl = \"https://a.example/rss\"\n"
                                       "interval = \"15m\"\nlanguage = \"de\"\nsource = \"A\"\n"
                                       "[[source]]\nurl = \"https://b.example/\"\ninterval = 90\n"));
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_EQ(sources->size(), 2u);
  EXPECT_EQ((*sources)[0].interval_s, 900);
  EXPECT_EQ((*sources)[0].language, "de");
  EXPECT_EQ((*sources)[0].name, "A");
  EXPECT_EQ((*sources)[1].interval_s, 90);
}

TEST(Sources, MistakesNameTheLine) {
  TempDirectory dir;
  auto bad_url = ReadSources(WriteFile(dir, "a.txt", "https://ok.example/\nftp://x.example/\n"));
  ASSERT_FALSE(bad_url.ok());
  EXPECT_NE(std::string(bad_url.status().message()).find("a.txt:2"), std::string::npos);
  auto twice = ReadSources(WriteFile(dir, "b.txt", "https://x.example/\nhttps://x.example/\n"));
  EXPECT_FALSE(twice.ok());
  auto unknown = ReadSources(
      WriteFile(dir, "c.toml", "[[source]]\nurl = \"https://x.example/\"\nintervall = 5\n"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("intervall"), std::string::npos);
  auto bad_interval = ReadSources(
      WriteFile(dir, "d.toml", "[[source]]\nurl = \"https://x.example/\"\ninterval = \"soon\"\n"));
  EXPECT_FALSE(bad_interval.ok());
  EXPECT_FALSE(ReadSources(WriteFile(dir, "e.txt", "# nothing\n")).ok());
  EXPECT_FALSE(ReadSources(dir.path() + "/missing.txt").ok());
}

}  // namespace
}  // namespace newsflow::ingest
