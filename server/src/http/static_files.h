#pragma once
// The built web UI, served at / for GET and HEAD requests that match no API route.
#include <optional>
#include <string>

#include "http/request.h"

namespace orderly::http {

// The file under `ui_dir` that `req.path` names, or index.html for a client-side route (a path
// without an extension outside /assets/). Sends the precompressed copy (file.br, file.gz, written
// by the UI build) that the client's Accept-Encoding prefers. Hashed /assets/ files are cached
// for a year, index.html revalidated; every file carries the UI's Content-Security-Policy.
// Throws a 404 problem for a missing file.
Response serve_static(const std::string& ui_dir, const Request& req);

// Which of the encodings Orderly has precompressed files for the client accepts: "br", "gzip"
// or "" (RFC 9110 §12.5.3; q=0 refuses, "*" stands for any encoding not named).
std::string pick_encoding(const std::optional<std::string>& accept_encoding);

}  // namespace orderly::http
