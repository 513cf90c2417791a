#include "storage/action_link_store.h"

namespace orderly::storage {

void insert_action_link(Connection& c, const std::string& token_hash, int64_t ticket_id,
                        int64_t node_id, int64_t user_id, TimeMs created_at, TimeMs expires_at,
                        bool sign_in) {
    c.prepare(
         "INSERT INTO action_links (token_hash, ticket_id, node_id, user_id, created_at, "
         "expires_at, sign_in) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, token_hash)
        .bind(2, ticket_id)
        .bind(3, node_id)
        .bind(4, user_id)
        .bind(5, created_at)
        .bind(6, expires_at)
        .bind(7, sign_in)
        .exec();
}

std::optional<FoundLink> find_action_link(Connection& c, const std::string& token_hash) {
    auto s = c.prepare(
        "SELECT l.id, l.ticket_id, l.node_id, l.user_id, l.created_at, l.expires_at, l.used_at, "
        "COALESCE(l.used_action, ''), "
        "CASE WHEN n.state = 'active' AND a.state = 'pending' THEN 1 ELSE 0 END, l.sign_in "
        "FROM action_links l JOIN ticket_nodes n ON n.id = l.node_id "
        "LEFT JOIN ticket_assignees a ON a.node_id = l.node_id AND a.user_id = l.user_id "
        "WHERE l.token_hash = ?1");
    s.bind(1, token_hash);
    if (!s.step()) return std::nullopt;
    FoundLink f;
    f.link.id = s.int64(0);
    f.link.ticket_id = s.int64(1);
    f.link.node_id = s.int64(2);
    f.link.user_id = s.int64(3);
    f.link.created_at = s.int64(4);
    f.link.expires_at = s.int64(5);
    f.link.used_at = s.opt_int64(6);
    f.link.used_action = s.text(7);
    f.waiting = s.int64(8) == 1;
    f.link.sign_in = s.int64(9) == 1;
    return f;
}

bool use_action_link(Connection& c, int64_t link_id, const std::string& action, TimeMs now) {
    c.prepare(
         "UPDATE action_links SET used_at = ?2, used_action = ?3 WHERE id = ?1 AND used_at IS "
         "NULL")
        .bind(1, link_id)
        .bind(2, now)
        .bind(3, action)
        .exec();
    return c.changes() == 1;
}

}  // namespace orderly::storage
