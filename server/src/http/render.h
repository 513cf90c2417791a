#pragma once
// JSON renderings of the account objects, shared by every handler that shows them.
#include <algorithm>
#include <optional>
#include <vector>
#include "domain/accounts.h"
#include "domain/accounts_json.h"

#include "core/json.h"
#include "http/request.h"

namespace orderly::http {

void write_user(json::Writer& w, const domain::User& u);
// The members of write_user's object, for objects that add their own.
void write_user_fields(json::Writer& w, const domain::User& u);
void write_role(json::Writer& w, const domain::Role& r);
using domain::write_business;  // domain/accounts_json.h
void write_api_token(json::Writer& w, const domain::ApiToken& t, const std::string* secret);
void write_audit_event(json::Writer& w, const domain::AuditEvent& e);

// A stored problem (a notification's last error, a variable's script failure) as three members:
// `<name>` (its English text, or null), `<name>_code` (its ProblemCode, null without a text)
// and `<name>_params` (the code's params, {} without a text).
void write_stored_problem(json::Writer& w, const std::string& name,
                          const std::optional<std::string>& text, const std::string& code,
                          const std::string& params_json);

// The one paging helper of every list. Renders {"items":[...],"next_cursor":...} from rows
// fetched with limit + 1: when there is one more row than the page holds, the cursor is the
// key (id_of: an id, or a text key) of the page's last row. head(w), when given, writes members
// before "items". Rows filtered after the query come from app::fetch_kept (app/paging.h).
struct NoHead {
    void operator()(json::Writer&) const {}
};
template <typename T, typename WriteItem, typename IdOf, typename Head = NoHead>
std::string page_json(const std::vector<T>& rows, int limit, WriteItem write_item, IdOf id_of,
                      Head head = {}, size_t reserve = 4096) {
    json::Writer w(reserve);
    w.start_object();
    head(w);
    w.key("items").start_array();
    const size_t n = std::min(rows.size(), static_cast<size_t>(limit));
    for (size_t i = 0; i < n; ++i) write_item(w, rows[i]);
    w.end_array().key("next_cursor");
    if (rows.size() > n)
        w.str(encode_cursor(id_of(rows[n - 1])));
    else
        w.null();
    w.end_object();
    return w.take();
}

}  // namespace orderly::http
