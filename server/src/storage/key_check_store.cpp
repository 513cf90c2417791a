#include "storage/key_check_store.h"

namespace orderly::storage {

std::string ensure_key_check(Connection& c, const std::string& value, int64_t now_ms) {
    c.prepare(
         "INSERT INTO key_check (id, value, created_at) VALUES (1, ?1, ?2) "
         "ON CONFLICT (id) DO NOTHING")
        .bind(1, value)
        .bind(2, now_ms)
        .exec();
    auto st = c.prepare("SELECT value FROM key_check WHERE id = 1");
    st.step();
    return st.text(0);
}

}  // namespace orderly::storage
