/* canary — decoy files in the protected roots. A decoy is named to come first in a sorted
 * walk and hidden (a dot file); nobody has a reason to write, rename or delete it, so any
 * process that does is credited with strong evidence at once. */
#pragma once
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

struct canary;

/* Place (or repair) a decoy named `name` in each root. Writes directly: call it only while no
 * permission marks are in place. */
int canary_new(char *const *roots, const char *name, struct canary **ret);
/* Frees c and removes its decoys (a clean stop leaves nothing behind; a file that is no longer
 * our decoy stays); a repair child is killed. Call it once no permission marks are in place. */
struct canary *canary_free(struct canary *c);
/* The decoy an event touches, or NULL: path or path2 names one, or st (when not NULL) is a
 * decoy's inode under another name (a close-write read after the decoy was renamed). */
const char *canary_match(const struct canary *c, const char *path, const char *path2, const struct stat *st);
/* The decoy at path was renamed or deleted: its inode number may be reused by any new file. */
void canary_forget_inode(struct canary *c, const char *path);
/* Re-create every decoy from a child process (its opens are answered by our own loop, like
 * anyone's), unless a repair is running already. */
void canary_repair(struct canary *c);
/* Is pid our repair child (running, or reaped but with events still queued)? Its writes are ours. */
bool canary_is_repairer(const struct canary *c, pid_t pid);
/* Reap a finished repair child and re-read the decoys' inodes (called from a timer). */
void canary_reap(struct canary *c);
unsigned canary_count(const struct canary *c);
