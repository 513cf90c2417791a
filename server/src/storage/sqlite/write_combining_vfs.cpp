#include "storage/sqlite/write_combining_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace orderly::storage::sqlite {
namespace {

// The unix VFS writes at most 128 KiB - 1 bytes per call (it masks a larger count and then
// reports a full disk), so the buffer is that large: ~31 frames of 4 KiB pages per write.
constexpr int kBufferBytes = 0x1ffff;

sqlite3_vfs* g_real = nullptr;
std::atomic<uint64_t> g_requested{0};
std::atomic<uint64_t> g_issued{0};

// SQLite allocates vfs.szOsFile bytes per open file: this struct, then the real VFS's file.
struct File {
    sqlite3_file base;
    sqlite3_file* real;
    bool wal;
    char* buf;
    int len;
    sqlite3_int64 start;  // file offset of buf[0]
};

constexpr size_t kRealOffset = (sizeof(File) + 15) & ~static_cast<size_t>(15);

File* of(sqlite3_file* f) {
    return reinterpret_cast<File*>(f);
}
sqlite3_file* real(sqlite3_file* f) {
    return of(f)->real;
}

int flush(File* f) {
    if (f->len == 0) return SQLITE_OK;
    const int n = f->len;
    f->len = 0;
    g_issued.fetch_add(1, std::memory_order_relaxed);
    return f->real->pMethods->xWrite(f->real, f->buf, n, f->start);
}

int x_close(sqlite3_file* file) {
    File* f = of(file);
    int rc = flush(f);
    std::free(f->buf);
    f->buf = nullptr;
    int rc2 = f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : rc2;
}

int x_read(sqlite3_file* file, void* out, int amt, sqlite3_int64 off) {
    File* f = of(file);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xRead(f->real, out, amt, off);
}

int x_write(sqlite3_file* file, const void* data, int amt, sqlite3_int64 off) {
    File* f = of(file);
    if (!f->wal) return f->real->pMethods->xWrite(f->real, data, amt, off);
    g_requested.fetch_add(1, std::memory_order_relaxed);
    if (f->len > 0 && off == f->start + f->len && f->len + amt <= kBufferBytes) {
        std::memcpy(f->buf + f->len, data, static_cast<size_t>(amt));
        f->len += amt;
        return SQLITE_OK;
    }
    // Not a continuation (a new transaction after a WAL restart, a frame rewritten in place):
    // what is buffered goes first, so writes reach the file in the order SQLite made them.
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    if (!f->buf) f->buf = static_cast<char*>(std::malloc(kBufferBytes));
    if (!f->buf || amt > kBufferBytes) {
        g_issued.fetch_add(1, std::memory_order_relaxed);
        return f->real->pMethods->xWrite(f->real, data, amt, off);
    }
    std::memcpy(f->buf, data, static_cast<size_t>(amt));
    f->len = amt;
    f->start = off;
    return SQLITE_OK;
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
    File* f = of(file);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xTruncate(f->real, size);
}

int x_sync(sqlite3_file* file, int flags) {
    File* f = of(file);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xSync(f->real, flags);
}

int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
    File* f = of(file);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileSize(f->real, size);
}

int x_lock(sqlite3_file* f, int level) {
    return real(f)->pMethods->xLock(real(f), level);
}
int x_unlock(sqlite3_file* f, int level) {
    return real(f)->pMethods->xUnlock(real(f), level);
}
int x_check_reserved(sqlite3_file* f, int* out) {
    return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
    return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int x_sector_size(sqlite3_file* f) {
    return real(f)->pMethods->xSectorSize(real(f));
}
int x_device_characteristics(sqlite3_file* f) {
    return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
    return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
    real(f)->pMethods->xShmBarrier(real(f));
}
int x_shm_unmap(sqlite3_file* f, int del) {
    return real(f)->pMethods->xShmUnmap(real(f), del);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** out) {
    return real(f)->pMethods->xFetch(real(f), off, amt, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
    return real(f)->pMethods->xUnfetch(real(f), off, p);
}

const sqlite3_io_methods kMethods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

int v_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    File* f = of(file);
    f->base.pMethods = nullptr;
    f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
    f->real->pMethods = nullptr;
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    f->buf = nullptr;
    f->len = 0;
    f->start = 0;
    int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
    // SQLite calls xClose exactly when pMethods is set, even after a failed open.
    if (f->real->pMethods) {
        if (f->real->pMethods->iVersion < 3) {
            // Every method above forwards to a version-3 file; the platform VFSes are.
            f->real->pMethods->xClose(f->real);
            return SQLITE_CANTOPEN;
        }
        f->base.pMethods = &kMethods;
    }
    return rc;
}

sqlite3_vfs g_vfs;

}  // namespace

const char* write_combining_vfs() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_real = sqlite3_vfs_find(nullptr);
        // Everything but opening a file is the platform VFS's own method: they read at most
        // pAppData and mxPathname from the VFS they are given, which the copy keeps.
        g_vfs = *g_real;
        g_vfs.pNext = nullptr;
        g_vfs.zName = "orderly-write-combining";
        g_vfs.szOsFile = static_cast<int>(kRealOffset) + g_real->szOsFile;
        g_vfs.xOpen = v_open;
        sqlite3_vfs_register(&g_vfs, 0);
    });
    return g_vfs.zName;
}

WalWriteStats wal_write_stats() {
    return {g_requested.load(std::memory_order_relaxed), g_issued.load(std::memory_order_relaxed)};
}

}  // namespace orderly::storage::sqlite
