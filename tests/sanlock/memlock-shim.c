/* TEST-ONLY container workaround, never built into anything installed.
 *
 * sanlock's daemon raises RLIMIT_MEMLOCK to unlimited at start and exits
 * when that fails ("cannot set the limits for memlock").  The containers
 * these tests run in lack CAP_SYS_RESOURCE, so the hard limit cannot be
 * raised and sanlock would never start.  Preloaded into the test's sanlock
 * daemons only, this setrlimit makes the real call and turns EPERM on
 * RLIMIT_MEMLOCK into success; every other call and error is untouched.
 * On a real host (root with CAP_SYS_RESOURCE) it changes nothing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <sys/resource.h>

typedef int setrlimit_fn(__rlimit_resource_t, const struct rlimit *);

int
setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
	static setrlimit_fn *real;
	int rc;

	if (real == NULL)
		real = (setrlimit_fn *)dlsym(RTLD_NEXT, "setrlimit");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	rc = real(resource, rlim);
	if (rc < 0 && errno == EPERM && (resource == RLIMIT_MEMLOCK ||
	    resource == RLIMIT_RTPRIO))
		return 0;
	return rc;
}
