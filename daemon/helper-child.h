/* The first thing every helper program does (xenlightd-dump-helper,
 * xenlightd-build-helper): make sure it dies with the daemon that started
 * it.  PR_SET_PDEATHSIG alone is not enough: a daemon killed between the
 * spawn and the prctl sends no signal, and the helper would live on,
 * unwatched, doing its work behind the back of the next daemon (which has
 * already cleaned up after the old one).  So the daemon passes its pid,
 * and after the prctl the helper checks that its parent is still that
 * daemon: if it is not, the daemon is gone and the helper exits at once. */
#ifndef DAEMON_HELPER_CHILD_H
#define DAEMON_HELPER_CHILD_H

#define HELPER_PARENT_GONE 125	/* the exit status then */

/* argv[1] "--parent", argv[2] the daemon's pid (helper_spawn puts them
 * there).  Returns how many arguments it used (2), or -1 on bad usage;
 * exits with HELPER_PARENT_GONE when the daemon is gone. */
int helper_child_init(int argc, char **argv);

#endif
