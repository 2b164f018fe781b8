#ifndef CSPAWN_H
#define CSPAWN_H
#include <spawn.h>

/// Adds to `actions` the closing of every descriptor from `lowest` up (glibc's
/// posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module does not declare: it needs
/// _GNU_SOURCE). 0, or an errno value; ENOSYS where the C library has no such action.
int cspawn_add_close_from(posix_spawn_file_actions_t *actions, int lowest);

#endif
