// Helpers for the black-box tests: run the `newsflow` binary, spawn it in the background,
// temporary directories, unique topic names, and reading a topic to its end.
#ifndef NEWSFLOW_TESTS_TEST_SUPPORT_H_
#define NEWSFLOW_TESTS_TEST_SUPPORT_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "kafka/admin.h"

namespace newsflow::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Path of the newsflow binary under test (NEWSFLOW_BIN), of the source tree
// (NEWSFLOW_SOURCE_DIR) and of the shared data (NEWSFLOW_SHARED_DATA, may not exist).
std::string NewsflowBinary();
std::string SourceDir();
std::string SharedDataDir();
// Brokers of the test broker (NEWSFLOW_TEST_BROKERS); empty when not set.
std::string TestBrokers();

// Runs `newsflow <args>` through the shell, with optional stdin file and environment
// assignments ("NAME=value NAME2=value2").
CommandResult RunNewsflow(const std::string& args, const std::string& stdin_path = "",
                          const std::string& environment = "");

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// "prefix-<random>", for topic and group names that no other test run uses.
std::string UniqueName(const std::string& prefix);

// `newsflow <args>` started in the background; output goes to a log file.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::string& args);
  ~BackgroundProcess();  // SIGKILLs the process if still running
  // Sends SIGTERM and waits up to `timeout_ms`; returns the exit code, or -1 on timeout.
  int Terminate(int timeout_ms);
  // SIGKILL: no chance to flush, commit or close — a crash.
  void Kill();
  // Sends `signal` (e.g. SIGINT) without waiting.
  void Signal(int signal);
  // Waits up to `timeout_ms` for the process to end; its exit code (128 + signal when
  // killed), or -1 on timeout.
  int Wait(int timeout_ms);
  pid_t pid() const { return pid_; }
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// Reads `topic` from the beginning until every partition is at its end and no record
// arrived for `idle_ms`, or `min_records` have arrived and the topic is idle; gives up after
// `timeout_ms`.
std::vector<kafka::ConsumedMessage> ReadTopic(const std::string& brokers, const std::string& topic,
                                              size_t min_records = 0, int timeout_ms = 30000,
                                              int idle_ms = 1000);

std::string ReadFile(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick), for a server a
// test starts.
int FreePort();

// The test broker's process id and state directory (deploy/kafka.sh status), for tests that
// stop and continue it; pid -1 when not found.
struct BrokerProcess {
  pid_t pid = -1;
  std::string state_dir;
};
BrokerProcess FindBroker(const std::string& brokers);

}  // namespace newsflow::testing

#endif  // NEWSFLOW_TESTS_TEST_SUPPORT_H_
