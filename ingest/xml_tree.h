// XML documents as a small tree for the feed and sitemap parser, from either of two parsers:
// libxml2 in recover mode or pugixml (docs/DEPENDENCIES.md says which is the default and
// why, measured on ../shared/data/ingest). Bytes are decoded to UTF-8 first (HTTP charset,
// byte-order mark, XML declaration, windows-1252 for "UTF-8" that is not), so both parsers
// see the same text. No entities are expanded beyond the predefined ones and no network
// access is made (no XXE).
#ifndef NEWSFLOW_INGEST_XML_TREE_H_
#define NEWSFLOW_INGEST_XML_TREE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace newsflow::ingest {

struct XmlNode {
  std::string name;  // local name ("item", "link")
  std::string ns;    // namespace URI, empty when none
  std::vector<std::pair<std::string, std::string>> attributes;  // local name -> value
  std::string text;  // text and CDATA inside, before the first child element
  std::string tail;  // text after this element, before its next sibling (ElementTree's model)
  std::vector<XmlNode> children;

  std::string_view Attribute(std::string_view local_name) const;
  // First child with this local name (in namespace `ns` when given), or null.
  const XmlNode* Child(std::string_view local_name, std::string_view ns = {}) const;
  // All text below this element, in document order.
  std::string AllText() const;
  // The markup inside this element, serialized again (unescaped HTML in an RSS description,
  // Atom's xhtml content); text is escaped, empty elements are written "<br />".
  std::string InnerXml() const;
};

enum class XmlParser { kLibxml2, kPugixml };

struct XmlDocument {
  XmlNode root;
  bool ok = false;         // a root element was found
  bool recovered = false;  // the parser met errors and recovered (or stopped early)
  std::string charset;     // what the bytes were decoded from
  std::string error;       // the first error, when any
};

// Parses `bytes` (a whole document); `http_charset` is the transport's charset label, if any.
XmlDocument ParseXml(std::string_view bytes, std::string_view http_charset, XmlParser parser);

// "libxml2" or "pugixml".
const char* XmlParserName(XmlParser parser);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_XML_TREE_H_
