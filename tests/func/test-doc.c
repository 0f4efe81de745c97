/* The documentation against the code: doc/protocol.md documents every
 * command the daemon serves (as query-commands reports it: heading, kind,
 * access, every argument with its type and whether it is required), every
 * event the daemon's sources emit and every error class; doc/xenlightd.8
 * documents every option of `xenlightd --help`, and doc/xenlightd.conf
 * shows every option that is a configuration key, at its default, with
 * values the daemon accepts.  A command, argument,
 * event, error class or option added without documentation fails here, and
 * so does documentation of something the daemon does not serve.  The
 * conventions checked are stated at the top of doc/protocol.md. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "proto/err.h"
#include "tests/func/harness.h"

#ifndef DOC_TOP_SRCDIR
#define DOC_TOP_SRCDIR "."
#endif

/* The events PROTOCOL.md promises: the source scan must find at least
 * these, or it is not scanning what it should. */
static const char *const promised_events[] = {
	"DOMAIN_STARTED", "DOMAIN_SHUTDOWN", "DOMAIN_STOPPED", "DOMAIN_PAUSED",
	"DOMAIN_RESUMED", "DOMAIN_DEFINED", "DOMAIN_UNDEFINED",
	"JOB_STATUS_CHANGE", "JOB_PROGRESS", "EVENTS_DROPPED", NULL
};

static char *xsprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	cr_assert(vasprintf(&s, fmt, ap) >= 0);
	va_end(ap);
	return s;
}

static const char *source_dir(void)
{
	const char *dir = getenv("XENLIGHTD_SRCDIR");

	return dir != NULL && *dir != '\0' ? dir : DOC_TOP_SRCDIR;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0, n;

	cr_assert_not_null(f, "cannot open %s", path);
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			text = realloc(text, cap + 1);
			cr_assert_not_null(text);
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	text[len] = '\0';
	return text;
}

static char *read_source(const char *relative)
{
	char *path = xsprintf("%s/%s", source_dir(), relative);
	char *text = read_file(path);

	free(path);
	return text;
}

/* ------------------------------------------------------------------------
 * A markdown document as lines; headings inside ``` fences do not count. */

struct doc {
	char **lines;
	int *level;		/* heading level, 0 for other lines */
	size_t n;
};

static void doc_load(struct doc *d, const char *relative)
{
	char *text = read_source(relative), *line, *save = NULL;
	bool fenced = false;
	size_t cap = 0;

	memset(d, 0, sizeof *d);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		int level = 0;

		if (strncmp(line, "```", 3) == 0)
			fenced = !fenced;
		else if (!fenced)
			while (line[level] == '#')
				level++;
		if (level > 0 && line[level] != ' ')
			level = 0;
		if (d->n == cap) {
			cap = cap ? cap * 2 : 1024;
			d->lines = realloc(d->lines, cap * sizeof *d->lines);
			d->level = realloc(d->level, cap * sizeof *d->level);
			cr_assert(d->lines != NULL && d->level != NULL);
		}
		d->lines[d->n] = strdup(line);
		d->level[d->n] = level;
		d->n++;
	}
	free(text);
}

static void doc_free(struct doc *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	free(d->level);
}

static const char *heading_title(const struct doc *d, size_t i)
{
	return d->lines[i] + d->level[i] + 1;
}

/* The heading "<level #s> title" in [from, to), or -1. */
static long doc_heading(const struct doc *d, size_t from, size_t to,
    int level, const char *title)
{
	for (size_t i = from; i < to; i++)
		if (d->level[i] == level &&
		    strcmp(heading_title(d, i), title) == 0)
			return (long)i;
	return -1;
}

/* Where the section of heading i ends: the next heading of its level or
 * above. */
static size_t doc_section_end(const struct doc *d, size_t i)
{
	for (size_t j = i + 1; j < d->n; j++)
		if (d->level[j] > 0 && d->level[j] <= d->level[i])
			return j;
	return d->n;
}

static bool doc_has_prefix(const struct doc *d, size_t from, size_t to,
    const char *prefix)
{
	for (size_t i = from; i < to; i++)
		if (strncmp(d->lines[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static bool doc_has_text(const struct doc *d, size_t from, size_t to,
    const char *text)
{
	for (size_t i = from; i < to; i++)
		if (strstr(d->lines[i], text) != NULL)
			return true;
	return false;
}

/* A top-level section that must exist: [*begin, *end). */
static void doc_section(const struct doc *d, const char *title,
    size_t *begin, size_t *end)
{
	long h = doc_heading(d, 0, d->n, 2, title);

	cr_assert(h >= 0, "doc/protocol.md has no '## %s' section", title);
	*begin = (size_t)h;
	*end = doc_section_end(d, (size_t)h);
}

/* ------------------------------------------------------------------------
 * Commands and arguments */

static bool schema_has_argument(json_object *args, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(args); i++)
		if (strcmp(json_str(json_object_array_get_idx(args, i), "name"),
		    name) == 0)
			return true;
	return false;
}

static void check_command(const struct doc *d, size_t begin, size_t end,
    json_object *command)
{
	const char *name = json_str(command, "name");
	json_object *args = json_get(command, "arguments");
	long h = doc_heading(d, begin, end, 3, name);
	size_t last;
	char *text;

	cr_expect(h >= 0, "command '%s' has no '### %s' heading under "
	    "'## Commands' in doc/protocol.md", name, name);
	if (h < 0)
		return;
	last = doc_section_end(d, (size_t)h);
	text = xsprintf("Kind **%s**, access **%s**.", json_str(command, "kind"),
	    json_str(command, "access"));
	cr_expect(doc_has_text(d, (size_t)h, last, text),
	    "'### %s' does not say \"%s\"", name, text);
	free(text);
	for (size_t i = 0; i < json_object_array_length(args); i++) {
		json_object *arg = json_object_array_get_idx(args, i);

		text = xsprintf("| `%s` | %s | %s |", json_str(arg, "name"),
		    json_str(arg, "type"), json_flag(arg, "required") ?
		    "yes" : "no");
		cr_expect(doc_has_prefix(d, (size_t)h, last, text),
		    "argument '%s' of '%s' is not documented as \"%s\"",
		    json_str(arg, "name"), name, text);
		free(text);
	}
	/* and no argument the daemon does not take */
	for (size_t i = (size_t)h; i < last; i++) {
		char arg[128];

		if (sscanf(d->lines[i], "| `%127[^`]` |", arg) == 1)
			cr_expect(schema_has_argument(args, arg),
			    "'### %s' documents argument '%s', which the "
			    "daemon does not accept", name, arg);
	}
}

Test(doc, protocol_documents_every_command_and_argument, .timeout = 120)
{
	struct dut *dut = dut_start(NULL);
	struct xlctl *c = dut_connect(dut);
	json_object *commands = call_ok(c, "query-commands", NULL);
	struct doc d;
	size_t begin, end, served;

	doc_load(&d, "doc/protocol.md");
	doc_section(&d, "Commands", &begin, &end);
	served = json_object_array_length(commands);
	cr_assert_gt(served, 30, "query-commands lists only %zu commands",
	    served);
	for (size_t i = 0; i < served; i++)
		check_command(&d, begin, end,
		    json_object_array_get_idx(commands, i));
	/* every command heading is a command the daemon serves */
	for (size_t i = begin; i < end; i++) {
		bool found = false;

		if (d.level[i] != 3)
			continue;
		for (size_t j = 0; j < served && !found; j++)
			found = strcmp(json_str(json_object_array_get_idx(
			    commands, j), "name"), heading_title(&d, i)) == 0;
		cr_expect(found, "doc/protocol.md documents '%s' under "
		    "'## Commands', but query-commands does not list it",
		    heading_title(&d, i));
	}
	doc_free(&d);
	json_object_put(commands);
	xlctl_close(c);
	dut_stop(dut);
	dut_free(dut);
}

/* ------------------------------------------------------------------------
 * Events: every name the daemon's sources hand to the event functions. */

struct names {
	char *name[256];
	size_t n;
};

static bool names_has(const struct names *names, const char *name)
{
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->name[i], name) == 0)
			return true;
	return false;
}

static void names_add(struct names *names, const char *name, size_t len)
{
	char *copy = strndup(name, len);

	cr_assert_not_null(copy);
	if (names_has(names, copy) || names->n == 256) {
		free(copy);
		return;
	}
	names->name[names->n++] = copy;
}

static void names_free(struct names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->name[i]);
	names->n = 0;
}

/* Quoted upper-case names from each call of the event functions up to the
 * end of its statement: event_emit("X", ...), domain_emit(d, cond ?
 * "X" : "Y", ...), proto_event_new("X", ...). */
static void scan_events(const char *text, struct names *names)
{
	static const char *const calls[] = {
		"event_emit(", "domain_emit(", "proto_event_new(", NULL
	};

	for (int k = 0; calls[k] != NULL; k++) {
		const char *p = text;

		while ((p = strstr(p, calls[k])) != NULL) {
			const char *stop = strchr(p, ';');

			if (stop == NULL)
				break;
			for (const char *q = p; q < stop; q++) {
				size_t len = 0;

				if (*q != '"')
					continue;
				while (isupper((unsigned char)q[1 + len]) ||
				    isdigit((unsigned char)q[1 + len]) ||
				    q[1 + len] == '_')
					len++;
				if (len > 2 && q[1 + len] == '"' &&
				    isupper((unsigned char)q[1]))
					names_add(names, q + 1, len);
				q += len;
			}
			p = stop;
		}
	}
}

static void scan_daemon_events(struct names *names)
{
	char *dir = xsprintf("%s/daemon", source_dir());
	DIR *dp = opendir(dir);
	struct dirent *entry;

	cr_assert_not_null(dp, "cannot read %s", dir);
	while ((entry = readdir(dp)) != NULL) {
		size_t n = strlen(entry->d_name);
		char *relative, *text;

		if (n < 3 || strcmp(entry->d_name + n - 2, ".c") != 0)
			continue;
		relative = xsprintf("daemon/%s", entry->d_name);
		text = read_source(relative);
		scan_events(text, names);
		free(text);
		free(relative);
	}
	closedir(dp);
	free(dir);
}

static bool all_caps(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '_')
			return false;
	return true;
}

Test(doc, protocol_documents_every_event)
{
	struct names emitted = { .n = 0 };
	struct doc d;
	size_t begin, end;

	scan_daemon_events(&emitted);
	for (int i = 0; promised_events[i] != NULL; i++)
		cr_expect(names_has(&emitted, promised_events[i]),
		    "the daemon's sources no longer emit %s (or the scan "
		    "misses it)", promised_events[i]);
	doc_load(&d, "doc/protocol.md");
	doc_section(&d, "Events", &begin, &end);
	for (size_t i = 0; i < emitted.n; i++)
		cr_expect(doc_heading(&d, begin, end, 3, emitted.name[i]) >= 0,
		    "event %s has no '### %s' heading under '## Events' in "
		    "doc/protocol.md", emitted.name[i], emitted.name[i]);
	for (size_t i = begin; i < end; i++)
		if (d.level[i] == 3 && all_caps(heading_title(&d, i)))
			cr_expect(names_has(&emitted, heading_title(&d, i)),
			    "doc/protocol.md documents event %s, which the "
			    "daemon does not emit", heading_title(&d, i));
	doc_free(&d);
	names_free(&emitted);
}

Test(doc, protocol_documents_every_error_class)
{
	struct doc d;
	size_t begin, end;

	doc_load(&d, "doc/protocol.md");
	doc_section(&d, "Error classes", &begin, &end);
	for (int i = 0; i < ERR_CLASS_COUNT; i++) {
		char *row = xsprintf("| `%s` |",
		    err_class_name((enum err_class)i));

		cr_expect(doc_has_prefix(&d, begin, end, row),
		    "error class %s is not a row of the error class table",
		    err_class_name((enum err_class)i));
		free(row);
	}
	doc_free(&d);
}

/* ------------------------------------------------------------------------
 * The options of --help: the man page documents each, and the example
 * configuration file shows each that is a key with its default. */

/* Options that are not keys of a configuration file. */
static const char *const command_line_only[] = {
	"help", "version", "no-config", NULL
};

/* The output of `xenlightd --help` of the build under test. */
static char *help_text(void)
{
	const char *builddir = getenv("XENLIGHTD_BUILDDIR");
	char *command, *text = NULL;
	size_t len = 0;
	FILE *help, *out;
	char line[512];

	cr_assert_not_null(builddir, "XENLIGHTD_BUILDDIR is not set");
	command = xsprintf("'%s/daemon/xenlightd' --help", builddir);
	help = popen(command, "r");
	cr_assert_not_null(help);
	out = open_memstream(&text, &len);
	cr_assert_not_null(out);
	while (fgets(line, sizeof line, help) != NULL)
		fputs(line, out);
	fclose(out);
	cr_assert_eq(pclose(help), 0, "%s failed", command);
	free(command);
	return text;
}

/* Every "--name" in the help text. */
static void help_options(const char *text, struct names *options)
{
	for (const char *p = text; (p = strstr(p, "--")) != NULL; ) {
		size_t len = 0;

		p += 2;
		while (islower((unsigned char)p[len]) || p[len] == '-')
			len++;
		if (len > 0)
			names_add(options, p, len);
		p += len;
	}
	cr_assert_gt(options->n, 15, "--help lists only %zu options",
	    options->n);
}

/* The "[default]" at the end of the line that introduces --name, if it is
 * a literal value (not "RUNDIR/..."); NULL otherwise. */
static char *help_default(const char *text, const char *name)
{
	char *needle = xsprintf("--%s ", name), *value = NULL;
	const char *at = strstr(text, needle), *end, *open;

	free(needle);
	if (at == NULL)
		return NULL;
	end = strchr(at, '\n');
	if (end == NULL || end == at || end[-1] != ']')
		return NULL;
	for (open = end - 1; open > at && *open != '['; open--)
		;
	if (*open != '[')
		return NULL;
	value = strndup(open + 1, (size_t)(end - 1 - open - 1));
	for (const char *c = value; *c != '\0'; c++)
		if (isupper((unsigned char)*c)) {
			free(value);
			return NULL;
		}
	return value;
}

Test(doc, man_page_documents_every_option)
{
	struct names options = { .n = 0 };
	char *help = help_text(), *page;

	help_options(help, &options);
	page = read_source("doc/xenlightd.8");
	for (size_t i = 0; i < options.n; i++) {
		/* groff spells "--max-line" as "\-\-max\-line" */
		char spelled[256] = "\\-\\-";

		for (const char *s = options.name[i]; *s != '\0'; s++) {
			size_t n = strlen(spelled);

			if (*s == '-')
				snprintf(spelled + n, sizeof spelled - n, "\\-");
			else
				snprintf(spelled + n, sizeof spelled - n, "%c", *s);
		}
		cr_expect_not_null(strstr(page, spelled),
		    "doc/xenlightd.8 does not document --%s", options.name[i]);
	}
	free(page);
	free(help);
	names_free(&options);
}

/* The settings of doc/xenlightd.conf: "#key = value" lines (explanations
 * are "# text"), keys with dashes. */
struct setting {
	char key[64];
	char value[256];
};

static size_t example_settings(struct setting *settings, size_t max)
{
	char *text = read_source("doc/xenlightd.conf"), *line, *save = NULL;
	size_t n = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		struct setting s;
		int end = 0;

		memset(&s, 0, sizeof s);
		if (sscanf(line, "#%63[a-z0-9_-] =%n", s.key, &end) != 1 ||
		    end == 0)
			continue;
		snprintf(s.value, sizeof s.value, "%s", line + end +
		    strspn(line + end, " \t"));
		for (char *c = s.key; *c != '\0'; c++)
			if (*c == '_')
				*c = '-';
		cr_assert_lt(n, max);
		settings[n++] = s;
	}
	free(text);
	cr_assert_gt(n, 15, "doc/xenlightd.conf shows only %zu settings", n);
	return n;
}

static bool is_command_line_only(const char *name)
{
	for (int i = 0; command_line_only[i] != NULL; i++)
		if (strcmp(command_line_only[i], name) == 0)
			return true;
	return false;
}

Test(doc, example_config_shows_every_option_at_its_default)
{
	struct names options = { .n = 0 };
	struct setting settings[256];
	char *help = help_text();
	size_t n = example_settings(settings, 256);

	help_options(help, &options);
	for (size_t i = 0; i < options.n; i++) {
		const char *name = options.name[i];
		const struct setting *found = NULL;
		char *dflt;

		for (size_t j = 0; j < n && found == NULL; j++)
			if (strcmp(settings[j].key, name) == 0)
				found = &settings[j];
		if (is_command_line_only(name)) {
			cr_expect_null(found, "doc/xenlightd.conf shows %s, "
			    "which is not a configuration key", name);
			continue;
		}
		cr_expect_not_null(found, "doc/xenlightd.conf does not show "
		    "--%s (as \"#%s = DEFAULT\")", name, name);
		dflt = help_default(help, name);
		if (found != NULL && dflt != NULL)
			cr_expect_str_eq(found->value, dflt, "doc/xenlightd.conf "
			    "shows %s = %s, --help says the default is %s",
			    name, found->value, dflt);
		free(dflt);
	}
	for (size_t j = 0; j < n; j++)
		cr_expect(names_has(&options, settings[j].key),
		    "doc/xenlightd.conf shows '%s', which is not an option of "
		    "--help", settings[j].key);
	free(help);
	names_free(&options);
}

/* Every value the example shows is one the daemon accepts: the settings,
 * uncommented, are read without complaint. */
Test(doc, example_config_values_are_accepted)
{
	const char *builddir = getenv("XENLIGHTD_BUILDDIR");
	struct setting settings[256];
	size_t n = example_settings(settings, 256);
	char path[] = "/tmp/xenlightd-test-conf-XXXXXX";
	char *command;
	int fd = mkstemp(path), status;
	FILE *f;

	cr_assert_not_null(builddir, "XENLIGHTD_BUILDDIR is not set");
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	for (size_t j = 0; j < n; j++)
		if (settings[j].value[0] != '\0')
			fprintf(f, "%s = %s\n", settings[j].key, settings[j].value);
	fclose(f);
	command = xsprintf("'%s/daemon/xenlightd' --no-config --config '%s' "
	    "--help > /dev/null", builddir, path);
	status = system(command);
	unlink(path);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the settings of doc/xenlightd.conf, uncommented, are refused "
	    "(%s)", command);
	free(command);
}
