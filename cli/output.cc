#include "cli/output.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "proto/json_writer.h"

namespace newsflow::cli {

absl::Status WriteJsonLine(const google::protobuf::Message& message, std::ostream& out) {
  // One buffer per thread, reused: an article's line is appended, written and cleared.
  thread_local std::string line;
  line.clear();
  if (!proto::AppendJson(message, &line).ok()) {
    // What the direct writer refuses (a map, invalid UTF-8), protobuf prints.
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    options.add_whitespace = false;
    auto status = google::protobuf::util::MessageToJsonString(message, &line, options);
    if (!status.ok()) {
      return absl::InternalError(absl::StrCat("cannot render JSON: ", status.ToString()));
    }
  }
  line.push_back('\n');
  out.write(line.data(), static_cast<std::streamsize>(line.size()));
  return out ? absl::OkStatus() : absl::DataLossError("cannot write output");
}

absl::Status WriteDelimited(const google::protobuf::Message& message, std::ostream& out) {
  google::protobuf::io::OstreamOutputStream stream(&out);
  if (!google::protobuf::util::SerializeDelimitedToZeroCopyStream(message, &stream)) {
    return absl::DataLossError("cannot write output");
  }
  return absl::OkStatus();
}

void WriteSummary(const v1::EnrichedArticle& article, std::ostream& out) {
  const v1::DedupVerdict& dedup = article.dedup();
  out << "● " << article.id() << "  [" << v1::DedupVerdict::Status_Name(dedup.status())
      << "]  " << article.language() << "  " << article.source() << "\n";
  out << "  title:   " << article.title() << "\n";
  if (dedup.status() != v1::DedupVerdict::UNIQUE) {
    out << absl::StrFormat("  dedup:   duplicate of %s, cluster %s, similarity %.2f, "
                           "containment %.2f\n",
                           dedup.duplicate_of(), dedup.cluster_id(), dedup.similarity(),
                           dedup.containment());
  }
  out << "  topics: ";
  if (article.topics().empty()) out << " (none)";
  for (const v1::Topic& topic : article.topics()) {
    out << absl::StrFormat(" %s %s (%.2f);", topic.code(), topic.label(), topic.score());
  }
  out << "\n  regions:";
  if (article.regions().empty()) out << " (none)";
  for (const v1::Region& region : article.regions()) {
    out << absl::StrFormat(" %s%s %.2f;", region.country_code(),
                           region.role() == v1::Region::FOCUS      ? "*"
                           : region.role() == v1::Region::DATELINE ? "@"
                                                                   : "",
                           region.score());
  }
  if (!article.blocs().empty()) {
    out << "\n  blocs:  ";
    for (const v1::Bloc& bloc : article.blocs()) out << " " << bloc.code() << ";";
  }
  out << "\n";
}

void WriteSummary(const v1::DeadLetter& letter, std::ostream& out) {
  out << "✗ dead letter  [" << v1::DeadLetter::Reason_Name(letter.reason()) << "] at "
      << letter.stage() << ": " << letter.message() << "\n";
  if (!letter.input().empty()) {
    out << "  input:   " << letter.input() << (letter.line() > 0 ? absl::StrCat(":", letter.line()) : "")
        << "\n";
  } else if (!letter.input_topic().empty()) {
    out << "  input:   " << letter.input_topic() << "/" << letter.input_partition() << "@"
        << letter.input_offset() << "\n";
  }
}

}  // namespace newsflow::cli
