#include "core/codes.h"
#include "storage/notification_store.h"

// Chat channels: the group robots and incoming webhooks chat notifications go to.
namespace orderly::storage {

namespace {

constexpr const char* kChatCols =
    "id, name, kind, url, secret_enc, created_at, updated_at, version, language, timezone";

domain::ChatChannel read_chat_channel(Stmt& s) {
    domain::ChatChannel ch;
    ch.id = s.int64(0);
    ch.name = s.text(1);
    ch.kind = domain::parse_chat_kind(s.text(2)).value_or(domain::ChatKind::wecom);
    ch.url = s.text(3);
    if (!s.is_null(4)) ch.secret_enc = s.blob(4);
    ch.created_at = s.int64(5);
    ch.updated_at = s.int64(6);
    ch.version = s.int64(7);
    ch.language = s.text(8);
    ch.timezone = s.opt_text(9);
    return ch;
}

Error name_taken(const std::string& name) {
    return Error::Conflict("a chat channel named \"" + name + "\" already exists")
        .with(codes::chat_channel_name_taken, {{"name", name}});
}

void bind_secret(Stmt& s, int n, const std::optional<std::string>& secret_enc) {
    if (secret_enc)
        s.bind_blob(n, secret_enc->data(), secret_enc->size());
    else
        s.bind_null(n);
}

}  // namespace

std::vector<domain::ChatChannel> list_chat_channels(Connection& c, int64_t after_id, int limit) {
    auto s = c.prepare(std::string("SELECT ") + kChatCols +
                       " FROM chat_channels WHERE id > ?1 ORDER BY id LIMIT ?2");
    s.bind(1, after_id).bind(2, limit);
    std::vector<domain::ChatChannel> out;
    while (s.step()) out.push_back(read_chat_channel(s));
    return out;
}

std::optional<domain::ChatChannel> find_chat_channel(Connection& c, int64_t id) {
    auto s = c.prepare(std::string("SELECT ") + kChatCols + " FROM chat_channels WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_chat_channel(s);
}

Result<int64_t> insert_chat_channel(Connection& c, const domain::ChatChannel& ch, TimeMs now) {
    auto s = c.prepare(
        "INSERT INTO chat_channels (name, kind, url, secret_enc, created_at, updated_at, "
        "language, timezone) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7) ON CONFLICT DO NOTHING "
        "RETURNING id");
    s.bind(1, ch.name).bind(2, std::string(domain::to_string(ch.kind))).bind(3, ch.url);
    bind_secret(s, 4, ch.secret_enc);
    s.bind(5, now).bind(6, ch.language).bind(7, ch.timezone);
    if (auto id = returned_id(std::move(s))) return *id;
    return name_taken(ch.name);
}

Result<void> update_chat_channel(Connection& c, const domain::ChatChannel& ch, TimeMs now) {
    auto s = c.prepare(
        "UPDATE chat_channels SET name = ?2, kind = ?3, url = ?4, secret_enc = ?5, "
        "updated_at = ?6, language = ?7, timezone = ?8, version = version + 1 WHERE id = ?1");
    s.bind(1, ch.id).bind(2, ch.name).bind(3, std::string(domain::to_string(ch.kind)));
    s.bind(4, ch.url);
    bind_secret(s, 5, ch.secret_enc);
    s.bind(6, now).bind(7, ch.language).bind(8, ch.timezone);
    if (s.exec_checked() == ExecResult::unique_violation) return name_taken(ch.name);
    return {};
}

void delete_chat_channel(Connection& c, int64_t id) {
    auto s = c.prepare("DELETE FROM chat_channels WHERE id = ?1");
    s.bind(1, id);
    s.exec();
}

}  // namespace orderly::storage
