#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "daemon/helper-child.h"

int helper_child_init(int argc, char **argv)
{
	char *end = NULL;
	long parent = 0;

	if (argc >= 3 && strcmp(argv[1], "--parent") == 0)
		parent = strtol(argv[2], &end, 10);
	if (parent <= 1 || end == NULL || *end != '\0')
		return -1;
	/* From here on the kernel kills us when the daemon dies... */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(HELPER_PARENT_GONE);
	/* ...and if it died before, our parent is another process already
	 * (init or a subreaper): no signal will come, so go now, before
	 * touching anything. */
	if (getppid() != (pid_t)parent)
		_exit(HELPER_PARENT_GONE);
	return 2;
}
