/* Blocking file work (fsync of a save image, atomic rewrites of definition
 * files) runs on a few worker threads so that the loop never waits for the
 * disk.  This is the daemon's only use of threads: work() must touch
 * neither libxl nor any loop state; done() runs on the loop afterwards. */
#ifndef DAEMON_FILEIO_H
#define DAEMON_FILEIO_H

typedef void fileio_fn(void *arg);

int fileio_init(int threads);
void fileio_submit(fileio_fn *work, fileio_fn *done, void *arg);
/* Runs the done() of everything submitted, waiting for the workers. */
void fileio_drain(void);
void fileio_shutdown(void);
unsigned fileio_pending(void);

#endif
