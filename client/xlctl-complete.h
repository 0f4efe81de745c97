/* xlctl: command-line completion from the command tables, for the shell's
 * completion function (client/completion/xlctl). */
#ifndef XLCTL_COMPLETE_H
#define XLCTL_COMPLETE_H

#include "client/xlctl-cmd.h"

/* `xlctl __complete WORD...`: WORD... are the words after "xlctl" up to
 * the one being completed, which comes last (possibly empty).  Prints what
 * fits it: a first line "words" and the candidates, one a line; or a single
 * line "files", "hosts" or "none" when the shell should complete file
 * names, host names, or nothing.  Domain names and job ids come from the
 * daemon (the read-only socket unless -c names one); when it does not
 * answer within a second (XLCTL_COMPLETE_TIMEOUT_MS) there are none.
 * Never prints on standard error; returns 0. */
int xlctl_complete(const struct xlctl_family *const *families,
    const struct xlctl_flag *global_flags, int argc, char **argv);

#endif
