#include "processors/pipeline/pipeline.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "proto/utf8_fields.h"

namespace newsflow::pipeline {
namespace {

v1::Region::Role ToProtoRole(tag::RegionRole role) {
  switch (role) {
    case tag::RegionRole::kFocus:
      return v1::Region::FOCUS;
    case tag::RegionRole::kDateline:
      return v1::Region::DATELINE;
    case tag::RegionRole::kMentioned:
      return v1::Region::MENTIONED;
  }
  return v1::Region::ROLE_UNSPECIFIED;
}

v1::DedupVerdict::Status ToProtoStatus(dedupe::DedupStatus status) {
  switch (status) {
    case dedupe::DedupStatus::kUnique:
      return v1::DedupVerdict::UNIQUE;
    case dedupe::DedupStatus::kExactDuplicate:
      return v1::DedupVerdict::EXACT_DUPLICATE;
    case dedupe::DedupStatus::kNearDuplicate:
      return v1::DedupVerdict::NEAR_DUPLICATE;
  }
  return v1::DedupVerdict::STATUS_UNSPECIFIED;
}

// Moves the normalizer's strings into the output message (the article is not read after).
void FillNormalized(normalize::NormalizedArticle&& n, v1::EnrichedArticle* out) {
  out->set_body(n.Body());
  out->set_id(std::move(n.id));
  out->set_key(std::move(n.key));
  out->set_canonical_url(std::move(n.canonical_url));
  out->set_url(std::move(n.url));
  out->set_source(std::move(n.source));
  out->set_title(std::move(n.title));
  for (std::string& caption : n.captions) out->add_captions(std::move(caption));
  for (std::string& heading : n.subheadings) out->add_subheadings(std::move(heading));
  out->set_byline(std::move(n.byline));
  if (!n.dateline.text.empty()) {
    out->mutable_dateline()->set_text(std::move(n.dateline.text));
    out->mutable_dateline()->set_place(std::move(n.dateline.place));
    out->mutable_dateline()->set_agency(std::move(n.dateline.agency));
  }
  out->set_language(std::move(n.language));
  out->set_language_confidence(n.language_confidence);
  out->set_published_at(std::move(n.published_at));
  out->set_published_at_original(std::move(n.published_at_original));
  out->set_word_count(n.word_count);
  out->set_char_count(n.char_count);
  out->set_subtitle(std::move(n.subtitle));
  out->set_invalid_utf8_replaced(n.invalid_utf8_replaced);
  out->set_charset(std::move(n.charset));
}

}  // namespace

int64_t EventTimeMs(int64_t published_ms, int64_t ingested_ms, int64_t now_ms, bool* clamped) {
  // A time far in the future is a feed error or a forged record; left alone it would advance
  // the dedup window and evict everything indexed. The record's own ingest time is a good
  // reference when it is plausible, the processor's clock otherwise.
  constexpr int64_t kMaxFutureSkewMs = 24LL * 3600 * 1000;
  const bool ingest_plausible = ingested_ms > 0 && ingested_ms <= now_ms + kMaxFutureSkewMs;
  const int64_t cap = (ingest_plausible ? ingested_ms : now_ms) + kMaxFutureSkewMs;
  int64_t event_ms = published_ms > 0 ? published_ms : ingested_ms > 0 ? ingested_ms : now_ms;
  *clamped = event_ms > cap;
  return std::min(event_ms, cap);
}

absl::Status PipelineOptions::Validate() const {
  if (auto s = normalize.Validate(); !s.ok()) return s;
  if (max_record_bytes > 0 && max_record_bytes < 1024) {
    return absl::InvalidArgumentError("max_record_bytes must be 0 (no limit) or at least 1024");
  }
  if (auto s = dedupe.Validate(); !s.ok()) return s;
  return tag.Validate();
}

absl::StatusOr<std::unique_ptr<Pipeline>> Pipeline::Create(const PipelineOptions& options) {
  if (auto s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<Pipeline> pipeline(new Pipeline());
  pipeline->options_ = options;
  pipeline->normalizer_ = std::make_unique<normalize::Normalizer>(options.normalize);
  pipeline->deduper_ = std::make_unique<dedupe::Deduper>(options.dedupe);
  auto tagger = tag::Tagger::Create(options.tag);
  if (!tagger.ok()) return tagger.status();
  pipeline->tagger_ = std::move(*tagger);
  return pipeline;
}

v1::DeadLetter::Reason ReasonForStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kResourceExhausted:
      return v1::DeadLetter::TOO_LARGE;
    case absl::StatusCode::kFailedPrecondition:
      return v1::DeadLetter::EMPTY_CONTENT;
    case absl::StatusCode::kInvalidArgument:
      return v1::DeadLetter::MALFORMED_INPUT;
    default:
      return v1::DeadLetter::STAGE_FAILED;
  }
}

PreparedOutcome Pipeline::Prepare(const v1::RawArticle& raw, const RecordOrigin& origin) {
  PreparedOutcome outcome;
  const int64_t start_us = MonotonicMicros();
  absl::StatusOr<normalize::NormalizedArticle> normalized = normalizer_->Normalize(raw);
  const int64_t normalized_us = MonotonicMicros();
  if (!normalized.ok()) {
    outcome.status = normalized.status();
    outcome.dead_letter = MakeDeadLetter(raw.SerializeAsString(), "normalize",
                                         ReasonForStatus(normalized.status()),
                                         std::string(normalized.status().message()), origin);
    return outcome;
  }

  v1::PreparedArticle& prepared = outcome.prepared;
  // Articles are compared within their language: a translation is not a copy, and the
  // language gives the scale-out topology independent dedup scopes.
  prepared.set_scope(normalized->language.empty() ? "und" : normalized->language);
  prepared.set_dedup_id(normalized->id);
  prepared.set_canonical_url(normalized->canonical_url);
  prepared.set_matching_text(std::move(normalized->matching_text));
  // Plain-text input: exactness is judged on all of it (see DedupeInput::exact_text).
  // Extracted HTML has no such "all": pages always differ in their markup. Most bodies are
  // their paragraphs with other whitespace: then all of it folds to the matching text, which
  // an empty exact_text stands for.
  if (!raw.body().empty() &&
      !normalize::SameTextUpToWhitespace(raw.body(), normalized->paragraphs)) {
    prepared.set_exact_text(normalize::MatchingForm(raw.body()));
  }
  const int64_t now_ms = options_.now_ms ? options_.now_ms() : NowUnixMillis();
  // Without a publication time, the fetch time (a web archive's WARC-Date) is closer to it
  // than the ingest time: an archive imported today holds last year's news.
  int64_t published_ms = normalized->published_at_unix_ms;
  if (published_ms <= 0 && !raw.fetched_at().empty()) {
    std::string ignored;
    if (!normalize::ParsePublishedAt(raw.fetched_at(), &ignored, &published_ms)) published_ms = 0;
  }
  prepared.set_event_time_ms(
      EventTimeMs(published_ms, raw.ingested_at_ms(), now_ms, &outcome.event_time_clamped));

  // The paragraphs are lent to the tagger and taken back (they are the largest strings).
  tag::TagInput tag_input;
  tag_input.title = normalized->title;
  tag_input.paragraphs = std::move(normalized->paragraphs);
  tag_input.dateline_place = normalized->dateline.place;
  tag_input.language = normalized->language;
  tag::TagResult tags = tagger_->Tag(tag_input);
  normalized->paragraphs = std::move(tag_input.paragraphs);
  const int64_t tagged_us = MonotonicMicros();

  v1::EnrichedArticle& out = *prepared.mutable_article();
  FillNormalized(std::move(*normalized), &out);
  for (tag::TopicTag& topic : tags.topics) {
    v1::Topic* t = out.add_topics();
    t->set_code(std::move(topic.code));
    t->set_label(std::move(topic.label));
    t->set_score(topic.score);
  }
  for (const tag::RegionTag& region : tags.regions) {
    v1::Region* r = out.add_regions();
    r->set_country_code(region.country_code);
    r->set_name(region.name);
    r->set_score(region.score);
    r->set_role(ToProtoRole(region.role));
    r->set_region(region.region);
    r->set_subregion(region.subregion);
    r->set_mentions(region.mentions);
  }
  for (const tag::BlocTag& bloc : tags.blocs) {
    v1::Bloc* b = out.add_blocs();
    b->set_code(bloc.code);
    b->set_name(bloc.name);
    b->set_region(bloc.region);
    b->set_mentions(bloc.mentions);
  }
  v1::Provenance* provenance = out.mutable_provenance();
  provenance->set_processor(options_.processor_name);
  provenance->set_input_topic(origin.topic);
  provenance->set_input_partition(origin.partition);
  provenance->set_input_offset(origin.offset);
  provenance->set_ingested_at_ms(raw.ingested_at_ms());
  provenance->mutable_timings_us()->set_normalize(normalized_us - start_us);
  provenance->mutable_timings_us()->set_tag(tagged_us - normalized_us);
  if (raw.has_producer()) *provenance->mutable_producer() = raw.producer();
  // Everything here comes from a decoded RawArticle (valid UTF-8) or from the normalizer,
  // which repairs what it reads; this is the guarantee that no string field is ever invalid.
  RepairStringFields(&out);
  return outcome;
}

PipelineOutcome Pipeline::Finish(v1::PreparedArticle prepared, dedupe::Deduper& deduper) {
  PipelineOutcome outcome;
  const int64_t start_us = MonotonicMicros();
  dedupe::DedupeInput input;
  input.id = std::move(*prepared.mutable_dedup_id());
  input.canonical_url = std::move(*prepared.mutable_canonical_url());
  input.matching_text = std::move(*prepared.mutable_matching_text());
  input.exact_text = std::move(*prepared.mutable_exact_text());
  input.event_time_ms = prepared.event_time_ms();
  dedupe::DedupeResult verdict = deduper.Process(input, &outcome.dedupe_changes);
  const int64_t deduped_us = MonotonicMicros();
  outcome.event_time_clamped = verdict.event_time_clamped;

  outcome.article = std::move(*prepared.mutable_article());
  v1::DedupVerdict* dedup = outcome.article.mutable_dedup();
  dedup->set_status(ToProtoStatus(verdict.status));
  dedup->set_cluster_id(verdict.cluster_id);
  dedup->set_duplicate_of(verdict.duplicate_of);
  dedup->set_similarity(verdict.similarity);
  dedup->set_containment(verdict.containment);
  v1::Provenance* provenance = outcome.article.mutable_provenance();
  provenance->mutable_timings_us()->set_dedupe(deduped_us - start_us);
  provenance->set_processed_at_ms(NowUnixMillis());
  return outcome;
}

std::unique_ptr<dedupe::Deduper> Pipeline::NewDeduper() const {
  return std::make_unique<dedupe::Deduper>(options_.dedupe);
}

namespace {

// A record the stateless half refused, as a whole-pipeline outcome.
PipelineOutcome Finished(PipelineOutcome outcome, bool event_time_clamped) {
  outcome.event_time_clamped |= event_time_clamped;
  return outcome;
}

PipelineOutcome Refused(PreparedOutcome prepared) {
  PipelineOutcome outcome;
  outcome.status = std::move(prepared.status);
  outcome.dead_letter = std::move(prepared.dead_letter);
  return outcome;
}

// A record value that is not a RawArticle: an UNDECODABLE dead letter with the bytes.
v1::DeadLetter UndecodableRawArticle(const std::string& value, const std::string& key,
                                     const RecordOrigin& origin, absl::Status* status) {
  *status = absl::InvalidArgumentError(
      absl::StrCat("record value (", value.size(), " bytes) is not a newsflow.v1.RawArticle"));
  v1::DeadLetter letter = MakeDeadLetter(value, "decode", v1::DeadLetter::UNDECODABLE,
                                         std::string(status->message()), origin);
  letter.set_key(key);
  return letter;
}

}  // namespace

PipelineOutcome Pipeline::Process(const v1::RawArticle& raw, const RecordOrigin& origin) {
  PreparedOutcome prepared = Prepare(raw, origin);
  if (!prepared.status.ok()) return Refused(std::move(prepared));
  return Finished(Finish(std::move(prepared.prepared), *deduper_), prepared.event_time_clamped);
}

PipelineOutcome Pipeline::ProcessSerialized(const std::string& value, const std::string& key,
                                            const RecordOrigin& origin) {
  PreparedOutcome prepared = PrepareSerialized(value, key, origin);
  if (!prepared.status.ok()) return Refused(std::move(prepared));
  return Finished(Finish(std::move(prepared.prepared), *deduper_), prepared.event_time_clamped);
}

PreparedOutcome Pipeline::PrepareSerialized(const std::string& value, const std::string& key,
                                            const RecordOrigin& origin) {
  if (options_.max_record_bytes > 0 && value.size() > options_.max_record_bytes) {
    // Not even decoded: an article this large could not be written out, and its bytes
    // may be anything.
    PreparedOutcome outcome;
    outcome.status = absl::ResourceExhaustedError(absl::StrCat(
        "record value is ", value.size(), " bytes, above the ", options_.max_record_bytes,
        " bytes an input record may have (what fits in an output record)"));
    outcome.dead_letter = MakeDeadLetter(value, "decode", v1::DeadLetter::TOO_LARGE,
                                         std::string(outcome.status.message()), origin);
    outcome.dead_letter.set_key(key);
    return outcome;
  }
  v1::RawArticle raw;
  if (!raw.ParseFromString(value)) {
    PreparedOutcome outcome;
    outcome.dead_letter = UndecodableRawArticle(value, key, origin, &outcome.status);
    return outcome;
  }
  PreparedOutcome outcome = Prepare(raw, origin);
  if (!outcome.status.ok()) outcome.dead_letter.set_key(key);
  return outcome;
}

}  // namespace newsflow::pipeline
