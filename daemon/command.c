#include "config.h"

#include <string.h>
#include <uthash.h>

#include "daemon/command.h"
#include "daemon/log.h"
#include "proto/mem.h"

struct command_index {
	const struct command *command;
	UT_hash_handle hh;
};

static const struct command *const *command_table;
static struct command_index *command_index;

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

bool command_has_job(const struct command *c)
{
	return c->kind == COMMAND_MODIFY || c->kind == COMMAND_ASYNC ||
	    c->kind == COMMAND_DESTROY;
}

static void command_index_free(void)
{
	struct command_index *entry, *next;

	HASH_ITER(hh, command_index, entry, next) {
		HASH_DEL(command_index, entry);
		free(entry);
	}
}

int command_table_set(const struct command *const *table)
{
	command_index_free();
	command_table = NULL;
	for (int i = 0; table != NULL && table[i] != NULL; i++) {
		struct command_index *entry;
		const char *name = table[i]->name;

		HASH_FIND_STR(command_index, name, entry);
		if (entry != NULL) {
			/* a recovery that finds a job type by name must
			 * find the one it means */
			log_critical("two commands are named '%s'", name);
			command_index_free();
			return -1;
		}
		if (command_has_job(table[i]) != (table[i]->start != NULL)) {
			log_critical("command '%s': a %s command %s a job", name,
			    command_kind_name(table[i]->kind),
			    table[i]->start != NULL ? "cannot have" : "needs");
			command_index_free();
			return -1;
		}
		entry = xcalloc(1, sizeof *entry);
		entry->command = table[i];
		HASH_ADD_KEYPTR(hh, command_index, name, strlen(name), entry);
	}
	command_table = table;
	return 0;
}

const struct command *command_find(const char *name)
{
	struct command_index *entry;

	HASH_FIND_STR(command_index, name, entry);
	return entry != NULL ? entry->command : NULL;
}

const struct command *const *command_all(void)
{
	static const struct command *const none[] = { NULL };

	return command_table != NULL ? command_table : none;
}
