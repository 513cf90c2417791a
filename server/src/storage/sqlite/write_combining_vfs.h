#pragma once
#include <cstdint>

// An SQLite VFS that wraps the platform's default VFS and coalesces the writer's WAL appends.
//
// SQLite appends every WAL frame with two write() calls (the 24-byte frame header, then the
// page), so a commit that carries ten ticket changes (~60 pages) costs ~120 system calls before
// its fsync. Through this VFS, sequential writes to a WAL file are collected in a buffer and
// written with one pwrite() before anything that needs them on disk: xSync (every commit with
// synchronous=FULL), xRead, xTruncate, xFileSize, xClose, and any write elsewhere in the file.
// Durability is unchanged: a commit returns only after its xSync, which first writes the
// buffer; a failed buffered write fails that xSync, so the commit fails and nothing is
// reported as durable that is not. Other files (the database, its -shm) pass straight through.
namespace orderly::storage::sqlite {

// Registers the VFS (once per process, not as the default) and returns its name, to be passed
// to sqlite3_open_v2.
const char* write_combining_vfs();

// Since the process started, over all WAL files: the writes SQLite asked for, and the writes
// that reached the file.
struct WalWriteStats {
    uint64_t requested = 0;
    uint64_t issued = 0;
};
WalWriteStats wal_write_stats();

}  // namespace orderly::storage::sqlite
