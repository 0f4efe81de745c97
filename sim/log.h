/* Logging and symbol lookup of the simulator.  Kept apart from sim.h so
 * that handles.c can include xenctrl.h, whose DOMID_INVALID clashes with
 * daemon/xl-compat.h's. */
#ifndef SIM_LOG_H
#define SIM_LOG_H

#include <stdint.h>
#include <xentoollog.h>

/* The application's logger, as given to xc_interface_open. */
void sim_set_logger(xentoollog_logger *logger);

/* A libxl-style message (LOGED with no file or function): "Domain N:"
 * first for a guest domid, through the application's logger. */
void sim_log(xentoollog_level level, int errnoval, uint32_t domid,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Debugging output on stderr when LIBXLSIM_TRACE is set. */
void sim_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A contract violation by the application: report and abort(). */
void sim_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* The next definition of name: the real libxenlight's. */
void *sim_real(const char *name);

#endif
