// The dashboard's web page and its static files, embedded at build time from dashboard/web/.
#ifndef NEWSFLOW_DASHBOARD_WEB_ASSETS_H_
#define NEWSFLOW_DASHBOARD_WEB_ASSETS_H_

#include <vector>

namespace newsflow::dashboard {

struct WebAsset {
  const char* path;          // served at this URL path, e.g. "/static/dashboard.js"
  const char* content_type;  // e.g. "text/javascript; charset=utf-8"
  const char* body;
};

const std::vector<WebAsset>& WebAssets();

}  // namespace newsflow::dashboard

#endif  // NEWSFLOW_DASHBOARD_WEB_ASSETS_H_
