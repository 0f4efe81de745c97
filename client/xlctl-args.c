/* xlctl: parsing the command line against tables of flags. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/xlctl-args.h"
#include "client/xlctl-error.h"
#include "proto/mem.h"

const struct xlctl_flag *xlctl_flag_find(const struct xlctl_flag *const *lists,
    const char *name, size_t len, char letter)
{
	for (; *lists != NULL; lists++) {
		const struct xlctl_flag *flag;

		for (flag = *lists; flag->name != NULL; flag++) {
			if (name != NULL && strlen(flag->name) == len &&
			    strncmp(flag->name, name, len) == 0)
				return flag;
			if (name == NULL && letter != 0 &&
			    flag->letter == letter)
				return flag;
		}
	}
	return NULL;
}

static void xlctl_args_add(struct xlctl_args *args,
    const struct xlctl_flag *flag, const char *value)
{
	/* not one a word: -ppp gives three */
	if (args->ngiven == args->given_size) {
		args->given_size = args->given_size * 2 + 8;
		args->given = xreallocarray(args->given,
		    (size_t)args->given_size, sizeof *args->given);
	}
	args->given[args->ngiven].flag = flag;
	args->given[args->ngiven].value = value;
	args->ngiven++;
}

/* --name, --name=value, --name value */
static int xlctl_args_long(struct xlctl_args *args,
    const struct xlctl_flag *const *lists, int argc, char **argv, int *i,
    struct xlctl_error *err)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const struct xlctl_flag *flag = xlctl_flag_find(lists, name, len, 0);
	const char *value = "";

	if (flag == NULL)
		return xlctl_usage(err, "unknown option --%.*s", (int)len,
		    name);
	if (flag->value != NULL && eq != NULL)
		value = eq + 1;
	else if (flag->value != NULL && *i + 1 < argc)
		value = argv[++*i];
	else if (flag->value != NULL)
		return xlctl_usage(err, "option --%s needs a value",
		    flag->name);
	else if (eq != NULL)
		return xlctl_usage(err, "option --%s takes no value",
		    flag->name);
	xlctl_args_add(args, flag, value);
	return XLCTL_EXIT_OK;
}

/* -abc: switches bundled; one taking a value ends the word */
static int xlctl_args_short(struct xlctl_args *args,
    const struct xlctl_flag *const *lists, int argc, char **argv, int *i,
    struct xlctl_error *err)
{
	for (const char *p = argv[*i] + 1; *p != '\0'; p++) {
		const struct xlctl_flag *flag = xlctl_flag_find(lists, NULL, 0,
		    *p);

		if (flag == NULL)
			return xlctl_usage(err, "unknown option -%c", *p);
		if (flag->value == NULL) {
			xlctl_args_add(args, flag, "");
			continue;
		}
		if (p[1] != '\0')
			xlctl_args_add(args, flag, p + 1);
		else if (*i + 1 < argc)
			xlctl_args_add(args, flag, argv[++*i]);
		else
			return xlctl_usage(err, "option -%c needs a value", *p);
		break;
	}
	return XLCTL_EXIT_OK;
}

int xlctl_args_parse(struct xlctl_args *args,
    const struct xlctl_flag *const *lists, int argc, char **argv,
    bool stop_at_positional, struct xlctl_error *err)
{
	bool options_ended = false;
	int rc = XLCTL_EXIT_OK;

	memset(args, 0, sizeof *args);
	args->argv = xcalloc((size_t)argc + 1, sizeof *args->argv);
	for (int i = 0; i < argc && rc == XLCTL_EXIT_OK; i++) {
		char *arg = argv[i];

		if (options_ended || arg[0] != '-' || arg[1] == '\0') {
			if (!stop_at_positional) {
				args->argv[args->argc++] = arg;
				continue;
			}
			while (i < argc)
				args->argv[args->argc++] = argv[i++];
			break;
		}
		if (strcmp(arg, "--") == 0)
			options_ended = true;
		else if (arg[1] == '-')
			rc = xlctl_args_long(args, lists, argc, argv, &i, err);
		else
			rc = xlctl_args_short(args, lists, argc, argv, &i, err);
	}
	if (rc != XLCTL_EXIT_OK)
		xlctl_args_free(args);
	return rc;
}

void xlctl_args_free(struct xlctl_args *args)
{
	free(args->argv);
	free(args->given);
	memset(args, 0, sizeof *args);
}

const char *xlctl_args_nth(const struct xlctl_args *args, const char *name,
    int i)
{
	for (int n = 0; n < args->ngiven; n++) {
		if (strcmp(args->given[n].flag->name, name) == 0 && i-- == 0)
			return args->given[n].value;
	}
	return NULL;
}

const char *xlctl_args_get(const struct xlctl_args *args, const char *name)
{
	const char *value = NULL;

	for (int n = 0; n < args->ngiven; n++) {
		if (strcmp(args->given[n].flag->name, name) == 0)
			value = args->given[n].value;
	}
	return value;
}

bool xlctl_args_has(const struct xlctl_args *args, const char *name)
{
	return xlctl_args_get(args, name) != NULL;
}

int xlctl_parse_int(const char *text, int64_t min, int64_t max, int64_t *out)
{
	long long value;
	char *end;

	if (!isdigit((unsigned char)text[0]) &&
	    !(text[0] == '-' && isdigit((unsigned char)text[1])))
		return -1;
	errno = 0;
	value = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < min || value > max)
		return -1;
	*out = value;
	return 0;
}

int xlctl_parse_size_kib(const char *text, int64_t *kib)
{
	unsigned long long value;
	unsigned shift;		/* from the unit to KiB */
	char *end;

	/* strtoull alone would take "-1", " 1" and "+1" */
	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno != 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 'k':
		shift = 0;
		break;
	case '\0':
	case 'm':
		shift = 10;
		break;
	case 'g':
		shift = 20;
		break;
	case 't':
		shift = 30;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (value > (unsigned long long)(INT64_MAX >> shift))
		return -1;
	*kib = (int64_t)(value << shift);
	return 0;
}

