#include "ingest/xml_tree.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <pugixml.hpp>

#include <algorithm>
#include <cstring>

#include "common/string_util.h"
#include "processors/normalize/normalize.h"

namespace newsflow::ingest {
namespace {

constexpr int kMaxDepth = 256;  // deeper documents are cut there (stack, not content)

// The encoding an XML declaration names ("<?xml version="1.0" encoding="ISO-8859-1"?>").
std::string DeclaredEncoding(std::string_view bytes) {
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  if (!StartsWith(bytes, "<?xml")) return "";
  const std::string_view decl = bytes.substr(0, bytes.find("?>"));
  const size_t at = decl.find("encoding");
  if (at == std::string_view::npos) return "";
  size_t quote = decl.find_first_of("\"'", at);
  if (quote == std::string_view::npos) return "";
  const size_t end = decl.find(decl[quote], quote + 1);
  if (end == std::string_view::npos) return "";
  return std::string(decl.substr(quote + 1, end - quote - 1));
}

// The document as UTF-8 text without its XML declaration (which may name another encoding).
std::string AsUtf8(std::string_view bytes, std::string_view http_charset, std::string* charset) {
  std::string declared(http_charset);
  if (declared.empty()) declared = DeclaredEncoding(bytes);
  std::string text = normalize::DecodeToUtf8(bytes, declared, charset);
  if (StartsWith(text, "\xEF\xBB\xBF")) text.erase(0, 3);
  if (StartsWith(text, "<?xml")) {
    const size_t end = text.find("?>");
    if (end != std::string::npos) text.erase(0, end + 2);
  }
  return text;
}

// --- libxml2 ---------------------------------------------------------------------------------

void FromLibxml2(xmlNode* element, XmlNode* out, int depth) {
  out->name = reinterpret_cast<const char*>(element->name);
  if (element->ns != nullptr && element->ns->href != nullptr) {
    out->ns = reinterpret_cast<const char*>(element->ns->href);
  }
  for (xmlAttr* attribute = element->properties; attribute != nullptr; attribute = attribute->next) {
    xmlChar* value = xmlNodeListGetString(element->doc, attribute->children, 1);
    out->attributes.emplace_back(reinterpret_cast<const char*>(attribute->name),
                                 value == nullptr ? "" : reinterpret_cast<const char*>(value));
    xmlFree(value);
  }
  for (xmlNode* child = element->children; child != nullptr; child = child->next) {
    // Text goes before the first child element, else after the last one so far.
    std::string& text = out->children.empty() ? out->text : out->children.back().tail;
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      if (child->content != nullptr) text += reinterpret_cast<const char*>(child->content);
    } else if (child->type == XML_ENTITY_REF_NODE) {
      // An entity the parser did not expand (&nbsp; in RSS): keep its name visible.
      text.append("&").append(reinterpret_cast<const char*>(child->name)).append(";");
    } else if (child->type == XML_ELEMENT_NODE && depth < kMaxDepth) {
      out->children.emplace_back();
      FromLibxml2(child, &out->children.back(), depth + 1);
    }
  }
}

void SilentErrors(void*, const char*, ...) {}

XmlDocument ParseWithLibxml2(const std::string& text) {
  XmlDocument document;
  // Recover from broken markup, never fetch or expand external entities, stay quiet.
  const int options = XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR |
                      XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_COMPACT;
  xmlParserCtxtPtr context = xmlNewParserCtxt();
  if (context == nullptr) return document;
  xmlSetGenericErrorFunc(nullptr, SilentErrors);
  xmlDocPtr doc = xmlCtxtReadMemory(context, text.data(), static_cast<int>(text.size()), nullptr,
                                    "UTF-8", options);
  if (context->errNo != 0 || !context->wellFormed) {
    document.recovered = true;
    const xmlError* error = xmlCtxtGetLastError(context);
    if (error != nullptr && error->message != nullptr) {
      document.error = error->message;
      while (!document.error.empty() && document.error.back() == '\n') document.error.pop_back();
    }
  }
  if (doc != nullptr) {
    xmlNode* root = xmlDocGetRootElement(doc);
    if (root != nullptr) {
      FromLibxml2(root, &document.root, 0);
      document.ok = true;
    }
    xmlFreeDoc(doc);
  }
  xmlFreeParserCtxt(context);
  return document;
}

// --- pugixml ---------------------------------------------------------------------------------

// pugixml keeps prefixes; namespaces are resolved from the xmlns attributes in scope.
void FromPugixml(const pugi::xml_node& element, XmlNode* out,
                 std::vector<std::pair<std::string, std::string>>* scope, int depth) {
  const size_t scope_size = scope->size();
  for (const pugi::xml_attribute& attribute : element.attributes()) {
    const std::string_view name = attribute.name();
    if (name == "xmlns") {
      scope->emplace_back("", attribute.value());
    } else if (StartsWith(name, "xmlns:")) {
      scope->emplace_back(std::string(name.substr(6)), attribute.value());
    }
  }
  const std::string_view full = element.name();
  const size_t colon = full.find(':');
  const std::string prefix(colon == std::string_view::npos ? "" : full.substr(0, colon));
  out->name = std::string(colon == std::string_view::npos ? full : full.substr(colon + 1));
  for (auto it = scope->rbegin(); it != scope->rend(); ++it) {
    if (it->first == prefix) {
      out->ns = it->second;
      break;
    }
  }
  for (const pugi::xml_attribute& attribute : element.attributes()) {
    std::string_view name = attribute.name();
    if (name == "xmlns" || StartsWith(name, "xmlns:")) continue;
    if (const size_t c = name.find(':'); c != std::string_view::npos) name = name.substr(c + 1);
    out->attributes.emplace_back(std::string(name), attribute.value());
  }
  for (const pugi::xml_node& child : element.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      (out->children.empty() ? out->text : out->children.back().tail) += child.value();
    } else if (child.type() == pugi::node_element && depth < kMaxDepth) {
      out->children.emplace_back();
      FromPugixml(child, &out->children.back(), scope, depth + 1);
    }
  }
  scope->resize(scope_size);
}

XmlDocument ParseWithPugixml(const std::string& text) {
  XmlDocument document;
  pugi::xml_document doc;
  const pugi::xml_parse_result result =
      doc.load_buffer(text.data(), text.size(),
                      pugi::parse_default | pugi::parse_ws_pcdata_single, pugi::encoding_utf8);
  if (!result) {
    document.recovered = true;  // pugixml keeps what it parsed before the error
    document.error = result.description();
  }
  const pugi::xml_node root = doc.document_element();
  if (root) {
    std::vector<std::pair<std::string, std::string>> scope;
    FromPugixml(root, &document.root, &scope, 0);
    document.ok = true;
  }
  return document;
}

}  // namespace

std::string_view XmlNode::Attribute(std::string_view local_name) const {
  for (const auto& [name, value] : attributes) {
    if (name == local_name) return value;
  }
  return {};
}

const XmlNode* XmlNode::Child(std::string_view local_name, std::string_view in_ns) const {
  for (const XmlNode& child : children) {
    if (child.name == local_name && (in_ns.empty() || child.ns == in_ns)) return &child;
  }
  return nullptr;
}

std::string XmlNode::AllText() const {
  std::string out = text;
  for (const XmlNode& child : children) out.append(child.AllText()).append(child.tail);
  return out;
}

namespace {

void AppendEscaped(std::string_view text, bool attribute, std::string* out) {
  for (const char c : text) {
    switch (c) {
      case '&': *out += "&amp;"; break;
      case '<': *out += "&lt;"; break;
      case '>': *out += "&gt;"; break;
      case '"':
        if (attribute) {
          *out += "&quot;";
          break;
        }
        [[fallthrough]];
      default: *out += c;
    }
  }
}

void AppendXml(const XmlNode& node, std::string* out) {
  out->append("<").append(node.name);
  for (const auto& [name, value] : node.attributes) {
    out->append(" ").append(name).append("=\"");
    AppendEscaped(value, true, out);
    out->append("\"");
  }
  if (node.text.empty() && node.children.empty()) {
    out->append(" />");
    return;
  }
  out->append(">");
  out->append(node.InnerXml());
  out->append("</").append(node.name).append(">");
}

}  // namespace

std::string XmlNode::InnerXml() const {
  std::string out;
  AppendEscaped(text, false, &out);
  for (const XmlNode& child : children) {
    AppendXml(child, &out);
    AppendEscaped(child.tail, false, &out);
  }
  return out;
}

const char* XmlParserName(XmlParser parser) {
  return parser == XmlParser::kLibxml2 ? "libxml2" : "pugixml";
}

XmlDocument ParseXml(std::string_view bytes, std::string_view http_charset, XmlParser parser) {
  std::string charset;
  const std::string text = AsUtf8(bytes, http_charset, &charset);
  XmlDocument document =
      parser == XmlParser::kLibxml2 ? ParseWithLibxml2(text) : ParseWithPugixml(text);
  document.charset = charset;
  return document;
}

}  // namespace newsflow::ingest
