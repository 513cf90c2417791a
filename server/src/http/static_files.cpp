#include "http/static_files.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "core/codes.h"
#include "http/headers.h"

namespace orderly::http {

namespace {

// The web UI's security headers. Only the server's own scripts and styles: no eval (the built
// bundles have none; vue-i18n 11 compiles messages without `new Function`) and no inline styles
// (Vue and Element Plus set styles through the CSSOM, which style-src does not govern; the
// browser tests fail on any violation). Keep in step with docker/nginx.conf.
constexpr const char* kUiCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'";

const char* mime_for(const std::string& path) {
    auto ends = [&](const char* ext) {
        size_t n = std::strlen(ext);
        return path.size() >= n && path.compare(path.size() - n, n, ext) == 0;
    };
    if (ends(".html")) return "text/html; charset=utf-8";
    if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".json")) return "application/json";
    if (ends(".svg")) return "image/svg+xml";
    if (ends(".png")) return "image/png";
    if (ends(".ico")) return "image/x-icon";
    if (ends(".woff2")) return "font/woff2";
    if (ends(".woff")) return "font/woff";
    if (ends(".ttf")) return "font/ttf";
    return "application/octet-stream";
}

// The file to send for a request path: the file itself, or index.html for a client-side route.
std::string resolve_file(const std::string& ui_dir, std::string rel, bool is_asset) {
    namespace fs = std::filesystem;
    std::string file = ui_dir + rel;
    std::error_code ec;
    if (rel.back() != '/' && fs::is_regular_file(file, ec)) return file;
    // SPA fallback: a path without an extension is a client-side route. Nothing under /assets/
    // is (a directory there is not a file either).
    auto slash = rel.rfind('/');
    if (is_asset || rel.find('.', slash) != std::string::npos)
        fail(Error::NotFound("no such file").with(codes::static_not_found));
    file = ui_dir + "/index.html";
    if (!fs::is_regular_file(file, ec))
        fail(Error::NotFound("the web UI is not built").with(codes::static_ui_not_built));
    return file;
}

}  // namespace

std::string pick_encoding(const std::optional<std::string>& accept) {
    if (!accept) return "";
    std::map<std::string, double> q;
    std::string_view s = *accept;
    size_t i = 0;
    while (i < s.size()) {
        size_t comma = s.find(',', i);
        if (comma == std::string_view::npos) comma = s.size();
        std::string_view item = s.substr(i, comma - i);
        i = comma + 1;
        size_t semi = item.find(';');
        std::string name = ascii_lower(std::string(item.substr(0, semi)));
        name.erase(0, name.find_first_not_of(" \t"));
        name.erase(name.find_last_not_of(" \t") + 1);
        double weight = 1.0;
        if (semi != std::string_view::npos) {
            std::string params = ascii_lower(std::string(item.substr(semi + 1)));
            auto qp = params.find("q=");
            if (qp != std::string::npos) {
                try {
                    weight = std::stod(params.substr(qp + 2));
                } catch (const std::exception&) {
                    weight = 0;
                }
            }
        }
        if (!name.empty()) q[name] = weight;
    }
    auto weight_of = [&](const std::string& enc) {
        if (auto it = q.find(enc); it != q.end()) return it->second;
        if (auto it = q.find("*"); it != q.end()) return it->second;
        return 0.0;
    };
    const double br = weight_of("br"), gz = weight_of("gzip");
    if (br > 0 && br >= gz) return "br";
    if (gz > 0) return "gzip";
    return "";
}

Response serve_static(const std::string& ui_dir, const Request& req) {
    namespace fs = std::filesystem;
    std::string rel = req.path;
    if (rel.find("..") != std::string::npos || rel.find('\0') != std::string::npos)
        fail(Error::NotFound("no such file").with(codes::static_not_found));
    if (rel.empty() || rel == "/") rel = "/index.html";
    const bool is_asset = rel.rfind("/assets/", 0) == 0 || rel == "/assets";
    const std::string file = resolve_file(ui_dir, rel, is_asset);
    // The UI build writes file.br and file.gz beside each text file (webui/vite.config.ts);
    // they are sent to clients that accept them.
    Response r;
    r.status = 200;
    r.content_type = mime_for(file);
    std::string encoding = pick_encoding(req.header("accept-encoding"));
    std::string path = file;
    std::error_code ec;
    bool has_variants = false;
    for (const char* ext : {".br", ".gz"}) {
        if (fs::is_regular_file(file + ext, ec)) has_variants = true;
    }
    if (encoding == "br" && !fs::is_regular_file(file + ".br", ec)) encoding = "gzip";
    if (encoding == "gzip" && !fs::is_regular_file(file + ".gz", ec)) encoding.clear();
    if (encoding == "br") path = file + ".br";
    if (encoding == "gzip") path = file + ".gz";
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(Error::NotFound("no such file"));
    std::ostringstream ss;
    ss << in.rdbuf();
    r.body = ss.str();
    if (!encoding.empty()) r.header("Content-Encoding", encoding);
    if (has_variants) r.header("Vary", "Accept-Encoding");
    r.header("Cache-Control", is_asset ? "public, max-age=31536000, immutable" : "no-cache");
    r.header("Content-Security-Policy", kUiCsp);
    return r;
}

}  // namespace orderly::http
