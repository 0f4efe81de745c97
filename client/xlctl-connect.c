/* xlctl: connecting to the daemon. */
#include "config.h"

#include <string.h>

#include "client/xlctl-connect.h"

int xlctl_cli_connect(struct xlctl_cli *cli, struct xlctl_error *err)
{
	struct xlctl_error cause = { 0 };

	if (cli->conn != NULL)
		return XLCTL_EXIT_OK;
	cli->conn = xlctl_connect_timeout(cli->socket_path,
	    cli->timeout_ms >= 0 ? cli->timeout_ms : XLCTL_CONNECT_TIMEOUT_MS,
	    &cause);
	if (cli->conn != NULL)
		return XLCTL_EXIT_OK;
	/* "Disconnected: cannot connect to ..." says the same thing twice */
	if (strcmp(cause.class_name, "Disconnected") == 0)
		xlctl_fail(err, XLCTL_EXIT_CONNECT, XLCTL_CLASS_CONNECT, "%s",
		    cause.desc);
	else
		xlctl_fail(err, XLCTL_EXIT_CONNECT, XLCTL_CLASS_CONNECT,
		    "%s: %s", cause.class_name, cause.desc);
	xlctl_error_add(err, "socket", json_object_new_string(
	    cli->socket_path != NULL ? cli->socket_path : XLCTL_SOCKET_PATH));
	xlctl_error_add(err, "cause", json_object_new_string(cause.class_name));
	xlctl_error_clear(&cause);
	return XLCTL_EXIT_CONNECT;
}
