/* The command table: one line per command.  Each entry is defined in its
 * family's cmd-*.c file; main.c hands the table to the core
 * (command_table_set) at start-up. */
#include "config.h"

#include "daemon/command.h"
#include "daemon/commands.h"

#define COMMANDS \
	C(cmd_version) \
	C(cmd_host_info) \
	C(cmd_host_numa) \
	C(cmd_query_commands) \
	C(cmd_domain_list) \
	C(cmd_domain_info) \
	C(cmd_domain_config) \
	C(cmd_domain_stats) \
	C(cmd_job_list) \
	C(cmd_job_info) \
	C(cmd_job_wait) \
	C(cmd_job_abort) \
	C(cmd_job_dismiss) \
	C(cmd_subscribe) \
	C(cmd_unsubscribe) \
	C(cmd_domain_define) \
	C(cmd_domain_undefine) \
	C(cmd_domain_autostart) \
	C(cmd_domain_create) \
	C(cmd_domain_start) \
	C(cmd_domain_restart) \
	C(cmd_domain_shutdown) \
	C(cmd_domain_reboot) \
	C(cmd_domain_destroy) \
	C(cmd_domain_pause) \
	C(cmd_domain_unpause) \
	C(cmd_domain_resume) \
	C(cmd_domain_set_memory) \
	C(cmd_domain_set_maxmem) \
	C(cmd_domain_set_vcpus) \
	C(cmd_domain_pin_vcpu) \
	C(cmd_domain_sched_get) \
	C(cmd_domain_sched_set) \
	C(cmd_domain_disk_attach) \
	C(cmd_domain_disk_detach) \
	C(cmd_domain_nic_attach) \
	C(cmd_domain_nic_detach) \
	C(cmd_domain_save) \
	C(cmd_domain_restore) \
	C(cmd_domain_managed_save) \
	C(cmd_domain_managed_save_remove) \
	C(cmd_domain_dump) \
	C(cmd_domain_crash_dump) \
	C(cmd_migration_prepare) \
	C(cmd_domain_migrate) \
	C(cmd_domain_migrate_in)

#define C(entry) extern const struct command entry;
COMMANDS
#undef C

#define C(entry) &entry,
const struct command *const commands[] = {
	COMMANDS
	NULL
};
#undef C
