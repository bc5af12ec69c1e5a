/* canary — decoy files in the protected roots. A decoy is named to come first in a sorted
 * walk and hidden (a dot file); nobody has a reason to write, rename or delete it, so any
 * process that does is credited with strong evidence at once. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

struct canary;

/* Place (or repair) a decoy named `name` in each root. Writes directly: call it only while no
 * permission marks are in place. */
int canary_new(char *const *roots, const char *name, struct canary **ret);
/* Frees c and removes its decoys (a clean stop leaves nothing behind). */
struct canary *canary_free(struct canary *c);
/* Is path one of our decoys? */
bool canary_is(const struct canary *c, const char *path);
/* Is this inode one of our decoys (a close-write may name the decoy by its new name already)? */
bool canary_is_inode(const struct canary *c, dev_t dev, ino_t ino);
/* The decoy at path was renamed or deleted: its inode number may be reused by any new file. */
void canary_forget_inode(struct canary *c, const char *path);
/* Re-read the decoys' inodes (after a repair replaced them). */
void canary_refresh(struct canary *c);
/* Re-create the decoys from a child process (its opens are answered by our own loop).
 * Returns the child's pid, whose events must be ignored, or -errno. */
pid_t canary_repair_async(const struct canary *c);
unsigned canary_count(const struct canary *c);
