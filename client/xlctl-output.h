/* xlctl: what a successful command prints: its return value (raw with
 * --json, else through the command's print()), and the one line a change
 * says about what it did (silenced by --quiet). */
#ifndef XLCTL_OUTPUT_H
#define XLCTL_OUTPUT_H

#include "client/xlctl-cmd.h"

/* The request's return value, as --json, --detach or cli->cmd want it. */
int xlctl_output(struct xlctl_cli *cli, const struct xlctl_request *req,
    json_object *ret);
/* A change's one line on standard output, unless --quiet. */
int xlctl_done(struct xlctl_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The generic tree of a return value, without the "job" key. */
int xlctl_print_result(struct xlctl_cli *cli, const struct xlctl_request *req,
    json_object *ret);
/* The domain a reply is about: its name when it returned a domain object,
 * else the domain as the request named it. */
const char *xlctl_reply_domain(const struct xlctl_request *req,
    json_object *ret);

#endif
