#include "tests/test_support.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"

namespace newsflow::testing {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string NewsflowBinary() { return Env("NEWSFLOW_BIN"); }
std::string SourceDir() { return Env("NEWSFLOW_SOURCE_DIR"); }
std::string SharedDataDir() { return Env("NEWSFLOW_SHARED_DATA"); }
std::string TestBrokers() { return Env("NEWSFLOW_TEST_BROKERS"); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TempDir::TempDir() {
  std::string pattern = "/tmp/newsflow-test-XXXXXX";
  path_ = mkdtemp(pattern.data());
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Write(const std::string& name, const std::string& content) const {
  std::string path = path_ + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

CommandResult RunNewsflow(const std::string& args, const std::string& stdin_path,
                          const std::string& environment) {
  TempDir dir;
  const std::string out = dir.path() + "/out", err = dir.path() + "/err";
  std::string command = absl::StrCat(environment.empty() ? "" : "env " + environment + " ",
                                     NewsflowBinary(), " ", args, " >", out, " 2>", err);
  if (!stdin_path.empty()) absl::StrAppend(&command, " <", stdin_path);
  int status = std::system(command.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

std::string UniqueName(const std::string& prefix) {
  std::random_device random;
  return absl::StrCat(prefix, "-", random(), random() % 10000);
}

BackgroundProcess::BackgroundProcess(const std::string& args) {
  char pattern[] = "/tmp/newsflow-bg-XXXXXX";
  int fd = mkstemp(pattern);
  log_path_ = pattern;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    const std::string command = absl::StrCat("exec ", NewsflowBinary(), " ", args);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fd);
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  unlink(log_path_.c_str());
}

int BackgroundProcess::Terminate(int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const int64_t deadline = NowMs() + timeout_ms;
  while (NowMs() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

void BackgroundProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void BackgroundProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int BackgroundProcess::Wait(int timeout_ms) {
  if (pid_ <= 0) return -1;
  const int64_t deadline = NowMs() + timeout_ms;
  while (NowMs() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::string BackgroundProcess::Log() const { return ReadFile(log_path_); }

BrokerProcess FindBroker(const std::string& brokers) {
  BrokerProcess broker;
  const std::string port = brokers.substr(brokers.rfind(':') + 1);
  const std::string command =
      absl::StrCat(SourceDir(), "/deploy/kafka.sh status --port ", port, " 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return broker;
  char line[4096] = {0};
  std::string out;
  while (fgets(line, sizeof(line), pipe) != nullptr) out += line;
  pclose(pipe);
  const size_t pid_at = out.find("pid=");
  const size_t state_at = out.find("state=");
  if (pid_at != std::string::npos) broker.pid = std::stoi(out.substr(pid_at + 4));
  if (state_at != std::string::npos) {
    broker.state_dir = out.substr(state_at + 6);
    while (!broker.state_dir.empty() && std::isspace(broker.state_dir.back())) {
      broker.state_dir.pop_back();
    }
  }
  return broker;
}

std::vector<kafka::ConsumedMessage> ReadTopic(const std::string& brokers, const std::string& topic,
                                              size_t min_records, int timeout_ms, int idle_ms) {
  kafka::ConsumerOptions options;
  options.client.brokers = brokers;
  options.group_id = UniqueName("test-reader");
  std::vector<kafka::ConsumedMessage> records;
  auto consumer = kafka::Consumer::Create(options);
  if (!consumer.ok() || !(*consumer)->Subscribe({topic}).ok()) return records;
  const int64_t deadline = NowMs() + timeout_ms;
  int64_t last = NowMs();
  while (NowMs() < deadline) {
    auto polled = (*consumer)->Poll(100);
    if (polled.ok() && polled->has_value()) {
      records.push_back(std::move(**polled));
      last = NowMs();
      continue;
    }
    if (records.size() >= min_records && (*consumer)->AllAssignedAtEnd() &&
        NowMs() - last >= idle_ms) {
      break;
    }
  }
  (void)(*consumer)->Close();
  return records;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  int port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace newsflow::testing
