#pragma once
// What every child process of Orderly starts with, for the execution engine (process_runner)
// and for script-fed variable lists (run_command) alike: its own process group (pgid = pid, so
// the whole tree can be signalled at once), stdin from /dev/null, stdout and stderr on the given
// descriptors, none of the server's other descriptors (sockets, the database, other children's
// pipes), an empty signal mask and default dispositions (the server blocks its shutdown signals
// and ignores SIGPIPE, and children would otherwise inherit both). Never a shell.
#include <sys/types.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace orderly::integrations {

// An owned file descriptor, closed on destruction.
struct OwnedFd {
    int fd = -1;
    OwnedFd() = default;
    explicit OwnedFd(int f) : fd(f) {}
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
    ~OwnedFd() { close(); }
    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

struct SpawnRequest {
    std::string exe;                // the program to run: a path, or a name looked up in PATH
    bool search_path = false;       // look exe up in the server's own PATH (posix_spawnp)
    std::vector<std::string> argv;  // argv[0] included
    std::vector<std::string> env;   // the whole environment of the child
    std::string work_dir;           // empty = the server's working directory
    int out_fd = -1;                // becomes the child's stdout
    int err_fd = -1;                // becomes the child's stderr
};

// Starts the child; returns 0 and sets pid, or the errno value of the failure.
int spawn_isolated(const SpawnRequest& r, pid_t& pid);

}  // namespace orderly::integrations
