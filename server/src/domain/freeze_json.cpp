#include "domain/freeze_json.h"

namespace orderly::domain {

void write_freeze_json(json::Writer& w, const FreezeWindow& f) {
    w.start_object()
        .kv("id", f.id)
        .kv("name", f.name)
        .kv("reason", f.reason)
        .kv("kind", to_string(f.kind));
    w.key("environments").strings(f.environments);
    w.key("start").opt_time(f.start);
    w.key("end").opt_time(f.end);
    if (f.recurrence) {
        w.kv("rrule", f.recurrence->rrule)
            .kv("duration_s", f.recurrence->duration_s)
            .kv("timezone", f.recurrence->timezone);
    } else {
        w.key("rrule").null().key("duration_s").null().key("timezone").null();
    }
    w.kv("version", f.version);
    w.key("created_at").time(f.created_at);
    w.key("updated_at").time(f.updated_at);
    w.end_object();
}

std::string freeze_json(const FreezeWindow& f) {
    json::Writer w;
    write_freeze_json(w, f);
    return w.take();
}

}  // namespace orderly::domain
