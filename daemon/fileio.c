#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <bsd/sys/queue.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/fileio.h"
#include "daemon/log.h"
#include "proto/mem.h"

struct fileio_task {
	fileio_fn *work;
	fileio_fn *done;
	void *arg;
	STAILQ_ENTRY(fileio_task) entry;
};

STAILQ_HEAD(fileio_queue, fileio_task);

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct fileio_queue todo;	/* waiting for a worker */
	struct fileio_queue running;	/* in a worker's hands */
	struct fileio_queue finished;	/* waiting for done() on the loop */
	bool stopping;
	int nthreads;
	pthread_t *threads;
	int eventfd;
	struct event *event;
	unsigned pending;		/* submitted, done() not yet run */
} fileio = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.eventfd = -1,
};

static void *fileio_worker(void *unused)
{
	uint64_t one = 1;

	pthread_mutex_lock(&fileio.lock);
	for (;;) {
		struct fileio_task *task;

		while (STAILQ_EMPTY(&fileio.todo) && !fileio.stopping)
			pthread_cond_wait(&fileio.wake, &fileio.lock);
		if (STAILQ_EMPTY(&fileio.todo))
			break;
		task = STAILQ_FIRST(&fileio.todo);
		STAILQ_REMOVE_HEAD(&fileio.todo, entry);
		/* on a list while it runs, not only on this thread's stack: a
		 * child forked meanwhile (libxl's helpers, the simulator's
		 * streams) has no such thread, and valgrind in that child
		 * would call the task lost */
		STAILQ_INSERT_TAIL(&fileio.running, task, entry);
		pthread_mutex_unlock(&fileio.lock);

		task->work(task->arg);

		pthread_mutex_lock(&fileio.lock);
		STAILQ_REMOVE(&fileio.running, task, fileio_task, entry);
		STAILQ_INSERT_TAIL(&fileio.finished, task, entry);
		if (write(fileio.eventfd, &one, sizeof one) < 0 && errno != EAGAIN)
			abort();
	}
	pthread_mutex_unlock(&fileio.lock);
	return NULL;
}

static void fileio_run_finished(void)
{
	struct fileio_queue finished = STAILQ_HEAD_INITIALIZER(finished);
	struct fileio_task *task;

	pthread_mutex_lock(&fileio.lock);
	STAILQ_CONCAT(&finished, &fileio.finished);
	pthread_mutex_unlock(&fileio.lock);
	while ((task = STAILQ_FIRST(&finished)) != NULL) {
		STAILQ_REMOVE_HEAD(&finished, entry);
		fileio.pending--;
		if (task->done != NULL)
			task->done(task->arg);
		free(task);
	}
}

static void fileio_wakeup(evutil_socket_t fd, short what, void *arg)
{
	uint64_t count;

	if (read(fd, &count, sizeof count) < 0 && errno != EAGAIN)
		log_error("fileio: eventfd read: %s", strerror(errno));
	fileio_run_finished();
}

int fileio_init(int threads)
{
	STAILQ_INIT(&fileio.todo);
	STAILQ_INIT(&fileio.running);
	STAILQ_INIT(&fileio.finished);
	fileio.eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fileio.eventfd < 0)
		return -1;
	fileio.event = event_new(daemon_base, fileio.eventfd,
	    EV_READ | EV_PERSIST, fileio_wakeup, NULL);
	if (fileio.event == NULL || event_add(fileio.event, NULL) < 0)
		return -1;
	fileio.threads = calloc((size_t)threads, sizeof *fileio.threads);
	if (fileio.threads == NULL)
		return -1;
	for (int i = 0; i < threads; i++) {
		sigset_t all, old;
		int rc;

		/* signals belong to the loop thread */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		rc = pthread_create(&fileio.threads[i], NULL, fileio_worker,
		    NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc != 0)
			return -1;
		fileio.nthreads++;
	}
	return 0;
}

void fileio_submit(fileio_fn *work, fileio_fn *done, void *arg)
{
	struct fileio_task *task = xcalloc(1, sizeof *task);
	task->work = work;
	task->done = done;
	task->arg = arg;
	fileio.pending++;
	pthread_mutex_lock(&fileio.lock);
	STAILQ_INSERT_TAIL(&fileio.todo, task, entry);
	pthread_cond_signal(&fileio.wake);
	pthread_mutex_unlock(&fileio.lock);
}

void fileio_drain(void)
{
	while (fileio.pending > 0) {
		struct pollfd pfd = { fileio.eventfd, POLLIN, 0 };
		uint64_t count;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
		if (read(fileio.eventfd, &count, sizeof count) < 0 &&
		    errno != EAGAIN)
			break;
		fileio_run_finished();
	}
}

void fileio_shutdown(void)
{
	fileio_drain();
	pthread_mutex_lock(&fileio.lock);
	fileio.stopping = true;
	pthread_cond_broadcast(&fileio.wake);
	pthread_mutex_unlock(&fileio.lock);
	for (int i = 0; i < fileio.nthreads; i++)
		pthread_join(fileio.threads[i], NULL);
	free(fileio.threads);
	fileio.threads = NULL;
	fileio.nthreads = 0;
	if (fileio.event != NULL)
		event_free(fileio.event);
	fileio.event = NULL;
	if (fileio.eventfd >= 0)
		close(fileio.eventfd);
	fileio.eventfd = -1;
}

unsigned fileio_pending(void)
{
	return fileio.pending;
}
