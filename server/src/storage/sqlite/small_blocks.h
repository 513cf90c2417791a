#pragma once
// SQLite's memory allocator for Orderly: the system's malloc with a small cache per thread of
// SQLite's own small blocks.
//
// Debian builds SQLite without its lookaside allocator (SQLITE_OMIT_LOOKASIDE), so every
// statement run mallocs and frees its cursors and the copies of the text columns it reads:
// some 56 blocks per ticket read, a third of SQLite's time. A freed block of up to 1 KiB goes
// to a list of its size class in the freeing thread, up to a few dozen per class, for the next
// allocation of that class there; anything else goes straight to free(). So the cache never
// holds more than about 60 KiB per thread, and memory SQLite frees in bulk (a large sort, a
// log page) goes back to the system as before.
#include <sqlite3.h>

#include <cstddef>

namespace orderly::storage::sqlite {

// The allocator's functions, for install_small_block_cache() and the tests.
const sqlite3_mem_methods& small_block_methods();
// How many freed blocks the calling thread holds for reuse.
size_t small_blocks_cached_here();

// Installs the allocator. Only takes effect before SQLite initialises (the first connection of
// the process calls it); returns whether it did. Sanitizer builds keep SQLite's default, so
// that AddressSanitizer sees each of SQLite's blocks.
bool install_small_block_cache();

}  // namespace orderly::storage::sqlite
