// `newsflow schema`: the message schema for readers outside the source tree: the .proto files
// as text, or a FileDescriptorSet (with imports) that any protobuf runtime can load.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <string>

#include "cli/command.h"
#include "proto/schema_files.h"

namespace newsflow::cli {
namespace {

class SchemaCommand : public Command {
 public:
  std::string descriptor_set;
  std::string file;
  bool list = false;

  CLI::App* Register(CLI::App* parent) override {
    CLI::App* app = parent->add_subcommand(
        "schema",
        "Print the newsflow.v1 .proto files newsflow was built from (every file, each "
        "headed by a '// file: NAME' line), or write them as a FileDescriptorSet that Python, "
        "Java, Spark, Flink or Kafka Connect can load to decode records without protoc. "
        "Records of news.enriched are newsflow.v1.EnrichedArticle, of news.raw "
        "newsflow.v1.RawArticle, of news.dlq newsflow.v1.DeadLetter.");
    app->add_option("--descriptor-set", descriptor_set,
                    "Write a binary FileDescriptorSet (every file, imports included) to FILE "
                    "instead of printing text ('-' = stdout)");
    app->add_option("--file", file, "Print only this file (e.g. newsflow/v1/article.proto)");
    app->add_flag("--list", list, "List the file names only");
    return app;
  }

  int Run(const RunContext&) override {
    if (!descriptor_set.empty()) {
      const std::string bytes = SchemaDescriptorSet().SerializeAsString();
      if (descriptor_set == "-") {
        std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        std::cout.flush();
        return std::cout ? kExitOk : kExitError;
      }
      std::ofstream out(descriptor_set, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      out.close();
      if (!out) {
        std::cerr << "newsflow schema: cannot write " << descriptor_set << "\n";
        return kExitError;
      }
      std::cerr << "newsflow schema: wrote " << SchemaDescriptorSet().file_size()
                << " file descriptor(s), " << bytes.size() << " bytes, to " << descriptor_set
                << "\n";
      return kExitOk;
    }
    if (!file.empty()) {
      const char* text = ProtoFileText(file);
      if (text == nullptr) {
        std::cerr << "newsflow schema: no file " << file << "; the files are:";
        for (const ProtoFile& f : ProtoFiles()) std::cerr << " " << f.name;
        std::cerr << "\n";
        return kExitUsage;
      }
      std::cout << text;
      return kExitOk;
    }
    bool first = true;
    for (const ProtoFile& f : ProtoFiles()) {
      if (list) {
        std::cout << f.name << "\n";
        continue;
      }
      if (!first) std::cout << "\n";
      first = false;
      std::cout << "// file: " << f.name << "\n" << f.text;
    }
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeSchemaCommand() { return std::make_unique<SchemaCommand>(); }

}  // namespace newsflow::cli
