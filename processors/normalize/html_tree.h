// The parsed page the extractor walks: gumbo's node structures (GumboNode, GumboElement,
// GumboText), built either by gumbo, an HTML5-conformant parser, or from the tree of
// libxml2's HTML parser, which is faster but follows HTML 4's rules for implied and
// misnested tags. Both keep their memory in one arena per thread, released in one go, so a
// tree costs no malloc/free per node. What was measured to choose between them:
// docs/PERFORMANCE.md, "HTML parser".
#ifndef NEWSFLOW_PROCESSORS_NORMALIZE_HTML_TREE_H_
#define NEWSFLOW_PROCESSORS_NORMALIZE_HTML_TREE_H_

#include <gumbo.h>

#include <string_view>

#include "processors/normalize/normalize.h"

namespace newsflow::normalize::internal {

class HtmlTree {
 public:
  // Parses `utf8_html` (valid UTF-8). One tree per thread at a time: the arena is the
  // thread's, and a new tree reuses it.
  HtmlTree(std::string_view utf8_html, HtmlParser parser);
  ~HtmlTree();
  HtmlTree(const HtmlTree&) = delete;
  HtmlTree& operator=(const HtmlTree&) = delete;

  // Null when the page could not be parsed at all.
  const GumboOutput* output() const { return output_; }

 private:
  GumboOutput* output_ = nullptr;
  void* libxml2_document_ = nullptr;  // xmlDocPtr, freed with the tree
};

}  // namespace newsflow::normalize::internal

#endif  // NEWSFLOW_PROCESSORS_NORMALIZE_HTML_TREE_H_
