/* The simulator's control socket, <rundir>/sim.sock (PROTOCOL.md,
 * appendix): the daemon's envelope (greeting, execute/arguments/id,
 * return/error) through proto/.  The listener and the connections are
 * registered through the application's fd hook and served inside
 * libxl_osevent_occurred_fd; sim-info does not count them. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/err.h"
#include "proto/json-line.h"
#include "proto/message.h"
#include "proto/schema.h"
#include "sim/sim.h"

#define CONTROL_MAX_LINE	(64 * 1024)
#define CONTROL_MAX_OUTPUT	(64 * 1024 * 1024)

struct conn {
	struct conn *next;
	int fd;
	struct sim_reg *reg;
	struct line_reader lr;
	char *out;
	size_t out_len;
	size_t out_cap;
	bool want_write;
	bool closing;
};

static int listen_fd = -1;
static struct sim_reg *listen_reg;
static struct conn *conns;
static char *sock_path;

/* ---- commands ---- */

typedef struct err *command_fn(json_object *args, json_object **ret);

struct command {
	const char *name;
	const struct arg_spec *args;
	command_fn *handler;
	const char *help;
};

static const char *const fault_ops[] = {
	"save", "restore", "create", "dump", "migrate", "device", "shutdown",
	NULL
};
static const char *const fault_kinds[] = {
	"fail", "io-error", "helper-crash", "hang", NULL
};
static const char *const guest_actions[] = {
	"shutdown", "reboot", "crash", "watchdog", "ignore-shutdown",
	"ignore-suspend", "cooperate", NULL
};

#define MS_MAX	(24 * 3600 * 1000)

static const struct arg_spec set_args[] = {
	{ "save_mib_s", ARG_INT, false, 1, 1 << 20, NULL,
	    "save rate, MiB of guest memory per second" },
	{ "restore_mib_s", ARG_INT, false, 1, 1 << 20, NULL,
	    "restore rate from a file" },
	{ "dump_mib_s", ARG_INT, false, 1, 1 << 20, NULL, "core dump rate" },
	{ "migrate_mib_s", ARG_INT, false, 1, 1 << 20, NULL,
	    "rate of live saves and of saves to a socket" },
	{ "create_ms", ARG_INT, false, 0, MS_MAX, NULL,
	    "time a domain creation takes" },
	{ "build_ms", ARG_INT, false, 0, MS_MAX, NULL,
	    "time a create or restore blocks the calling thread, as libxl's "
	    "domain build does" },
	{ "shutdown_ms", ARG_INT, false, 0, MS_MAX, NULL,
	    "time a guest takes to act on a shutdown or reboot request" },
	{ "suspend_timeout_ms", ARG_INT, false, 0, MS_MAX, NULL,
	    "how long a save waits for a guest that ignores suspend" },
	{ "host_memory_mib", ARG_INT, false, 1024, 1 << 24, NULL,
	    "host memory" },
	{ "host_cpus", ARG_INT, false, 1, SIM_MAX_CPUS, NULL, "host cpus" },
	{ "pci_devices", ARG_INT, false, 0, 64, NULL,
	    "fake PCI devices on the host: 0000:0b:DD.F, DD.F from 00.0" },
	{ "inline_ops", ARG_BOOL, false, 0, 0, NULL,
	    "complete quick operations inside the initiating call" },
	ARG_END
};

static const struct arg_spec fault_args[] = {
	{ "op", ARG_ENUM, false, 0, 0, fault_ops, "operation to break" },
	{ "kind", ARG_ENUM, false, 0, 0, fault_kinds, "how it breaks" },
	{ "domain", ARG_DOMAIN, false, 0, 0, NULL,
	    "only this domain (name or domid)" },
	{ "after_bytes", ARG_INT, false, 0, INT64_MAX, NULL,
	    "io-error, helper-crash, hang: stream bytes before the fault" },
	{ "once", ARG_BOOL, false, 0, 0, NULL,
	    "remove the fault after it fired (default true)" },
	{ "clear", ARG_BOOL, false, 0, 0, NULL, "remove every fault" },
	ARG_END
};

static const struct arg_spec guest_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "action", ARG_ENUM, true, 0, 0, guest_actions,
	    "what the guest does by itself" },
	ARG_END
};

static const struct arg_spec no_args[] = { ARG_END };

static const char *domain_text(json_object *args, char *buf, size_t size)
{
	json_object *v;

	if (!json_object_object_get_ex(args, "domain", &v))
		return NULL;
	if (json_object_is_type(v, json_type_int)) {
		snprintf(buf, size, "%lld",
		    (long long)json_object_get_int64(v));
		return buf;
	}
	return json_object_get_string(v);
}

static json_object *domain_json(const struct sim_domain *d, int64_t now)
{
	json_object *o = json_object_new_object();
	char uuid[37], guest[17];

	sim_uuid_string(&d->uuid, uuid);
	sim_domain_guest_state(d, guest);
	json_object_object_add(o, "domid", json_object_new_int64(d->domid));
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "uuid", json_object_new_string(uuid));
	json_object_object_add(o, "state",
	    json_object_new_string(sim_domain_state_name(d)));
	json_object_object_add(o, "reason", d->shutdown ?
	    json_object_new_string(libxl_shutdown_reason_to_string(
	    d->shutdown_reason)) : NULL);
	json_object_object_add(o, "complete",
	    json_object_new_boolean(d->complete));
	json_object_object_add(o, "memory_kib",
	    json_object_new_int64((int64_t)d->target_memkb));
	json_object_object_add(o, "max_memory_kib",
	    json_object_new_int64((int64_t)d->max_memkb));
	json_object_object_add(o, "vcpus_online",
	    json_object_new_int(sim_domain_online_count(d)));
	json_object_object_add(o, "guest_state", json_object_new_string(guest));
	json_object_object_add(o, "uptime_ms", json_object_new_int64(
	    (int64_t)sim_domain_uptime_ms(d, now)));
	json_object_object_add(o, "boot_count",
	    json_object_new_int64(d->boot_count));
	return o;
}

static struct err *cmd_set(json_object *args, json_object **ret)
{
	struct sim_settings s;
	uint64_t in_use_mib;

	sim_lock();
	s = sim_host.settings;
	s.save_mib_s = arg_int(args, "save_mib_s", s.save_mib_s);
	s.restore_mib_s = arg_int(args, "restore_mib_s", s.restore_mib_s);
	s.dump_mib_s = arg_int(args, "dump_mib_s", s.dump_mib_s);
	s.migrate_mib_s = arg_int(args, "migrate_mib_s", s.migrate_mib_s);
	s.create_ms = arg_int(args, "create_ms", s.create_ms);
	s.build_ms = arg_int(args, "build_ms", s.build_ms);
	s.shutdown_ms = arg_int(args, "shutdown_ms", s.shutdown_ms);
	s.suspend_timeout_ms = arg_int(args, "suspend_timeout_ms",
	    s.suspend_timeout_ms);
	s.host_memory_mib = arg_int(args, "host_memory_mib",
	    s.host_memory_mib);
	s.host_cpus = arg_int(args, "host_cpus", s.host_cpus);
	s.pci_devices = arg_int(args, "pci_devices", s.pci_devices);
	s.inline_ops = arg_bool(args, "inline_ops", s.inline_ops);
	in_use_mib = (SIM_DOM0_MEMKB + sim_host.used_memkb + 1023) / 1024;
	if ((uint64_t)s.host_memory_mib < in_use_mib) {
		sim_unlock();
		return err_new(ERR_INVALID_ARGUMENT, "argument "
		    "'host_memory_mib' is below the memory in use (%llu MiB)",
		    (unsigned long long)in_use_mib);
	}
	sim_host.settings = s;
	sim_host_save();
	sim_unlock();
	*ret = sim_settings_json(&s);
	return NULL;
}

static json_object *faults_json(void)
{
	json_object *a = json_object_new_array();

	for (struct sim_fault *f = sim_host.faults; f != NULL; f = f->next)
		json_object_array_add(a, sim_fault_json(f));
	return a;
}

static int name_index(const char *const *names, const char *name)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static struct err *cmd_fault(json_object *args, json_object **ret)
{
	char buf[32];
	const char *domain = domain_text(args, buf, sizeof buf);
	struct sim_fault *f;
	struct sim_domain *d;
	int op, kind;

	if (arg_bool(args, "clear", false)) {
		if (arg_present(args, "op") || arg_present(args, "kind"))
			return err_new(ERR_INVALID_ARGUMENT, "argument 'clear' "
			    "cannot be combined with 'op' or 'kind'");
		sim_fault_clear();
		*ret = json_object_new_object();
		json_object_object_add(*ret, "faults", faults_json());
		return NULL;
	}
	if (!arg_present(args, "op"))
		return err_new(ERR_INVALID_ARGUMENT,
		    "missing required argument 'op'");
	if (!arg_present(args, "kind"))
		return err_new(ERR_INVALID_ARGUMENT,
		    "missing required argument 'kind'");
	op = name_index(fault_ops, arg_string(args, "op"));
	kind = name_index(fault_kinds, arg_string(args, "kind")) + 1;
	if (domain != NULL && schema_valid_uuid(domain)) {
		if ((d = sim_domain_lookup(domain)) == NULL)
			return err_new(ERR_DOMAIN_NOT_FOUND,
			    "no domain with UUID %s", domain);
		domain = d->name;
	}
	f = sim_fault_add(op, kind, domain,
	    (uint64_t)arg_int(args, "after_bytes", 0),
	    arg_bool(args, "once", true));
	*ret = json_object_new_object();
	json_object_object_add(*ret, "fault", sim_fault_json(f));
	json_object_object_add(*ret, "faults", faults_json());
	return NULL;
}

static struct err *cmd_guest(json_object *args, json_object **ret)
{
	static const int reasons[] = {
		LIBXL_SHUTDOWN_REASON_POWEROFF, LIBXL_SHUTDOWN_REASON_REBOOT,
		LIBXL_SHUTDOWN_REASON_CRASH, LIBXL_SHUTDOWN_REASON_WATCHDOG,
	};
	char buf[32];
	const char *text = domain_text(args, buf, sizeof buf);
	const char *action = arg_string(args, "action");
	int which = name_index(guest_actions, action);
	struct sim_domain *d = sim_domain_lookup(text);

	if (d == NULL)
		return err_new(ERR_DOMAIN_NOT_FOUND, "no domain '%s'", text);
	if (d->domid == 0 || d->dying)
		return err_new(ERR_OPERATION_INVALID, "domain '%s' is %s",
		    d->name, d->domid == 0 ? "Domain-0" : "dying");
	if (which < 4) {
		if (!sim_domain_running(d))
			return err_new(ERR_OPERATION_INVALID, "the guest of "
			    "'%s' is not running (%s)", d->name,
			    sim_domain_state_name(d));
		sim_domain_shutdown(d, reasons[which], sim_now_ms());
	} else if (strcmp(action, "ignore-shutdown") == 0) {
		d->ignore_shutdown = true;
		d->pending_reason = -1;
	} else if (strcmp(action, "ignore-suspend") == 0) {
		d->ignore_suspend = true;
	} else {
		d->ignore_shutdown = false;
		d->ignore_suspend = false;
	}
	sim_domain_save(d);
	*ret = domain_json(d, sim_now_ms());
	return NULL;
}

static struct err *cmd_info(json_object *args, json_object **ret)
{
	json_object *o = json_object_new_object(), *doms;
	int64_t now = sim_now_ms();

	json_object_object_add(o, "fds", json_object_new_int(sim_live_fds()));
	json_object_object_add(o, "timers",
	    json_object_new_int(sim_live_timers()));
	json_object_object_add(o, "children",
	    json_object_new_int(sim_count_children()));
	json_object_object_add(o, "ops_in_flight",
	    json_object_new_int(sim_ops_count()));
	json_object_object_add(o, "watchers",
	    json_object_new_int(sim_events_watchers()));
	json_object_object_add(o, "free_memory_kib",
	    json_object_new_int64((int64_t)sim_free_memkb()));
	doms = json_object_new_array();
	for (struct sim_domain *d = sim_domain_first(); d != NULL;
	    d = d->hh.next) {
		if (d->pending_reason >= 0)
			sim_domain_refresh(d, now);
		json_object_array_add(doms, domain_json(d, now));
	}
	json_object_object_add(o, "domains", doms);
	*ret = o;
	return NULL;
}

static struct err *cmd_reset(json_object *args, json_object **ret)
{
	if (sim_ops != NULL)
		return err_new(ERR_OPERATION_INVALID, "%d operation(s) in "
		    "progress", sim_ops_count());
	if (sim_domain_count() > 1)
		return err_new(ERR_OPERATION_INVALID, "domains other than "
		    "Domain-0 exist");
	sim_lock();
	sim_settings_default(&sim_host.settings);
	sim_fault_clear();
	sim_host_reset_devices();
	sim_host_save();
	sim_unlock();
	*ret = sim_settings_json(&sim_host.settings);
	return NULL;
}

static struct err *cmd_query_commands(json_object *args, json_object **ret);

static const struct command commands[] = {
	{ "sim-set", set_args, cmd_set,
	    "change settings; returns all of them" },
	{ "sim-fault", fault_args, cmd_fault, "inject or clear faults" },
	{ "sim-guest", guest_args, cmd_guest,
	    "make a guest act by itself" },
	{ "sim-info", no_args, cmd_info,
	    "registrations, children, operations and domains" },
	{ "sim-reset", no_args, cmd_reset,
	    "default settings, no faults, PCI devices not assignable, "
	    "only Pool-0 (only with no guests)" },
	{ "query-commands", no_args, cmd_query_commands,
	    "the commands and their arguments" },
};

static struct err *cmd_query_commands(json_object *args, json_object **ret)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "name",
		    json_object_new_string(commands[i].name));
		json_object_object_add(c, "help",
		    json_object_new_string(commands[i].help));
		json_object_object_add(c, "arguments",
		    schema_to_json(commands[i].args));
		json_object_array_add(a, c);
	}
	*ret = a;
	return NULL;
}

/* ---- connections ---- */

static void conn_close(struct conn *c)
{
	for (struct conn **pp = &conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	sim_fd_deregister(c->reg);
	close(c->fd);
	line_reader_free(&c->lr);
	free(c->out);
	free(c);
}

static void conn_flush(struct conn *c)
{
	size_t done = 0;

	while (done < c->out_len) {
		ssize_t n = send(c->fd, c->out + done, c->out_len - done,
		    MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			/* The peer is gone: drop what it will never read. */
			c->closing = true;
			c->out_len = 0;
			return;
		}
		if (n < 0)
			break;
		done += (size_t)n;
	}
	memmove(c->out, c->out + done, c->out_len - done);
	c->out_len -= done;
}

static void conn_send(struct conn *c, json_object *msg)
{
	size_t len;
	const char *text = json_line_format(msg, &len);

	if (c->out_len + len + 1 > CONTROL_MAX_OUTPUT) {
		c->closing = true;
	} else {
		if (c->out_cap < c->out_len + len + 1) {
			c->out_cap = (c->out_len + len + 1) * 2;
			c->out = realloc(c->out, c->out_cap);
		}
		memcpy(c->out + c->out_len, text, len);
		c->out[c->out_len + len] = '\n';
		c->out_len += len + 1;
	}
	json_object_put(msg);
	conn_flush(c);
}

static void conn_send_error(struct conn *c, const struct proto_request *req,
    struct err *e)
{
	conn_send(c, proto_reply_error(req, e));
	err_free(e);
}

static void conn_line(struct conn *c, const char *line, size_t len)
{
	struct proto_request req;
	json_object *root, *ret = NULL;
	const struct command *cmd = NULL;
	struct err *e = NULL;

	if ((root = json_line_parse(line, len, &e)) == NULL) {
		conn_send_error(c, NULL, e);
		return;
	}
	if ((e = proto_request_parse(root, &req)) != NULL) {
		conn_send_error(c, &req, e);
		proto_request_clear(&req);
		return;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, req.execute) == 0)
			cmd = &commands[i];
	if (cmd == NULL)
		e = err_new(ERR_COMMAND_NOT_FOUND, "the simulator has no "
		    "command '%.*s'", err_quote_len(req.execute, 80),
		    req.execute);
	else if ((e = schema_check(cmd->args, req.arguments)) == NULL)
		e = cmd->handler(req.arguments, &ret);
	if (e != NULL)
		conn_send_error(c, &req, e);
	else
		conn_send(c, proto_reply_return(&req, ret));
	proto_request_clear(&req);
}

static void conn_update_interest(struct conn *c)
{
	bool want = c->out_len > 0;

	if (want != c->want_write &&
	    sim_fd_modify(c->reg, POLLIN | (want ? POLLOUT : 0)) == 0)
		c->want_write = want;
}

static void conn_ready(void *obj, short revents)
{
	struct conn *c = obj;
	struct pollfd p = { .fd = c->fd, .events = POLLIN | POLLOUT };
	const char *line;
	size_t len;

	/* Like libxl, trust poll(2) rather than the revents we are given. */
	if (poll(&p, 1, 0) <= 0)
		return;
	if ((p.revents & POLLOUT) && c->out_len > 0)
		conn_flush(c);
	if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && !c->closing) {
		ssize_t n = line_reader_fill(&c->lr, c->fd);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c);
			return;
		}
		for (;;) {
			enum line_status st = line_reader_next(&c->lr, &line,
			    &len);

			if (st == LINE_PARTIAL)
				break;
			if (st == LINE_TOO_LONG) {
				conn_send_error(c, NULL, err_new(
				    ERR_INVALID_MESSAGE, "line longer than %d "
				    "bytes", CONTROL_MAX_LINE));
				c->closing = true;
				break;
			}
			conn_line(c, line, len);
		}
	}
	if (c->closing && c->out_len == 0) {
		conn_close(c);
		return;
	}
	conn_update_interest(c);
}

static void listen_ready(void *obj, short revents)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;
		json_object *greeting, *g;

		if (fd < 0)
			return;
		c = calloc(1, sizeof *c);
		c->fd = fd;
		line_reader_init(&c->lr, CONTROL_MAX_LINE);
		if (sim_fd_register(&c->reg, SIM_REG_CONTROL_CONN, fd, POLLIN,
		    conn_ready, c) != 0) {
			close(fd);
			line_reader_free(&c->lr);
			free(c);
			continue;
		}
		c->next = conns;
		conns = c;
		greeting = json_object_new_object();
		g = json_object_new_object();
		json_object_object_add(g, "server",
		    json_object_new_string("xenlightd-sim"));
		json_object_object_add(g, "version",
		    json_object_new_string(PACKAGE_VERSION));
		json_object_object_add(g, "protocol",
		    json_object_new_int(PROTO_VERSION));
		json_object_object_add(g, "hypervisor",
		    json_object_new_string("sim"));
		json_object_object_add(greeting, "greeting", g);
		conn_send(c, greeting);
		conn_update_interest(c);
	}
}

void sim_control_start(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old_umask;

	if (listen_fd >= 0)
		return;
	if (asprintf(&sock_path, "%s/sim.sock", sim_host.rundir) < 0)
		sim_fatal("out of memory");
	if (strlen(sock_path) >= sizeof sa.sun_path) {
		fprintf(stderr, "libxenlight-sim: %s: path too long for a "
		    "socket; no control socket\n", sock_path);
		goto fail;
	}
	strcpy(sa.sun_path, sock_path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (listen_fd < 0)
		goto fail;
	unlink(sock_path);	/* we own the host: a leftover is stale */
	old_umask = umask(0077);
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    chmod(sock_path, 0600) < 0 || listen(listen_fd, 16) < 0) {
		umask(old_umask);
		fprintf(stderr, "libxenlight-sim: cannot listen on %s: %s\n",
		    sock_path, strerror(errno));
		goto fail;
	}
	umask(old_umask);
	if (sim_fd_register(&listen_reg, SIM_REG_CONTROL_LISTEN, listen_fd,
	    POLLIN, listen_ready, NULL) != 0) {
		unlink(sock_path);
		goto fail;
	}
	sim_trace("control socket %s", sock_path);
	return;
fail:
	if (listen_fd >= 0)
		close(listen_fd);
	listen_fd = -1;
	free(sock_path);
	sock_path = NULL;
}

void sim_control_stop(void)
{
	while (conns != NULL)
		conn_close(conns);
	if (listen_fd < 0)
		return;
	sim_fd_deregister(listen_reg);
	listen_reg = NULL;
	close(listen_fd);
	listen_fd = -1;
	unlink(sock_path);
	free(sock_path);
	sock_path = NULL;
}
