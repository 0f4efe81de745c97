/* xlctl: completing a command line.  The words are walked as the parsers
 * would take them -- global options, the command, its options and their
 * values, positional arguments -- to learn what the last word is; then
 * the candidates come from the tables: a metavariable (DOMAIN, FILE, ID,
 * COMMAND, HOST) says what a value or a positional argument is. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/xlctl-complete.h"
#include "client/xlctl-format.h"

/* A shell waits for us: a daemon that does not answer at once is as good
 * as none.  XLCTL_COMPLETE_TIMEOUT_MS overrides it (a test on a loaded
 * machine must not take a slow answer for none). */
#define XLCTL_COMPLETE_TIMEOUT_MS	1000

struct xlctl_completion {
	const struct xlctl_family *const *families;
	int timeout_ms;			/* for the greeting, and the reply */
	const char *socket_path;	/* -c, else the read-only socket */
	const char *cur;		/* the word being completed */
	bool words_started;		/* "words" printed */
};

static bool xlctl_starts_with(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* The candidates are words: say so, once. */
static void xlctl_offer_words(struct xlctl_completion *c)
{
	if (!c->words_started)
		puts("words");
	c->words_started = true;
}

static void xlctl_offer(struct xlctl_completion *c, const char *word)
{
	xlctl_offer_words(c);
	/* one candidate a line: a name with a newline cannot be one */
	if (xlctl_starts_with(word, c->cur) && strchr(word, '\n') == NULL)
		puts(word);
}

static void xlctl_offer_commands(struct xlctl_completion *c)
{
	for (const struct xlctl_family *const *f = c->families; *f != NULL;
	    f++) {
		for (const struct xlctl_cmd *const *cmd = (*f)->cmds;
		    *cmd != NULL; cmd++) {
			xlctl_offer(c, (*cmd)->name);
			if ((*cmd)->alias != NULL)
				xlctl_offer(c, (*cmd)->alias);
		}
	}
}

static void xlctl_offer_options(struct xlctl_completion *c,
    const struct xlctl_flag *const *lists)
{
	for (; *lists != NULL; lists++) {
		for (const struct xlctl_flag *flag = *lists; flag->name != NULL;
		    flag++) {
			char word[64];

			snprintf(word, sizeof word, "--%s", flag->name);
			xlctl_offer(c, word);
		}
	}
}

/* The array a list command returns, bare or as {key:[...]}. */
static json_object *xlctl_listed(json_object *ret, const char *key)
{
	if (json_object_is_type(ret, json_type_object))
		ret = xlctl_get(ret, key);
	return json_object_is_type(ret, json_type_array) ? ret : NULL;
}

/* Domain names (domain-list) or job ids (job-list), from the daemon. */
static void xlctl_offer_listed(struct xlctl_completion *c, const char *execute,
    const char *key, const char *field)
{
	struct xlctl_error err = { 0 };
	struct xlctl *conn;
	json_object *ret, *list;

	xlctl_offer_words(c);	/* none, if the daemon is away */
	conn = xlctl_connect_timeout(c->socket_path, c->timeout_ms, &err);
	if (conn == NULL) {
		xlctl_error_clear(&err);
		return;
	}
	ret = xlctl_call(conn, execute, NULL, NULL, c->timeout_ms, &err);
	xlctl_error_clear(&err);
	list = xlctl_listed(ret, key);
	for (size_t i = 0; list != NULL && i < json_object_array_length(list);
	    i++) {
		json_object *item = json_object_array_get_idx(list, i);
		json_object *value = xlctl_get(item, field);
		char buf[32];

		if (json_object_is_type(value, json_type_string))
			xlctl_offer(c, json_object_get_string(value));
		else if (json_object_is_type(value, json_type_int))
			xlctl_offer(c, xlctl_format_value(value, buf,
			    sizeof buf));
	}
	json_object_put(ret);
	xlctl_close(conn);
}

/* What a metavariable stands for. */
static void xlctl_offer_value(struct xlctl_completion *c, const char *meta,
    size_t len)
{
#define XLCTL_META(name) (len == strlen(name) && strncmp(meta, name, len) == 0)
	if (XLCTL_META("DOMAIN"))
		xlctl_offer_listed(c, "domain-list", "domains", "name");
	else if (XLCTL_META("ID"))
		xlctl_offer_listed(c, "job-list", "jobs", "id");
	else if (XLCTL_META("COMMAND"))
		xlctl_offer_commands(c);
	else if (XLCTL_META("FILE") || XLCTL_META("SOCKET"))
		puts("files");
	else if (XLCTL_META("HOST"))
		puts("hosts");
	else
		puts("none");
#undef XLCTL_META
}

/* The metavariable of positional argument n in "DOMAIN FILE", "[DOMAIN]",
 * "DOMAIN DISKSPEC...": its first byte, and its length in *len. */
static const char *xlctl_positional(const char *spec, int n, size_t *len)
{
	const char *meta = NULL;
	bool repeats = false;

	for (int i = 0; spec != NULL && *spec != '\0'; i++) {
		size_t word = strcspn(spec, " ");

		meta = spec + strspn(spec, "[");
		*len = strcspn(meta, "]. ");
		repeats = word >= 3 && memmem(spec, word, "...", 3) != NULL;
		if (i == n)
			return meta;
		spec += word + strspn(spec + word, " ");
	}
	return repeats ? meta : NULL;
}

/* The option in words[*i], as the parser takes it.  *value: its value when
 * it takes one that the words hold (then *i moves past it), else NULL.
 * Returns the option, NULL if unknown; *wants: its value is the word being
 * completed. */
static const struct xlctl_flag *xlctl_complete_option(
    const struct xlctl_flag *const *lists, int nwords, char **words, int *i,
    const char **value, bool *wants)
{
	const char *word = words[*i];
	const struct xlctl_flag *flag = NULL;

	*value = NULL;
	*wants = false;
	if (word[1] == '-') {
		size_t len = strcspn(word + 2, "=");

		flag = xlctl_flag_find(lists, word + 2, len, 0);
		if (flag == NULL || flag->value == NULL)
			return flag;
		if (word[2 + len] == '=') {
			*value = word + 3 + len;
			return flag;
		}
	} else {
		/* -rc SOCKET, -cSOCKET */
		for (const char *p = word + 1; *p != '\0'; p++) {
			flag = xlctl_flag_find(lists, NULL, 0, *p);
			if (flag == NULL || flag->value == NULL)
				continue;
			if (p[1] != '\0')
				*value = p + 1;
			break;
		}
		if (flag == NULL || flag->value == NULL || *value != NULL)
			return flag;
	}
	/* the shell splits "--state=running" at "=" */
	if (*i + 1 < nwords && strcmp(words[*i + 1], "=") == 0)
		++*i;
	if (*i + 1 >= nwords)
		*wants = true;
	else
		*value = words[++*i];
	return flag;
}

int xlctl_complete(const struct xlctl_family *const *families,
    const struct xlctl_flag *global_flags, int argc, char **argv)
{
	const struct xlctl_flag *globals[] = { global_flags, NULL };
	const struct xlctl_flag *lists[XLCTL_CMD_FLAG_LISTS];
	struct xlctl_completion c = {
		.families = families,
		.socket_path = XLCTL_RO_SOCKET_PATH,
		.cur = argc > 0 ? argv[argc - 1] : "",
		.timeout_ms = XLCTL_COMPLETE_TIMEOUT_MS,
	};
	const struct xlctl_cmd *cmd = NULL;
	const struct xlctl_flag *flag = NULL;
	bool options_ended = false, wants = false;
	int i, npositional = 0, nwords = argc > 0 ? argc - 1 : 0;
	const char *meta, *value, *timeout;
	size_t len;
	int64_t ms;

	if ((timeout = getenv("XLCTL_COMPLETE_TIMEOUT_MS")) != NULL &&
	    xlctl_parse_int(timeout, 0, INT32_MAX, &ms) == 0)
		c.timeout_ms = (int)ms;

	/* the global options, up to the command */
	for (i = 0; i < nwords && cmd == NULL && !wants; i++) {
		const char *word = argv[i];

		if (options_ended || word[0] != '-' || word[1] == '\0') {
			cmd = xlctl_cmd_lookup(families, word);
			if (cmd == NULL) {
				puts("none");	/* not a command we know */
				goto out;
			}
		} else if (strcmp(word, "--") == 0) {
			options_ended = true;
		} else {
			flag = xlctl_complete_option(globals, nwords, argv, &i,
			    &value, &wants);
			if (flag != NULL && value != NULL &&
			    strcmp(flag->name, "socket") == 0)
				c.socket_path = value;
		}
	}
	if (wants) {
		xlctl_offer_value(&c, flag->value, strlen(flag->value));
		goto out;
	}
	if (cmd == NULL) {
		if (c.cur[0] == '-' && !options_ended)
			xlctl_offer_options(&c, globals);
		else
			xlctl_offer_commands(&c);
		goto out;
	}

	/* the command's options and positional arguments */
	options_ended = false;
	xlctl_cmd_flag_lists(cmd, lists);
	for (; i < nwords && !wants; i++) {
		const char *word = argv[i];

		if (options_ended || word[0] != '-' || word[1] == '\0')
			npositional++;
		else if (strcmp(word, "--") == 0)
			options_ended = true;
		else
			flag = xlctl_complete_option(lists, nwords, argv, &i,
			    &value, &wants);
	}
	if (wants)
		xlctl_offer_value(&c, flag->value, strlen(flag->value));
	else if (c.cur[0] == '-' && !options_ended)
		xlctl_offer_options(&c, lists);
	else if ((meta = xlctl_positional(cmd->args, npositional, &len)) != NULL)
		xlctl_offer_value(&c, meta, len);
	else
		puts("none");
out:
	fflush(stdout);
	return XLCTL_EXIT_OK;
}
