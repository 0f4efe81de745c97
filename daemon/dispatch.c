#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <uthash.h>

#include <event2/event.h>

#include "daemon/command.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/server.h"
#include "proto/json-line.h"

const struct command *const command_table[] = {
	&cmd_version,
	&cmd_host_info,
	&cmd_host_numa,
	&cmd_query_commands,
	&cmd_domain_list,
	&cmd_domain_info,
	&cmd_domain_config,
	&cmd_job_list,
	&cmd_job_info,
	&cmd_job_wait,
	&cmd_job_abort,
	&cmd_job_dismiss,
	&cmd_subscribe,
	&cmd_unsubscribe,
	&cmd_domain_define,
	&cmd_domain_undefine,
	&cmd_domain_autostart,
	&cmd_domain_create,
	&cmd_domain_start,
	&cmd_domain_shutdown,
	&cmd_domain_reboot,
	&cmd_domain_destroy,
	&cmd_domain_pause,
	&cmd_domain_unpause,
	&cmd_domain_stats,
	&cmd_domain_set_memory,
	&cmd_domain_set_maxmem,
	&cmd_domain_set_vcpus,
	&cmd_domain_pin_vcpu,
	&cmd_domain_sched_get,
	&cmd_domain_sched_set,
	&cmd_domain_disk_attach,
	&cmd_domain_disk_detach,
	&cmd_domain_nic_attach,
	&cmd_domain_nic_detach,
	&cmd_domain_save,
	&cmd_domain_restore,
	&cmd_domain_managed_save,
	&cmd_domain_managed_save_remove,
	&cmd_domain_dump,
	NULL
};

const struct job_type *const job_type_table[] = {
	&domain_define_job,
	&domain_undefine_job,
	&domain_autostart_job,
	&domain_create_job,
	&domain_start_job,
	&domain_restart_job,
	&domain_pause_job,
	&domain_unpause_job,
	&domain_shutdown_job,
	&domain_reboot_job,
	&domain_destroy_job,
	&domain_resume_job,
	&domain_set_memory_job,
	&domain_set_maxmem_job,
	&domain_set_vcpus_job,
	&domain_pin_vcpu_job,
	&domain_sched_set_job,
	&domain_disk_attach_job,
	&domain_disk_detach_job,
	&domain_nic_attach_job,
	&domain_nic_detach_job,
	&domain_save_job,
	&domain_managed_save_job,
	&domain_managed_save_remove_job,
	&domain_restore_job,
	&domain_dump_job,
	NULL
};

static const char *const command_kind_names[] = {
	[COMMAND_QUERY] = "query",
	[COMMAND_MODIFY] = "modify",
	[COMMAND_ASYNC] = "async",
	[COMMAND_DESTROY] = "destroy",
	[COMMAND_CONTROL] = "control",
};

const char *command_kind_name(enum command_kind kind)
{
	return command_kind_names[kind];
}

struct command_index {
	const struct command *command;
	UT_hash_handle hh;
};

static struct command_index *command_index;

const struct command *command_find(const char *name)
{
	struct command_index *entry;

	if (command_index == NULL) {
		for (int i = 0; command_table[i] != NULL; i++) {
			entry = calloc(1, sizeof *entry);
			if (entry == NULL)
				abort();
			entry->command = command_table[i];
			HASH_ADD_KEYPTR(hh, command_index, entry->command->name,
			    strlen(entry->command->name), entry);
		}
	}
	HASH_FIND_STR(command_index, name, entry);
	return entry != NULL ? entry->command : NULL;
}

/* Replies to a message that never became a request. */
static void dispatch_refuse(struct conn *c, const struct proto_request *msg,
    struct err *e)
{
	json_object *reply = proto_reply_error(msg, e);

	log_debug("client %llu: %s: %s", (unsigned long long)conn_id(c),
	    err_class_name(e->class), e->desc);
	conn_send(c, reply);
	json_object_put(reply);
	err_free(e);
}

static void request_free(struct request *req)
{
	if (req->conn != NULL) {
		TAILQ_REMOVE(conn_pending(req->conn), req, conn_entry);
		conn_request_done(req->conn);
	}
	if (req->wait_timeout != NULL)
		event_free(req->wait_timeout);
	proto_request_clear(&req->msg);
	free(req);
}

void request_reply(struct request *req, json_object *ret)
{
	if (req->conn != NULL) {
		json_object *reply = proto_reply_return(&req->msg, ret);

		conn_send(req->conn, reply);
		json_object_put(reply);
	} else {
		json_object_put(ret);
	}
	request_free(req);
}

void request_reply_text(struct request *req, const char *text, size_t len)
{
	if (req->conn != NULL) {
		struct iovec parts[5];
		int n = 0;

		parts[n++] = (struct iovec){ "{\"return\":", 10 };
		parts[n++] = (struct iovec){ (void *)text, len };
		if (req->msg.has_id) {
			size_t id_len = 4;
			const char *id = req->msg.id != NULL ?
			    json_line_format(req->msg.id, &id_len) : "null";

			parts[n++] = (struct iovec){ ",\"id\":", 6 };
			parts[n++] = (struct iovec){ (void *)id, id_len };
		}
		parts[n++] = (struct iovec){ "}", 1 };
		conn_send_parts(req->conn, parts, n);
	}
	request_free(req);
}

void request_fail(struct request *req, struct err *e)
{
	if (e->class == ERR_INTERNAL)
		log_error("%s: internal error: %s", req->command->name, e->desc);
	if (req->conn != NULL) {
		json_object *reply = proto_reply_error(&req->msg, e);

		conn_send(req->conn, reply);
		json_object_put(reply);
	}
	err_free(e);
	request_free(req);
}

void dispatch_line(struct conn *c, const char *line, size_t len)
{
	const struct command *command;
	struct request *req;
	json_object *root;
	struct proto_request msg;
	struct err *e = NULL;

	root = json_line_parse(line, len, &e);
	if (root == NULL) {
		dispatch_refuse(c, NULL, e);
		return;
	}
	e = proto_request_parse(root, &msg);
	if (e != NULL) {
		dispatch_refuse(c, &msg, e);
		proto_request_clear(&msg);
		return;
	}
	command = command_find(msg.execute);
	if (command == NULL) {
		e = err_new(ERR_COMMAND_NOT_FOUND, "unknown command '%.64s'",
		    msg.execute);
	} else if (conn_is_read_only(c) && command->kind != COMMAND_QUERY) {
		e = err_new(ERR_PERMISSION_DENIED,
		    "'%s' is not allowed on the read-only socket",
		    command->name);
	} else {
		e = schema_check(command->args, msg.arguments);
	}
	if (e != NULL) {
		dispatch_refuse(c, &msg, e);
		proto_request_clear(&msg);
		return;
	}
	req = calloc(1, sizeof *req);
	if (req == NULL)
		abort();
	req->conn = c;
	req->command = command;
	req->msg = msg;
	req->args = msg.arguments;
	req->lock_wait_ms = msg.has_lock_wait ? msg.lock_wait_ms :
	    options.lock_wait_ms;
	gettimeofday(&req->received, NULL);
	conn_request_started(c);
	TAILQ_INSERT_TAIL(conn_pending(c), req, conn_entry);
	if (command->kind != COMMAND_QUERY)
		log_info("client %llu (uid %d): %s", (unsigned long long)conn_id(c),
		    (int)conn_peer_uid(c), command->name);
	command->handler(req);
}

void dispatch_conn_closed(struct conn *c, struct request_list *pending)
{
	struct request *req;

	/* The requests keep running (a client that disconnects does not
	 * cancel its jobs); their replies go nowhere. */
	while ((req = TAILQ_FIRST(pending)) != NULL) {
		TAILQ_REMOVE(pending, req, conn_entry);
		req->conn = NULL;
	}
}
