// The dashboard service (see dashboard_service.h).
#include "dashboard/dashboard_service.h"

#include <cctype>
#include <mutex>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "dashboard/web_assets.h"
#include "proto/confluent_framing.h"

namespace newsflow::dashboard {
namespace {

// Percent-decoding of a query value ("Eastern%20Europe", "a+b").
std::string DecodeQueryValue(const std::string& value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < value.size() && std::isxdigit(static_cast<unsigned char>(value[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(value[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// What every answer carries: the page runs only its own scripts and talks only to this
// server, whatever an article's title or URL holds.
void Harden(observability::HttpResponse* response) {
  response->headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
      "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  response->headers.emplace_back("X-Content-Type-Options", "nosniff");
  response->headers.emplace_back("Referrer-Policy", "no-referrer");
  response->headers.emplace_back("Cache-Control", "no-store");
}

observability::HttpResponse JsonError(int status, const std::string& message) {
  observability::HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = nlohmann::json{{"error", message}}.dump() + "\n";
  Harden(&response);
  return response;
}

}  // namespace

absl::Status DashboardOptions::Validate() const {
  if (topic.empty()) return absl::InvalidArgumentError("dashboard topic is empty");
  if (auto s = consumer.Validate(); !s.ok()) return s;
  if (auto s = http.Validate(); !s.ok()) return s;
  if (auto s = aggregator.Validate(); !s.ok()) return s;
  if (default_window_s < 1 || default_window_s * 1000LL > aggregator.retention_ms) {
    return absl::InvalidArgumentError("dashboard default window must be within the retention");
  }
  return absl::OkStatus();
}

void AddDashboardRoutes(observability::HttpServer* server, Aggregator* aggregator, std::mutex* mu,
                        const std::atomic<bool>* ready, int default_window_s) {
  for (const WebAsset& asset : WebAssets()) {
    const std::string path = asset.path;
    auto handler = [&asset](const observability::RequestHead&) {
      observability::HttpResponse response;
      response.content_type = asset.content_type;
      response.body = asset.body;
      Harden(&response);
      return response;
    };
    server->Handle(path, handler);
    if (path == "/index.html") server->Handle("/", handler);
  }
  server->Handle("/api/summary", [=](const observability::RequestHead& request) {
    auto param = [&](const char* name) {
      auto it = request.query.find(name);
      return it == request.query.end() ? std::string() : DecodeQueryValue(it->second);
    };
    int64_t window_s = default_window_s;
    if (const std::string w = param("window"); !w.empty()) {
      if (!absl::SimpleAtoi(w, &window_s) || window_s < 1) {
        return JsonError(400, "window must be a positive number of seconds");
      }
    }
    SummaryFilter filter{param("topic"), param("region"), param("language")};
    nlohmann::json summary;
    {
      std::lock_guard<std::mutex> lock(*mu);
      summary = aggregator->Summary(window_s * 1000, NowUnixMillis(), filter);
    }
    summary["state"]["caughtUp"] = ready->load();
    observability::HttpResponse response;
    response.content_type = "application/json";
    // Invalid UTF-8 cannot reach here (newsflow writes valid strings), but replace it
    // rather than throw should a foreign producer write to the topic.
    response.body = summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    Harden(&response);
    return response;
  });
  server->Handle("/healthz", [](const observability::RequestHead&) {
    observability::HttpResponse response;
    response.body = "ok\n";
    return response;
  });
  server->Handle("/readyz", [ready](const observability::RequestHead&) {
    observability::HttpResponse response;
    if (ready->load()) {
      response.body = "ready\n";
    } else {
      response.status = 503;
      response.body = "not ready: reading the topic's last retention period\n";
    }
    return response;
  });
}

absl::Status RunDashboard(const DashboardOptions& options_in, const std::atomic<bool>& stop,
                          observability::Logger& log) {
  DashboardOptions options = options_in;
  options.consumer.isolation_level = "read_committed";
  if (auto s = options.Validate(); !s.ok()) return s;
  Aggregator aggregator(options.aggregator);
  std::mutex mu;
  std::atomic<bool> ready{false};

  auto consumer = kafka::Consumer::Create(options.consumer);
  if (!consumer.ok()) return consumer.status();
  kafka::Consumer* raw = consumer->get();
  const int64_t retention_ms = options.aggregator.retention_ms;
  kafka::RebalanceListener listener;
  // Start every partition at the first record of the retention period: the state is
  // rebuilt from the topic alone, and no older record is read.
  listener.choose_assignment = [raw, retention_ms, &log](const std::vector<kafka::TopicPartitionOffset>& given) {
    auto offsets = raw->OffsetsForTime(given, NowUnixMillis() - retention_ms);
    if (!offsets.ok()) {
      log.Warn("dashboard", "could not look offsets up by time; reading from the start",
               {{"error", offsets.status()}});
      std::vector<kafka::TopicPartitionOffset> from_start = given;
      for (auto& p : from_start) p.offset = -2;  // RD_KAFKA_OFFSET_BEGINNING
      return from_start;
    }
    return *offsets;
  };
  raw->SetRebalanceListener(std::move(listener));
  if (auto s = raw->Subscribe({options.topic}); !s.ok()) return s;

  observability::HttpServer server(options.http);
  AddDashboardRoutes(&server, &aggregator, &mu, &ready, options.default_window_s);
  if (auto s = server.Start(); !s.ok()) return s;
  log.Info("dashboard", "serving",
           {{"url", absl::StrCat("http://", options.http.listen_address, ":", server.bound_port(), "/")},
            {"topic", options.topic}});

  uint64_t records = 0, undecodable = 0;
  int64_t last_report_ms = NowUnixMillis();
  while (!stop.load()) {
    auto polled = raw->Poll(200);
    const int64_t now = NowUnixMillis();
    if (!polled.ok()) {
      if (polled.status().code() == absl::StatusCode::kUnauthenticated ||
          polled.status().code() == absl::StatusCode::kInternal) {
        server.Stop();
        (void)raw->Close();
        return polled.status();
      }
      log.Warn("dashboard", "consumer error; retrying", {{"error", polled.status()}});
      continue;
    }
    if (polled->has_value()) {
      const kafka::ConsumedMessage& message = **polled;
      ++records;
      v1::EnrichedArticle article;
      auto payload = ProtobufPayload(message.value);
      std::lock_guard<std::mutex> lock(mu);
      if (!payload.ok() ||
          !article.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
        aggregator.AddUndecodable();
        if (++undecodable <= 10) {
          log.Warn("dashboard", "skipped a record that is not an EnrichedArticle",
                   {{"partition", message.partition}, {"offset", message.offset}});
        }
        continue;
      }
      aggregator.Add(article, message.timestamp_ms > 0 ? message.timestamp_ms : now, now);
    } else if (!ready.load() && raw->AllAssignedAtEnd()) {
      ready.store(true);
      std::lock_guard<std::mutex> lock(mu);
      log.Info("dashboard", "caught up", {{"articles", aggregator.articles()}, {"records", records}});
    }
    if (now - last_report_ms >= 60000) {
      last_report_ms = now;
      std::lock_guard<std::mutex> lock(mu);
      log.Info("dashboard", "progress",
               {{"records", records}, {"articles_held", aggregator.articles()},
                {"approximate_bytes", aggregator.ApproximateBytes()}});
    }
  }
  server.Stop();
  (void)raw->Close();
  return absl::OkStatus();
}

}  // namespace newsflow::dashboard
