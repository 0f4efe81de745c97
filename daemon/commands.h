/* Every command and job type, each defined in its family's cmd-*.c file. */
#ifndef DAEMON_COMMANDS_H
#define DAEMON_COMMANDS_H

#include <stdbool.h>

#include "daemon/command.h"
#include "daemon/job.h"

struct domain;

/* cmd-host.c */
extern const struct command cmd_version;
extern const struct command cmd_host_info;
extern const struct command cmd_host_numa;
extern const struct command cmd_query_commands;
/* cmd-domain-query.c */
extern const struct command cmd_domain_list;
extern const struct command cmd_domain_info;
extern const struct command cmd_domain_config;
/* cmd-stats.c */
extern const struct command cmd_domain_stats;
void stats_close(void);
/* cmd-job.c */
extern const struct command cmd_job_list;
extern const struct command cmd_job_info;
extern const struct command cmd_job_wait;
extern const struct command cmd_job_abort;
extern const struct command cmd_job_dismiss;
/* cmd-events.c */
extern const struct command cmd_subscribe;
extern const struct command cmd_unsubscribe;
/* cmd-define.c */
extern const struct command cmd_domain_define;
extern const struct command cmd_domain_undefine;
extern const struct command cmd_domain_autostart;
extern const struct job_type domain_define_job;
extern const struct job_type domain_undefine_job;
extern const struct job_type domain_autostart_job;
/* cmd-lifecycle.c */
extern const struct command cmd_domain_create;
extern const struct command cmd_domain_start;
extern const struct job_type domain_create_job;
extern const struct job_type domain_start_job;
extern const struct job_type domain_restart_job;
/* cmd-power.c */
extern const struct command cmd_domain_pause;
extern const struct command cmd_domain_unpause;
extern const struct command cmd_domain_shutdown;
extern const struct command cmd_domain_reboot;
extern const struct job_type domain_pause_job;
extern const struct job_type domain_unpause_job;
extern const struct job_type domain_shutdown_job;
extern const struct job_type domain_reboot_job;
extern const struct job_type domain_resume_job;
struct domain *power_running_domain(struct request *req, const char *verb);
bool power_still_running(struct job *job);
/* cmd-destroy.c */
extern const struct command cmd_domain_destroy;
extern const struct job_type domain_destroy_job;
/* cmd-tune.c */
extern const struct command cmd_domain_set_memory;
extern const struct command cmd_domain_set_maxmem;
extern const struct command cmd_domain_set_vcpus;
extern const struct command cmd_domain_pin_vcpu;
extern const struct command cmd_domain_sched_get;
extern const struct command cmd_domain_sched_set;
extern const struct job_type domain_set_memory_job;
extern const struct job_type domain_set_maxmem_job;
extern const struct job_type domain_set_vcpus_job;
extern const struct job_type domain_pin_vcpu_job;
extern const struct job_type domain_sched_set_job;
struct err *tune_parse_cpus(const char *text, int max_cpus, libxl_bitmap *map);
/* cmd-device.c */
extern const struct command cmd_domain_disk_attach;
extern const struct command cmd_domain_disk_detach;
extern const struct command cmd_domain_nic_attach;
extern const struct command cmd_domain_nic_detach;
extern const struct job_type domain_disk_attach_job;
extern const struct job_type domain_disk_detach_job;
extern const struct job_type domain_nic_attach_job;
extern const struct job_type domain_nic_detach_job;
/* cmd-save.c */
extern const struct command cmd_domain_save;
extern const struct command cmd_domain_managed_save;
extern const struct command cmd_domain_managed_save_remove;
extern const struct job_type domain_save_job;
extern const struct job_type domain_managed_save_job;
extern const struct job_type domain_managed_save_remove_job;
/* cmd-restore.c */
extern const struct command cmd_domain_restore;
extern const struct job_type domain_restore_job;
/* cmd-dump.c */
extern const struct command cmd_domain_dump;
extern const struct job_type domain_dump_job;
/* cmd-migrate.c */
extern const struct command cmd_domain_migrate;
extern const struct job_type domain_migrate_job;

#endif
