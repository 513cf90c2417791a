// libFuzzer target: request bodies against the request schemas embedded from the OpenAPI spec,
// exactly as the server checks them (json::parse_untrusted, then SchemaValidator::validate).
// The input is "<operationId>\n<body>"; an unknown first line still picks some route, so that
// mutations of it keep exercising every schema.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "fuzz_check.h"
#include "http/request.h"
#include "http/spec.h"
#include "http/validator.h"

using namespace orderly;

namespace {

struct Route {
    const spec::RouteSpec* spec;
    std::unique_ptr<http::SchemaValidator> validator;
    json::Document schema;
};

std::vector<Route>& routes() {
    static std::vector<Route> all = [] {
        std::vector<Route> out;
        for (const auto& r : spec::routes()) {
            if (r.body_schema.empty()) continue;
            Route route{&r, std::make_unique<http::SchemaValidator>(r.body_schema), {}};
            route.schema.Parse(r.body_schema.data(), r.body_schema.size());
            out.push_back(std::move(route));
        }
        FUZZ_CHECK(!out.empty());
        return out;
    }();
    return all;
}

bool has_type(const json::Value& schema, const json::Value& v) {
    auto t = schema.FindMember("type");
    if (t == schema.MemberEnd()) return true;
    auto one = [&](std::string_view n) {
        if (n == "object") return v.IsObject();
        if (n == "array") return v.IsArray();
        if (n == "string") return v.IsString();
        if (n == "integer") return v.IsInt64() || v.IsUint64();
        if (n == "number") return v.IsNumber();
        if (n == "boolean") return v.IsBool();
        if (n == "null") return v.IsNull();
        return false;
    };
    if (t->value.IsString()) return one(t->value.GetString());
    for (const auto& n : t->value.GetArray())
        if (one(n.GetString())) return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    const size_t nl = in.find('\n');
    if (nl == std::string_view::npos) return 0;
    const std::string_view op = in.substr(0, nl);
    auto& all = routes();
    const Route* route = nullptr;
    size_t sum = 0;
    for (const auto& r : all)
        if (r.spec->operation_id == op) route = &r;
    for (char c : op) sum += static_cast<unsigned char>(c);
    if (!route) route = &all[sum % all.size()];
    json::Document body;
    if (!json::parse_untrusted(in.substr(nl + 1), body).ok()) return 0;

    const auto errors = route->validator->validate(body);
    // Deterministic, and every problem names a field that the schema or the body has.
    FUZZ_CHECK(route->validator->validate(body).size() == errors.size());
    const json::Value& schema = route->schema;
    const auto props = schema.FindMember("properties");
    for (const auto& e : errors) {
        FUZZ_CHECK(!e.field.empty() && !e.message.empty());
        // The first segment is "body", a property of the schema, or a member of the body (whose
        // name may hold '.' or '[' itself, so any prefix ending at one of them counts).
        bool known = e.field.rfind("body", 0) == 0;
        for (size_t end = 0; !known && end != std::string::npos;) {
            end = e.field.find_first_of(".[", end + 1);
            std::string top = e.field.substr(0, end);
            if (top == "\"\"") top.clear();  // the empty member name
            known = (body.IsObject() && body.HasMember(top)) ||
                    (props != schema.MemberEnd() && props->value.HasMember(top));
        }
        FUZZ_CHECK(known);
    }
    // The problem response that carries them is valid JSON.
    if (!errors.empty()) {
        auto res = http::problem(Error::BadRequest(errors.front().message, errors), "fuzz");
        json::Document d;
        FUZZ_CHECK(json::parse_untrusted(res.body, d).ok());
        FUZZ_CHECK(res.status == 400);
    }
    // An accepted body has the shape the handler relies on: the schema's type, every required
    // member, no unknown member, and each member of its declared type.
    if (errors.empty()) {
        FUZZ_CHECK(has_type(schema, body));
        if (!body.IsObject()) return 0;
        if (auto req = schema.FindMember("required"); req != schema.MemberEnd())
            for (const auto& n : req->value.GetArray()) FUZZ_CHECK(body.HasMember(n));
        auto ap = schema.FindMember("additionalProperties");
        const bool closed = ap != schema.MemberEnd() && ap->value.IsBool() && !ap->value.GetBool();
        const json::Value& obj = body;
        for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
            const json::Value* sub = nullptr;
            if (props != schema.MemberEnd()) {
                auto p = props->value.FindMember(m->name);
                if (p != props->value.MemberEnd()) sub = &p->value;
            }
            FUZZ_CHECK(sub || !closed);
            if (sub) FUZZ_CHECK(has_type(*sub, m->value));
        }
    }
    return 0;
}
