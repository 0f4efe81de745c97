/* The libxl <-> libevent glue: libxl's osevent hooks registered straight on
 * the loop, SIGCHLD in libxl_sigchld_owner_mainloop mode, and the daemon's
 * own child processes (reaped by pid, never with waitpid(-1), which would
 * steal libxl's children). */
#ifndef DAEMON_LOOP_H
#define DAEMON_LOOP_H

#include <stdbool.h>
#include <sys/types.h>

/* Must run right after libxl_ctx_alloc, before any other libxl call: libxl
 * asserts that no fd or timer is registered yet when the hooks arrive. */
int loop_libxl_attach(void);
/* Before libxl_ctx_free: hands every timer libxl still holds back to it, so
 * that none can fire into a freed ctx and none of libxl's timer slots leak. */
void loop_libxl_flush_timers(void);
/* After libxl_ctx_free. */
void loop_libxl_detach(void);

unsigned loop_libxl_fd_count(void);
unsigned loop_libxl_timer_count(void);

typedef void loop_child_fn(pid_t pid, int status, void *arg);
/* Calls fn from the loop when pid (a child the daemon forked) exits. */
void loop_child_watch(pid_t pid, loop_child_fn *fn, void *arg);
/* Stops watching pid without waiting for it (fn is never called). */
void loop_child_forget(pid_t pid);
unsigned loop_child_count(void);

#endif
