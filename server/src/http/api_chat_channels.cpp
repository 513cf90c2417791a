// Chat channels (catalog.manage): WeCom, DingTalk and Feishu group robots and Slack incoming
// webhooks, and a test message to one. The rules are app::ChatChannels'.
#include "domain/notification_json.h"
#include "http/app.h"
#include "http/render.h"

namespace orderly::http {

namespace {

std::string channel_body(const domain::ChatChannel& ch) {
    return domain::chat_channel_json(ch);
}

app::ChatChannelInput input_of(const Request& req) {
    app::ChatChannelInput in;
    in.name = *json::get_string(req.json, "name");
    in.kind = *json::get_string(req.json, "kind");
    in.url = *json::get_string(req.json, "url");
    in.secret = json::get_string(req.json, "secret");
    in.language = json::get_string(req.json, "language");
    in.timezone = nullable_string_member(req, "timezone");
    return in;
}

Response list_chat_channels(App& app, Request& req) {
    const int64_t after = decode_cursor(req.query_str("cursor"));
    const int limit = req.limit();
    auto rows = app.chat_channels.list(after, limit + 1);
    return Response::ok(page_json(rows, limit, domain::write_chat_channel_json,
                                  [](const domain::ChatChannel& c) { return c.id; }));
}

Response create_chat_channel(App& app, Request& req) {
    return Response::created(channel_body(app.chat_channels.create(caller(req), input_of(req))));
}

Response get_chat_channel(App& app, Request& req) {
    auto ch = app.chat_channels.get(req.id_param());
    return Response::ok(channel_body(ch)).header("ETag", etag(ch.version));
}

Response update_chat_channel(App& app, Request& req) {
    const int64_t id = req.id_param();
    auto ch = app.chat_channels.update(caller(req), id, input_of(req), req.if_match());
    return Response::ok(channel_body(ch)).header("ETag", etag(ch.version));
}

Response delete_chat_channel(App& app, Request& req) {
    app.chat_channels.remove(caller(req), req.id_param(), req.if_match());
    return Response::no_content();
}

// The message goes through the outbox: the answer is its delivery, queued; GET
// /notifications/{id} follows it.
Response test_chat_channel(App& app, Request& req) {
    auto n = app.chat_channels.send_test(caller(req), req.id_param());
    return Response::json(202, domain::notification_json(n));
}

}  // namespace

void register_chat_channel_routes(App& app, Server& s) {
    using Handler = Response (*)(App&, Request&);
    auto on = [&](const char* method, const char* path, Handler h) {
        s.route(method, path, [&app, h](Request& req) { return h(app, req); });
    };
    on("GET", "/api/v1/chat-channels", list_chat_channels);
    on("POST", "/api/v1/chat-channels", create_chat_channel);
    on("GET", "/api/v1/chat-channels/{id}", get_chat_channel);
    on("PUT", "/api/v1/chat-channels/{id}", update_chat_channel);
    on("DELETE", "/api/v1/chat-channels/{id}", delete_chat_channel);
    on("POST", "/api/v1/chat-channels/{id}/test", test_chat_channel);
}

}  // namespace orderly::http
