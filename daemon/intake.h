/* Intake: what libxl reports about domains (a guest shut down, a domain
 * died, libxl cannot go on) turned into domain state, events and the
 * toolstack's actions (lifecycle.h). */
#ifndef DAEMON_INTAKE_H
#define DAEMON_INTAKE_H

int intake_attach(void);

#endif
