// Base fixture of the broker-backed tests: skips without NEWSFLOW_TEST_BROKERS (outside
// ctest) and gives each test fresh topic and consumer-group names.
#ifndef NEWSFLOW_TESTS_BROKER_TEST_FIXTURE_H_
#define NEWSFLOW_TESTS_BROKER_TEST_FIXTURE_H_

#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/test_support.h"

namespace newsflow::testing {

class BrokerTopicsTest : public ::testing::Test {
 protected:
  // Prefix of the unique names ("raw-<prefix>-...").
  virtual std::string NamePrefix() const { return "t"; }

  void SetUp() override {
    brokers_ = TestBrokers();
    if (brokers_.empty()) GTEST_SKIP() << "NEWSFLOW_TEST_BROKERS not set (run through ctest)";
    const std::string suffix = UniqueName(NamePrefix());
    raw_ = "raw-" + suffix;
    enriched_ = "enriched-" + suffix;
    dlq_ = "dlq-" + suffix;
    group_ = "group-" + suffix;
  }

  // --brokers and the three topic flags, for `newsflow` commands.
  std::string TopicFlags() const {
    return absl::StrCat("--brokers ", brokers_, " --raw-topic ", raw_, " --enriched-topic ",
                        enriched_, " --dlq-topic ", dlq_);
  }

  std::string brokers_, raw_, enriched_, dlq_, group_;
};

}  // namespace newsflow::testing

#endif  // NEWSFLOW_TESTS_BROKER_TEST_FIXTURE_H_
