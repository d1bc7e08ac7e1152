#include "ingest/state_store.h"

#include <sqlite3.h>

#include <filesystem>

#include "absl/strings/str_cat.h"

namespace newsflow::ingest {
namespace {

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr); }
  ~Statement() { sqlite3_finalize(statement_); }
  bool ok() const { return statement_ != nullptr; }
  void Bind(int i, const std::string& value) {
    sqlite3_bind_text(statement_, i, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t value) { sqlite3_bind_int64(statement_, i, value); }
  int Step() { return sqlite3_step(statement_); }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(statement_, column);
    return text == nullptr ? "" : std::string(reinterpret_cast<const char*>(text),
                                              sqlite3_column_bytes(statement_, column));
  }
  int64_t Int(int column) const { return sqlite3_column_int64(statement_, column); }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

absl::Status Error(sqlite3* db, const std::string& what) {
  return absl::InternalError(absl::StrCat("poll state: ", what, ": ", sqlite3_errmsg(db)));
}

SourceState ReadSource(const Statement& row) {
  SourceState source;
  source.url = row.Text(0);
  source.kind = row.Text(1);
  source.etag = row.Text(2);
  source.last_modified = row.Text(3);
  source.interval_s = row.Int(4);
  source.next_due_ms = row.Int(5);
  source.failures = static_cast<int>(row.Int(6));
  source.last_status = static_cast<int>(row.Int(7));
  source.last_error = row.Text(8);
  source.last_polled_ms = row.Int(9);
  source.parent = row.Text(10);
  return source;
}

constexpr char kSourceColumns[] =
    "url, kind, etag, last_modified, interval_s, next_due_ms, failures, last_status, "
    "last_error, last_polled_ms, parent";

}  // namespace

absl::Status StateStoreOptions::Validate() const {
  if (seen_capacity < 1) return absl::InvalidArgumentError("seen capacity must be at least 1");
  if (seen_expiry_ms < 1) return absl::InvalidArgumentError("seen expiry must be positive");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::Open(const std::string& directory,
                                                             const StateStoreOptions& options) {
  if (auto s = options.Validate(); !s.ok()) return s;
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create the state directory ", directory, ": ", error.message()));
  }
  std::unique_ptr<StateStore> store(new StateStore());
  store->options_ = options;
  const std::string path = directory + "/poll-state.sqlite";
  if (sqlite3_open_v2(path.c_str(), &store->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    return Error(store->db_, absl::StrCat("cannot open ", path));
  }
  sqlite3_busy_timeout(store->db_, 5000);
  // WAL: a crash mid-write leaves the last committed state; NORMAL syncs at checkpoints,
  // which a process crash cannot lose (only a power cut could lose the last commits).
  for (const char* sql : {
           "PRAGMA journal_mode=WAL",
           "PRAGMA synchronous=NORMAL",
           "CREATE TABLE IF NOT EXISTS sources (url TEXT PRIMARY KEY, kind TEXT, etag TEXT, "
           "last_modified TEXT, interval_s INTEGER, next_due_ms INTEGER, failures INTEGER, "
           "last_status INTEGER, last_error TEXT, last_polled_ms INTEGER, parent TEXT)",
           "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, guid TEXT, source TEXT, "
           "content_hash INTEGER, first_seen_ms INTEGER, last_seen_ms INTEGER)",
           "CREATE INDEX IF NOT EXISTS seen_by_guid ON seen(guid)",
           "CREATE INDEX IF NOT EXISTS seen_by_last_seen ON seen(last_seen_ms)",
           "CREATE TABLE IF NOT EXISTS robots (origin TEXT PRIMARY KEY, status INTEGER, "
           "body TEXT, fetched_ms INTEGER)",
       }) {
    if (auto s = store->Exec(sql); !s.ok()) return s;
  }
  return store;
}

StateStore::~StateStore() {
  if (db_ != nullptr) sqlite3_close(db_);
}

absl::Status StateStore::Exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message == nullptr ? "" : message;
    sqlite3_free(message);
    return absl::InternalError(absl::StrCat("poll state: ", text, " (", sql.substr(0, 60), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SourceState>> StateStore::GetSource(const std::string& url) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement statement(db_, absl::StrCat("SELECT ", kSourceColumns, " FROM sources WHERE url = ?").c_str());
  if (!statement.ok()) return Error(db_, "reading a source");
  statement.Bind(1, url);
  const int step = statement.Step();
  if (step == SQLITE_ROW) return std::optional<SourceState>(ReadSource(statement));
  if (step != SQLITE_DONE) return Error(db_, "reading a source");
  return std::optional<SourceState>();
}

absl::Status StateStore::PutSource(const SourceState& source) {
  std::lock_guard<std::mutex> lock(mutex_);
  return PutSourceLocked(source);
}

absl::Status StateStore::PutSourceLocked(const SourceState& source) {
  Statement statement(db_, absl::StrCat("INSERT OR REPLACE INTO sources (", kSourceColumns,
                                        ") VALUES (?,?,?,?,?,?,?,?,?,?,?)")
                               .c_str());
  if (!statement.ok()) return Error(db_, "writing a source");
  statement.Bind(1, source.url);
  statement.Bind(2, source.kind);
  statement.Bind(3, source.etag);
  statement.Bind(4, source.last_modified);
  statement.Bind(5, source.interval_s);
  statement.Bind(6, source.next_due_ms);
  statement.Bind(7, static_cast<int64_t>(source.failures));
  statement.Bind(8, static_cast<int64_t>(source.last_status));
  statement.Bind(9, source.last_error);
  statement.Bind(10, source.last_polled_ms);
  statement.Bind(11, source.parent);
  if (statement.Step() != SQLITE_DONE) return Error(db_, "writing a source");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SourceState>> StateStore::DiscoveredSources() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement statement(db_, absl::StrCat("SELECT ", kSourceColumns,
                                        " FROM sources WHERE parent != '' ORDER BY url")
                               .c_str());
  if (!statement.ok()) return Error(db_, "reading sources");
  std::vector<SourceState> sources;
  int step;
  while ((step = statement.Step()) == SQLITE_ROW) sources.push_back(ReadSource(statement));
  if (step != SQLITE_DONE) return Error(db_, "reading sources");
  return sources;
}

absl::StatusOr<std::optional<SeenItem>> StateStore::FindSeen(const std::string& key,
                                                             const std::string& guid) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::pair<const char*, const std::string*> lookups[] = {
      {"SELECT key, guid, source, content_hash, first_seen_ms, last_seen_ms FROM seen "
       "WHERE key = ?",
       &key},
      {"SELECT key, guid, source, content_hash, first_seen_ms, last_seen_ms FROM seen "
       "WHERE guid = ? LIMIT 1",
       &guid}};
  for (const auto& [sql, value_pointer] : lookups) {
    const std::string& value = *value_pointer;
    if (value.empty()) continue;
    Statement statement(db_, sql);
    if (!statement.ok()) return Error(db_, "reading the seen-set");
    statement.Bind(1, value);
    const int step = statement.Step();
    if (step == SQLITE_ROW) {
      SeenItem item;
      item.key = statement.Text(0);
      item.guid = statement.Text(1);
      item.source = statement.Text(2);
      item.content_hash = static_cast<uint64_t>(statement.Int(3));
      item.first_seen_ms = statement.Int(4);
      item.last_seen_ms = statement.Int(5);
      return std::optional<SeenItem>(std::move(item));
    }
    if (step != SQLITE_DONE) return Error(db_, "reading the seen-set");
  }
  return std::optional<SeenItem>();
}

absl::Status StateStore::MarkSeen(const SeenItem& item) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto s = MarkSeenLocked(item); !s.ok()) return s;
  }
  return EvictBeyondCapacity();
}

absl::Status StateStore::CommitPoll(const SourceState& source, const std::vector<SeenItem>& items) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    absl::Status status = PutSourceLocked(source);
    for (size_t i = 0; status.ok() && i < items.size(); ++i) status = MarkSeenLocked(items[i]);
    if (!status.ok()) {
      (void)Exec("ROLLBACK");
      return status;
    }
    if (auto s = Exec("COMMIT"); !s.ok()) {
      (void)Exec("ROLLBACK");
      return s;
    }
  }
  return EvictBeyondCapacity();
}

absl::Status StateStore::MarkSeenLocked(const SeenItem& item) {
  // Insert, else update: two statements instead of an upsert, so that the count of items
  // stays exact without counting the table.
  Statement insert(db_,
                   "INSERT OR IGNORE INTO seen (key, guid, source, content_hash, first_seen_ms, "
                   "last_seen_ms) VALUES (?,?,?,?,?,?)");
  if (!insert.ok()) return Error(db_, "writing the seen-set");
  insert.Bind(1, item.key);
  insert.Bind(2, item.guid);
  insert.Bind(3, item.source);
  insert.Bind(4, static_cast<int64_t>(item.content_hash));
  insert.Bind(5, item.first_seen_ms);
  insert.Bind(6, item.last_seen_ms);
  if (insert.Step() != SQLITE_DONE) return Error(db_, "writing the seen-set");
  if (sqlite3_changes(db_) > 0) {
    if (seen_count_ >= 0) ++seen_count_;
    return absl::OkStatus();
  }
  Statement update(db_,
                   "UPDATE seen SET guid = ?, content_hash = ?, last_seen_ms = ? WHERE key = ?");
  if (!update.ok()) return Error(db_, "writing the seen-set");
  update.Bind(1, item.guid);
  update.Bind(2, static_cast<int64_t>(item.content_hash));
  update.Bind(3, item.last_seen_ms);
  update.Bind(4, item.key);
  if (update.Step() != SQLITE_DONE) return Error(db_, "writing the seen-set");
  return absl::OkStatus();
}

absl::Status StateStore::TouchSeen(const std::string& key, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement statement(db_, "UPDATE seen SET last_seen_ms = ? WHERE key = ?");
  if (!statement.ok()) return Error(db_, "updating the seen-set");
  statement.Bind(1, now_ms);
  statement.Bind(2, key);
  if (statement.Step() != SQLITE_DONE) return Error(db_, "updating the seen-set");
  return absl::OkStatus();
}

absl::Status StateStore::EvictBeyondCapacity() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (seen_count_ < 0) {
    Statement count(db_, "SELECT COUNT(*) FROM seen");
    if (!count.ok() || count.Step() != SQLITE_ROW) return Error(db_, "counting the seen-set");
    seen_count_ = count.Int(0);
  }
  if (seen_count_ <= options_.seen_capacity) return absl::OkStatus();
  // The least recently seen go first; a tenth of the capacity at a time keeps this rare.
  const int64_t excess = seen_count_ - options_.seen_capacity + options_.seen_capacity / 10;
  Statement evict(db_,
                  "DELETE FROM seen WHERE key IN (SELECT key FROM seen ORDER BY last_seen_ms "
                  "LIMIT ?)");
  if (!evict.ok()) return Error(db_, "trimming the seen-set");
  evict.Bind(1, excess);
  if (evict.Step() != SQLITE_DONE) return Error(db_, "trimming the seen-set");
  seen_count_ -= sqlite3_changes(db_);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> StateStore::ExpireSeen(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement statement(db_, "DELETE FROM seen WHERE last_seen_ms < ?");
  if (!statement.ok()) return Error(db_, "expiring the seen-set");
  statement.Bind(1, now_ms - options_.seen_expiry_ms);
  if (statement.Step() != SQLITE_DONE) return Error(db_, "expiring the seen-set");
  const int64_t removed = sqlite3_changes(db_);
  if (seen_count_ >= 0) seen_count_ -= removed;
  return removed;
}

absl::StatusOr<int64_t> StateStore::SeenCount() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (seen_count_ < 0) {
    Statement count(db_, "SELECT COUNT(*) FROM seen");
    if (!count.ok() || count.Step() != SQLITE_ROW) return Error(db_, "counting the seen-set");
    seen_count_ = count.Int(0);
  }
  return seen_count_;
}

absl::StatusOr<std::optional<RobotsEntry>> StateStore::GetRobots(const std::string& origin) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement statement(db_, "SELECT origin, status, body, fetched_ms FROM robots WHERE origin = ?");
  if (!statement.ok()) return Error(db_, "reading robots.txt");
  statement.Bind(1, origin);
  const int step = statement.Step();
  if (step == SQLITE_ROW) {
    RobotsEntry entry{statement.Text(0), static_cast<int>(statement.Int(1)), statement.Text(2),
                      statement.Int(3)};
    return std::optional<RobotsEntry>(std::move(entry));
  }
  if (step != SQLITE_DONE) return Error(db_, "reading robots.txt");
  return std::optional<RobotsEntry>();
}

absl::Status StateStore::PutRobots(const RobotsEntry& entry) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement statement(db_,
                      "INSERT OR REPLACE INTO robots (origin, status, body, fetched_ms) VALUES "
                      "(?,?,?,?)");
  if (!statement.ok()) return Error(db_, "writing robots.txt");
  statement.Bind(1, entry.origin);
  statement.Bind(2, static_cast<int64_t>(entry.status));
  statement.Bind(3, entry.body);
  statement.Bind(4, entry.fetched_ms);
  if (statement.Step() != SQLITE_DONE) return Error(db_, "writing robots.txt");
  return absl::OkStatus();
}

}  // namespace newsflow::ingest
