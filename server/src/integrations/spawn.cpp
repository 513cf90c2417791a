#include "integrations/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

namespace orderly::integrations {

int spawn_isolated(const SpawnRequest& r, pid_t& pid) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, r.out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, r.err_fd, 2);
    if (!r.work_dir.empty()) posix_spawn_file_actions_addchdir_np(&fa, r.work_dir.c_str());
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);

    std::vector<char*> argv, envp;
    for (const auto& a : r.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : r.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    const int rc = r.search_path
                       ? posix_spawnp(&pid, r.exe.c_str(), &fa, &attr, argv.data(), envp.data())
                       : posix_spawn(&pid, r.exe.c_str(), &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc;
}

}  // namespace orderly::integrations
