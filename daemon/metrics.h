/* The metrics endpoint: --metrics-listen ADDR:PORT serves GET /metrics
 * (Prometheus text format) through libevent's HTTP server on the loop. */
#ifndef DAEMON_METRICS_H
#define DAEMON_METRICS_H

/* Binds and serves, when --metrics-listen is given; -1 if it cannot. */
int metrics_listen(void);
/* Daemon teardown: closes the listener and every scrape connection. */
void metrics_stop(void);

#endif
