/* PCI passthrough: domain-pci-attach/-detach (jobs holding the domain's
 * lock, libxl's ao), domain-pci-list; the host's side:
 * pci-assignable-list, pci-assignable-add/-remove (jobs without a domain:
 * libxl does them synchronously, in sysfs, so they run in
 * xenlightd-pci-helper).  A transient domain's configuration follows its
 * hot-plugged devices, as for disks; a defined domain's definition does
 * not change. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxlutil.h>

#include "daemon/command.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/helper.h"
#include "daemon/job.h"
#include "daemon/log.h"
#include "daemon/loop.h"
#include "daemon/pci-bdf.h"
#include "daemon/pci-helper.h"
#include "daemon/request.h"
#include "proto/mem.h"

#define PCI_OPTIONS_MAX 256
#define PCI_HELPER_MESSAGE_MAX 512

struct pci_job {
	libxl_device_pci pci;		/* must outlive the ao */
	char bdf[PCI_BDF_TEXT_SIZE];
	bool force;			/* detach: libxl_device_pci_destroy */
	bool rebind;			/* assignable: rebind / restore driver */
	bool add;			/* attach, assignable-add */
	pid_t helper;
	int helper_out;			/* its stdout, read at its exit */
};

static struct pci_job *pci_job_new(void)
{
	struct pci_job *pj = xcalloc(1, sizeof *pj);

	libxl_device_pci_init(&pj->pci);
	pj->helper_out = -1;
	return pj;
}

static void pci_job_free(void *data)
{
	struct pci_job *pj = data;

	if (pj->helper > 0) {
		kill(pj->helper, SIGKILL);
		loop_child_forget(pj->helper);
	}
	if (pj->helper_out >= 0)
		close(pj->helper_out);
	libxl_device_pci_dispose(&pj->pci);
	free(pj);
}

/* bdf, and for an attach xl's options ("permissive=1,seize=1"), parsed by
 * libxlutil as xl parses a pci= entry. */
static struct err *pci_parse(const char *bdf, const char *opts,
    libxl_device_pci *pci)
{
	libxl_device_pci check;
	char *report_text = NULL, *spec;
	size_t report_size = 0;
	FILE *report;
	XLU_Config *cfg;
	struct err *e = NULL;
	int rc;

	libxl_device_pci_init(&check);
	if (pci_bdf_parse(bdf, &check) != 0)
		return err_new(ERR_INVALID_ARGUMENT, "bad PCI address '%s': "
		    "expected [DDDD:]BB:DD.F, in hexadecimal", bdf);
	if (opts == NULL || opts[0] == '\0') {
		libxl_device_pci_dispose(pci);
		libxl_device_pci_init(pci);
		pci->domain = check.domain;
		pci->bus = check.bus;
		pci->dev = check.dev;
		pci->func = check.func;
		return NULL;
	}
	if (strspn(opts, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=,.-") != strlen(opts))
		return err_new(ERR_INVALID_ARGUMENT, "bad PCI opts '%s': "
		    "expected KEY=VALUE,...", opts);
	xasprintf(&spec, "%s,%s", bdf, opts);
	report = open_memstream(&report_text, &report_size);
	xcheck(report);
	cfg = xlu_cfg_init(report, "pci");
	xcheck(cfg);
	rc = xlu_pci_parse_spec_string(cfg, pci, spec);
	xlu_cfg_destroy(cfg);
	fclose(report);
	if (rc != 0) {
		size_t len = strlen(report_text);

		while (len > 0 && (report_text[len - 1] == '\n' ||
		    report_text[len - 1] == ' '))
			report_text[--len] = '\0';
		e = err_new(ERR_INVALID_ARGUMENT, "bad PCI opts '%s'%s%s",
		    opts, len > 0 ? ": " : "", report_text);
	} else if (pci->domain != check.domain || pci->bus != check.bus ||
	    pci->dev != check.dev || pci->func != check.func) {
		e = err_new(ERR_INVALID_ARGUMENT, "bad PCI address '%s'", bdf);
	}
	free(report_text);
	free(spec);
	return e;
}

static const char *rdm_policy_name(libxl_rdm_reserve_policy policy)
{
	const char *name = libxl_rdm_reserve_policy_to_string(policy);

	return name != NULL ? name : "invalid";
}

static json_object *pci_json(const libxl_device_pci *pci)
{
	json_object *obj = json_object_new_object();
	char bdf[PCI_BDF_TEXT_SIZE];

	pci_bdf_format(pci, bdf);
	json_object_object_add(obj, "bdf", json_object_new_string(bdf));
	json_object_object_add(obj, "vslot", pci->vdevfn != 0 ?
	    json_object_new_int((int)(pci->vdevfn >> 3)) : NULL);
	json_object_object_add(obj, "permissive",
	    json_object_new_boolean(pci->permissive));
	json_object_object_add(obj, "msitranslate",
	    json_object_new_boolean(pci->msitranslate));
	json_object_object_add(obj, "seize",
	    json_object_new_boolean(pci->seize));
	json_object_object_add(obj, "power_mgmt",
	    json_object_new_boolean(pci->power_mgmt));
	json_object_object_add(obj, "rdm_policy",
	    json_object_new_string(rdm_policy_name(pci->rdm_policy)));
	return obj;
}

static bool pci_same(const libxl_device_pci *a, const libxl_device_pci *b)
{
	return a->domain == b->domain && a->bus == b->bus &&
	    a->dev == b->dev && a->func == b->func;
}

/* Finds pci among a domain's devices: its index, or -1. */
static int pci_index(const libxl_device_pci *list, int n,
    const libxl_device_pci *pci)
{
	for (int i = 0; i < n; i++)
		if (pci_same(&list[i], pci))
			return i;
	return -1;
}

/* The domain that has pci (its domid), or -1; by libxl's lists. */
static int64_t pci_assigned_to(const libxl_device_pci *pci)
{
	libxl_dominfo *doms;
	int64_t owner = -1;
	int n = 0;

	doms = libxl_list_domain(daemon_ctx, &n);
	for (int i = 0; i < n && owner < 0; i++) {
		libxl_device_pci *list;
		int num = 0;

		list = libxl_device_pci_list(daemon_ctx, doms[i].domid, &num);
		if (pci_index(list, num, pci) >= 0)
			owner = doms[i].domid;
		if (list != NULL)
			libxl_device_pci_list_free(list, num);
	}
	if (doms != NULL)
		libxl_dominfo_list_free(doms, n);
	return owner;
}

static bool pci_is_assignable(const libxl_device_pci *pci)
{
	libxl_device_pci *list;
	int n = 0;
	bool found;

	list = libxl_device_pci_assignable_list(daemon_ctx, &n);
	found = pci_index(list, n, pci) >= 0;
	if (list != NULL)
		libxl_device_pci_assignable_list_free(list, n);
	return found;
}

/* The transient domain's configuration keeps what is attached. */
static void pci_config_change(struct domain *d, const libxl_device_pci *pci,
    bool add)
{
	libxl_domain_config *c = d->config;
	int i;

	if (d->persistent || c == NULL)
		return;
	i = pci_index(c->pcidevs, c->num_pcidevs, pci);
	if (add && i < 0) {
		c->pcidevs = xrealloc(c->pcidevs, (size_t)(c->num_pcidevs + 1) *
		    sizeof *c->pcidevs);
		libxl_device_pci_init(&c->pcidevs[c->num_pcidevs]);
		libxl_device_pci_copy(daemon_ctx, &c->pcidevs[c->num_pcidevs],
		    pci);
		c->num_pcidevs++;
	} else if (!add && i >= 0) {
		libxl_device_pci_dispose(&c->pcidevs[i]);
		memmove(&c->pcidevs[i], &c->pcidevs[i + 1],
		    (size_t)(c->num_pcidevs - i - 1) * sizeof *c->pcidevs);
		c->num_pcidevs--;
	}
}

/* ------------------------------------------------------------------------
 * domain-pci-attach, domain-pci-detach */

/* The hot-plug (pj->add) or unplug ended. */
static void pci_plugged(struct job *job, int rc)
{
	struct pci_job *pj = job->data;

	if (rc != 0) {
		job_fail(job, job_libxl_error(job, rc, pj->add ?
		    "attaching the PCI device" : "detaching the PCI device"));
		return;
	}
	pci_config_change(job->domain, &pj->pci, pj->add);
	log_info("domain %s: PCI device %s %s", job->domain_name, pj->bdf,
	    pj->add ? "attached" : "detached");
	job_complete(job, pci_json(&pj->pci));
}

static void pci_attach_start(struct job *job)
{
	struct pci_job *pj = job->data;
	int64_t owner;

	if (!job_domain_running(job))
		return;
	owner = pci_assigned_to(&pj->pci);
	if (owner >= 0) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "PCI device %s is "
		    "assigned to domain %lld already", pj->bdf,
		    (long long)owner));
		return;
	}
	if (!pci_is_assignable(&pj->pci)) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "PCI device %s is "
		    "not assignable (make it so with pci-assignable-add)",
		    pj->bdf));
		return;
	}
	job_ao_started(job, libxl_device_pci_add(daemon_ctx,
	    job->domain->domid, &pj->pci, job_ao(job, pci_plugged)));
}

static void pci_detach_start(struct job *job)
{
	struct pci_job *pj = job->data;
	libxl_device_pci *list;
	int n = 0, i;

	if (!job_domain_running(job))
		return;
	list = libxl_device_pci_list(daemon_ctx, job->domain->domid, &n);
	i = pci_index(list, n, &pj->pci);
	if (i >= 0)	/* libxl removes what it attached (vslot included) */
		libxl_device_pci_copy(daemon_ctx, &pj->pci, &list[i]);
	if (list != NULL)
		libxl_device_pci_list_free(list, n);
	if (i < 0) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "domain '%s' has "
		    "no PCI device %s", job->domain_name, pj->bdf));
		return;
	}
	job_ao_started(job, (pj->force ? libxl_device_pci_destroy :
	    libxl_device_pci_remove)(daemon_ctx, job->domain->domid, &pj->pci,
	    job_ao(job, pci_plugged)));
}

static const struct arg_spec pci_attach_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "bdf", ARG_STRING, true, 0, PCI_BDF_TEXT_SIZE, NULL,
	  "the host device, [DDDD:]BB:DD.F" },
	{ "options", ARG_STRING, false, 0, PCI_OPTIONS_MAX, NULL,
	  "xl's pci= options, e.g. \"permissive=1,seize=1\"" },
	ARG_END
};

static void cmd_domain_pci_attach_run(struct request *req)
{
	struct pci_job *pj = pci_job_new();
	struct err *e;

	e = pci_parse(arg_string(req->args, "bdf"),
	    arg_string(req->args, "options"), &pj->pci);
	if (e != NULL) {
		pci_job_free(pj);
		request_fail(req, e);
		return;
	}
	pci_bdf_format(&pj->pci, pj->bdf);
	pj->add = true;
	request_submit(req, pj);
}

const struct command cmd_domain_pci_attach = {
	.name = "domain-pci-attach",
	.kind = COMMAND_MODIFY,
	.args = pci_attach_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "attach a PCI device to",
	.run = cmd_domain_pci_attach_run,
	.help = "pass an assignable host PCI device through to a domain",
	.abortable = true,
	.start = pci_attach_start,
	.free_data = pci_job_free,
};

static const struct arg_spec pci_detach_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	{ "bdf", ARG_STRING, true, 0, PCI_BDF_TEXT_SIZE, NULL,
	  "the host device, [DDDD:]BB:DD.F" },
	{ "force", ARG_BOOL, false, 0, 0, NULL,
	  "take it away without the guest's cooperation (xl pci-detach -f)" },
	ARG_END
};

static void cmd_domain_pci_detach_run(struct request *req)
{
	struct pci_job *pj = pci_job_new();
	struct err *e;

	e = pci_parse(arg_string(req->args, "bdf"), NULL, &pj->pci);
	if (e != NULL) {
		pci_job_free(pj);
		request_fail(req, e);
		return;
	}
	pci_bdf_format(&pj->pci, pj->bdf);
	pj->force = arg_bool(req->args, "force", false);
	request_submit(req, pj);
}

const struct command cmd_domain_pci_detach = {
	.name = "domain-pci-detach",
	.kind = COMMAND_MODIFY,
	.args = pci_detach_args,
	.target = TARGET_DOMAIN,
	.target_flags = TARGET_RUNNING | TARGET_NOT_DOM0,
	.verb = "detach a PCI device from",
	.run = cmd_domain_pci_detach_run,
	.help = "give a passed-through PCI device back to the host",
	.abortable = true,
	.start = pci_detach_start,
	.free_data = pci_job_free,
};

/* ------------------------------------------------------------------------
 * domain-pci-list, pci-assignable-list */

static json_object *pci_list_json(const libxl_device_pci *list, int n)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(arr, pci_json(&list[i]));
	return arr;
}

static const struct arg_spec domain_args[] = {
	{ "domain", ARG_DOMAIN, true, 0, 0, NULL, "name, UUID or domid" },
	ARG_END
};

static void cmd_domain_pci_list_run(struct request *req)
{
	struct domain *d = req->domain;
	libxl_device_pci *list;
	int n = 0;

	if (!domain_is_running(d)) {
		/* a domain that does not run: the devices it will get */
		request_reply(req, d->config != NULL ?
		    pci_list_json(d->config->pcidevs, d->config->num_pcidevs) :
		    json_object_new_array());
		return;
	}
	list = libxl_device_pci_list(daemon_ctx, d->domid, &n);
	request_reply(req, pci_list_json(list, n));
	if (list != NULL)
		libxl_device_pci_list_free(list, n);
}

const struct command cmd_domain_pci_list = {
	.name = "domain-pci-list",
	.kind = COMMAND_QUERY,
	.args = domain_args,
	.target = TARGET_DOMAIN,
	.run = cmd_domain_pci_list_run,
	.help = "a domain's PCI devices (those of its configuration when it "
	    "does not run)",
};

static const struct arg_spec no_args[] = { ARG_END };

static void cmd_pci_assignable_list_run(struct request *req)
{
	libxl_device_pci *list;
	json_object *arr = json_object_new_array();
	int n = 0;

	list = libxl_device_pci_assignable_list(daemon_ctx, &n);
	for (int i = 0; i < n; i++) {
		json_object *obj = json_object_new_object();
		char bdf[PCI_BDF_TEXT_SIZE];

		pci_bdf_format(&list[i], bdf);
		json_object_object_add(obj, "bdf", json_object_new_string(bdf));
		json_object_array_add(arr, obj);
	}
	if (list != NULL)
		libxl_device_pci_assignable_list_free(list, n);
	request_reply(req, arr);
}

const struct command cmd_pci_assignable_list = {
	.name = "pci-assignable-list",
	.kind = COMMAND_QUERY,
	.args = no_args,
	.run = cmd_pci_assignable_list_run,
	.help = "the host's assignable PCI devices that no domain has",
};

/* ------------------------------------------------------------------------
 * pci-assignable-add, pci-assignable-remove */

static void pci_helper_exited(pid_t pid, int status, void *arg)
{
	struct job *job = arg;
	struct pci_job *pj = job->data;
	char message[PCI_HELPER_MESSAGE_MAX];
	ssize_t len;

	pj->helper = 0;
	len = read(pj->helper_out, message, sizeof message - 1);
	message[len > 0 ? len : 0] = '\0';
	close(pj->helper_out);
	pj->helper_out = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == PCI_HELPER_OK) {
		json_object *ret = json_object_new_object();

		log_info("PCI device %s %s", pj->bdf, pj->add ?
		    "is assignable" : "is given back to the host");
		json_object_object_add(ret, "bdf",
		    json_object_new_string(pj->bdf));
		json_object_object_add(ret, "assignable",
		    json_object_new_boolean(pj->add));
		job_complete(job, ret);
		return;
	}
	if (WIFSIGNALED(status))
		job_fail(job, err_new(ERR_HYPERVISOR, "the PCI helper died "
		    "(signal %d)", WTERMSIG(status)));
	else
		job_fail(job, err_new(ERR_HYPERVISOR, "libxl could not %s %s%s%s",
		    pj->add ? "make assignable" : "give back", pj->bdf,
		    message[0] != '\0' ? ": " : "", message));
}

static void pci_assignable_start(struct job *job)
{
	struct pci_job *pj = job->data;
	posix_spawn_file_actions_t actions;
	char *args[4];
	int fds[2], error;
	int64_t owner;

	if (!pj->add && (owner = pci_assigned_to(&pj->pci)) >= 0) {
		job_fail(job, err_new(ERR_OPERATION_INVALID, "PCI device %s is "
		    "assigned to domain %lld: detach it first", pj->bdf,
		    (long long)owner));
		return;
	}
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		job_fail(job, err_new(ERR_INTERNAL, "pipe: %s",
		    strerror(errno)));
		return;
	}
	args[0] = pj->add ? "add" : "remove";
	args[1] = pj->bdf;
	args[2] = pj->rebind ? "1" : "0";
	args[3] = NULL;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
	error = helper_spawn("xenlightd-pci-helper", args, &actions,
	    &pj->helper);
	posix_spawn_file_actions_destroy(&actions);
	close(fds[1]);
	if (error != 0) {
		close(fds[0]);
		pj->helper = 0;
		job_fail(job, err_new(ERR_INTERNAL, "cannot start the PCI "
		    "helper: %s", strerror(error)));
		return;
	}
	/* its message is short: the pipe holds it until the helper exits */
	pj->helper_out = fds[0];
	loop_child_watch(pj->helper, pci_helper_exited, job);
}

static const struct arg_spec pci_assignable_args[] = {
	{ "bdf", ARG_STRING, true, 0, PCI_BDF_TEXT_SIZE, NULL,
	  "the host device, [DDDD:]BB:DD.F" },
	{ "rebind", ARG_BOOL, false, 0, 0, NULL,
	  "add: remember its driver; remove: bind it to that driver again "
	  "(xl -r)" },
	ARG_END
};

static void pci_assignable_submit(struct request *req, bool add)
{
	struct pci_job *pj = pci_job_new();
	struct err *e;

	e = pci_parse(arg_string(req->args, "bdf"), NULL, &pj->pci);
	if (e != NULL) {
		pci_job_free(pj);
		request_fail(req, e);
		return;
	}
	pci_bdf_format(&pj->pci, pj->bdf);
	pj->add = add;
	pj->rebind = arg_bool(req->args, "rebind", false);
	request_submit(req, pj);
}

static void cmd_pci_assignable_add_run(struct request *req)
{
	pci_assignable_submit(req, true);
}

static void cmd_pci_assignable_remove_run(struct request *req)
{
	pci_assignable_submit(req, false);
}

const struct command cmd_pci_assignable_add = {
	.name = "pci-assignable-add",
	.kind = COMMAND_MODIFY,
	.args = pci_assignable_args,
	.run = cmd_pci_assignable_add_run,
	.help = "bind a host PCI device to pciback, ready to be passed "
	    "through",
	.start = pci_assignable_start,
	.free_data = pci_job_free,
};

const struct command cmd_pci_assignable_remove = {
	.name = "pci-assignable-remove",
	.kind = COMMAND_MODIFY,
	.args = pci_assignable_args,
	.run = cmd_pci_assignable_remove_run,
	.help = "unbind a host PCI device from pciback (and rebind its "
	    "driver)",
	.start = pci_assignable_start,
	.free_data = pci_job_free,
};
