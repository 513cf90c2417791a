#include "storage/sqlite/small_blocks.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ORDERLY_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ORDERLY_ASAN 1
#endif

namespace orderly::storage::sqlite {

namespace {

// Each block starts with its usable size (8 bytes, which keeps the 8-byte alignment SQLite
// asks for), as SQLite's own allocator over malloc does.
constexpr size_t kHeader = sizeof(uint64_t);
constexpr int kClasses = 5;  // usable sizes 64, 128, 256, 512 and 1024 bytes
constexpr size_t kSmallest = 64;
constexpr unsigned kKeepPerClass = 24;  // at most ~47 KiB cached per thread

// The class of a request of n bytes, or -1 when it is larger than every class.
int class_of(size_t n) {
    const int c = std::max(0, static_cast<int>(std::bit_width(n - 1)) - 6);
    return c < kClasses ? c : -1;
}
size_t class_size(int c) {
    return kSmallest << c;
}
// The class a block of this usable size belongs to, or -1. A block made larger than it had to
// be (by realloc) may land in a class: it holds at least that many bytes.
int class_of_block(size_t size) {
    const int c = class_of(size);
    return c >= 0 && class_size(c) == size ? c : -1;
}

uint64_t* head_of(void* p) {
    return static_cast<uint64_t*>(p) - 1;
}

// The calling thread's free blocks, one list per class, linked through their first bytes.
// Trivially destructible: it stays readable until the thread is gone, after Drain has run.
struct Lists {
    void* head[kClasses];
    unsigned count[kClasses];
    bool drain_registered;
    bool closed;  // the thread is ending: blocks go straight back to the system
};
thread_local Lists lists;

// Gives the thread's cached blocks back when it ends.
struct Drain {
    Drain() = default;
    Drain(const Drain&) = delete;
    Drain& operator=(const Drain&) = delete;
    ~Drain() {
        for (int c = 0; c < kClasses; ++c)
            while (void* p = lists.head[c]) {
                std::memcpy(&lists.head[c], p, sizeof(void*));
                std::free(head_of(p));
            }
        lists.closed = true;
    }
};

void* raw_alloc(size_t size) {
    auto* h = static_cast<uint64_t*>(std::malloc(size + kHeader));
    if (!h) return nullptr;
    h[0] = size;
    return h + 1;
}

void* block_malloc(int n) {
    const int c = class_of(static_cast<size_t>(n));
    if (c < 0) return raw_alloc(static_cast<size_t>(n));
    if (void* p = lists.head[c]) {
        std::memcpy(&lists.head[c], p, sizeof(void*));
        --lists.count[c];
        return p;
    }
    return raw_alloc(class_size(c));
}

void block_free(void* p) {
    if (!p) return;
    const int c = class_of_block(head_of(p)[0]);
    if (c < 0 || lists.closed || lists.count[c] >= kKeepPerClass) {
        std::free(head_of(p));
        return;
    }
    if (!lists.drain_registered) {
        static thread_local Drain drain;
        (void)&drain;  // constructs it, so that it runs when the thread ends
        lists.drain_registered = true;
    }
    std::memcpy(p, &lists.head[c], sizeof(void*));
    lists.head[c] = p;
    ++lists.count[c];
}

int block_size(void* p) {
    return p ? static_cast<int>(head_of(p)[0]) : 0;
}

void* block_realloc(void* p, int n) {
    const size_t old = head_of(p)[0];
    const auto want = static_cast<size_t>(n);
    if (want <= old && class_of_block(old) >= 0) return p;  // still fits its block
    if (class_of(want) < 0 && class_of_block(old) < 0) {
        // Large to large: the system may grow it in place.
        auto* h = static_cast<uint64_t*>(std::realloc(head_of(p), want + kHeader));
        if (!h) return nullptr;
        h[0] = want;
        return h + 1;
    }
    void* q = block_malloc(n);
    if (!q) return nullptr;
    std::memcpy(q, p, std::min(old, want));
    block_free(p);
    return q;
}

int block_roundup(int n) {
    const int c = class_of(static_cast<size_t>(n));
    return c >= 0 ? static_cast<int>(class_size(c)) : (n + 7) & ~7;
}

int block_init(void*) {
    return SQLITE_OK;
}
void block_shutdown(void*) {}

}  // namespace

size_t small_blocks_cached_here() {
    size_t n = 0;
    for (int c = 0; c < kClasses; ++c) n += lists.count[c];
    return n;
}

const sqlite3_mem_methods& small_block_methods() {
    static const sqlite3_mem_methods methods = {block_malloc,   block_free,    block_realloc,
                                                block_size,     block_roundup, block_init,
                                                block_shutdown, nullptr};
    return methods;
}

bool install_small_block_cache() {
#ifdef ORDERLY_ASAN
    return false;
#else
    return sqlite3_config(SQLITE_CONFIG_MALLOC, &small_block_methods()) == SQLITE_OK;
#endif
}

}  // namespace orderly::storage::sqlite
