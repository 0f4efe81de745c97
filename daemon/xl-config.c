#include "config.h"

#include "daemon/xl-config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

#include "daemon/domain-config.h"

/* The name libxlutil puts in front of its messages. */
#define SOURCE "xl_config"

enum key_scope {
	SCOPE_ANY,
	SCOPE_HVM,		/* refused for pv and pvh */
	SCOPE_NOT_PVH,		/* refused for pvh */
};

static const struct supported_key {
	const char *name;
	enum key_scope scope;
} supported_keys[] = {
	{ "name", SCOPE_ANY },
	{ "uuid", SCOPE_ANY },
	{ "type", SCOPE_ANY },
	{ "builder", SCOPE_ANY },
	{ "memory", SCOPE_ANY },
	{ "maxmem", SCOPE_ANY },
	{ "vcpus", SCOPE_ANY },
	{ "maxvcpus", SCOPE_ANY },
	{ "cpus", SCOPE_ANY },
	{ "cpu_weight", SCOPE_ANY },
	{ "cap", SCOPE_ANY },
	{ "kernel", SCOPE_ANY },
	{ "ramdisk", SCOPE_ANY },
	{ "cmdline", SCOPE_ANY },
	{ "root", SCOPE_ANY },
	{ "extra", SCOPE_ANY },
	{ "bootloader", SCOPE_ANY },
	{ "bootloader_args", SCOPE_ANY },
	{ "disk", SCOPE_ANY },
	{ "vif", SCOPE_ANY },
	{ "on_poweroff", SCOPE_ANY },
	{ "on_reboot", SCOPE_ANY },
	{ "on_crash", SCOPE_ANY },
	{ "on_watchdog", SCOPE_ANY },
	{ "on_soft_reset", SCOPE_ANY },
	{ "localtime", SCOPE_ANY },
	{ "device_model_version", SCOPE_ANY },
	{ "vnc", SCOPE_NOT_PVH },
	{ "vnclisten", SCOPE_NOT_PVH },
	{ "vncdisplay", SCOPE_NOT_PVH },
	{ "vncpasswd", SCOPE_NOT_PVH },
	{ "vncunused", SCOPE_NOT_PVH },
	{ "serial", SCOPE_HVM },
	{ "boot", SCOPE_HVM },
};
#define NSUPPORTED (sizeof supported_keys / sizeof supported_keys[0])

static const struct supported_key *find_supported(const char *key, size_t len)
{
	for (size_t i = 0; i < NSUPPORTED; i++)
		if (strncmp(supported_keys[i].name, key, len) == 0 &&
		    supported_keys[i].name[len] == '\0')
			return &supported_keys[i];
	return NULL;
}

/* A statement key as it appears in the text. */
struct key_seen {
	char *name;
	int line;
	bool is_list;	/* the value assigned */
};

/* libxlutil, with what it prints captured for error messages. */
struct xlu {
	XLU_Config *cfg;
	FILE *report;
	char *report_buf;
	size_t report_size;
	size_t report_used;	/* bytes already turned into errors */
};

struct parse {
	libxl_ctx *ctx;
	libxl_domain_config *d;
	struct xlu xlu;
	struct key_seen *keys;
	size_t nkeys;
};

static char *xstrdup(const char *s)
{
	char *copy = strdup(s);

	if (copy == NULL)
		abort();
	return copy;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size);

	if (p == NULL)
		abort();
	return p;
}

static void replace_string(char **dst, const char *src)
{
	free(*dst);
	*dst = xstrdup(src);
}

/* Strips blanks on both sides, in place. */
static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return s;
}

/* Length of the well-formed UTF-8 sequence at s (s[0] >= 0x80): no
 * overlong forms, surrogates or code points past U+10FFFF; 0 if none. */
static size_t utf8_length(const unsigned char *s, size_t left)
{
	unsigned char low = 0x80, high = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		low = 0xa0;
	else if (s[0] == 0xed)
		high = 0x9f;
	else if (s[0] == 0xf0)
		low = 0x90;
	else if (s[0] == 0xf4)
		high = 0x8f;
	if (left < n || s[1] < low || s[1] > high)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* libxlutil asserts on NUL bytes inside strings, and libxl's JSON cannot
 * carry what is not UTF-8: both are refused up front.  NULL if the text
 * is fine, else what is wrong with line *line. */
static const char *text_problem(const char *text, size_t len, int *line)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n;

	*line = 1;
	while (i < len) {
		if (s[i] == '\0')
			return "contains a NUL byte";
		if (s[i] < 0x80) {
			*line += s[i++] == '\n';
			continue;
		}
		if ((n = utf8_length(s + i, len - i)) == 0)
			return "is not valid UTF-8";
		i += n;
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Syntax and statement keys.
 *
 * libxlutil cannot list the keys it read, and it leaks memory on text it
 * refuses (after a first error, list entries still being parsed are
 * dropped without being freed).  So the text is checked here first, with
 * the rules of libxlu_cfg_l.l and libxlu_cfg_y.y, and only valid text
 * reaches libxlutil:
 *   tokens: identifiers [a-z][._0-9a-z]*, numbers [0-9][0-9a-fx]*,
 *     '...' or "..." strings without newlines, '=', '+=', ',', ';', '[',
 *     ']', newline, '#' comment to the end of the line; blanks between
 *   file: { [key ('=' | '+=') value] (newline | ';') }
 *   value: string | number | '[' {nl} [value {nl} {',' {nl} value {nl}}
 *     [',' {nl}]] ']'
 * and "+=" of a list to a string or the other way round is refused, as
 * libxlutil does.  Stricter than libxlutil: only the escapes \" \' \\ \a
 * \b \f \n \r \t \v (libxlutil 4.17 always refuses \x and drops octal
 * escapes), and lists nest at most XL_MAX_DEPTH deep. */

#define XL_MAX_DEPTH 16
#define XL_MAX_STATEMENTS 1024	/* bounds libxlutil's quadratic lookups */

enum token {
	TOKEN_END,
	TOKEN_NEWLINE,
	TOKEN_IDENT,
	TOKEN_NUMBER,
	TOKEN_STRING,
	TOKEN_ASSIGN,
	TOKEN_APPEND,
	TOKEN_SEMICOLON,
	TOKEN_COMMA,
	TOKEN_OPEN,
	TOKEN_CLOSE,
	TOKEN_ERROR,
};

struct lexer {
	const char *text;
	size_t len, pos;
	int line;
	enum token token;
	const char *start;	/* of the token */
	size_t length;
	int token_line;
	char why[96];		/* TOKEN_ERROR or a syntax error */
};

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '_';
}

static bool number_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x';
}

static enum token lex_string(struct lexer *lx)
{
	char quote = lx->text[lx->pos++], c;

	for (;;) {
		if (lx->pos == lx->len || lx->text[lx->pos] == '\n') {
			snprintf(lx->why, sizeof lx->why, "unterminated string");
			return TOKEN_ERROR;
		}
		c = lx->text[lx->pos++];
		if (c == quote)
			return TOKEN_STRING;
		if (c != '\\')
			continue;
		c = lx->pos < lx->len ? lx->text[lx->pos] : '\n';
		if (c == '\n' || strchr("\"'\\abfnrtv", c) == NULL) {
			snprintf(lx->why, sizeof lx->why, "unsupported escape "
			    "in string");
			return TOKEN_ERROR;
		}
		lx->pos++;
	}
}

static void next_token(struct lexer *lx)
{
	const char *text = lx->text;
	char c;

	while (lx->pos < lx->len && (text[lx->pos] == ' ' ||
	    text[lx->pos] == '\t'))
		lx->pos++;
	lx->start = text + lx->pos;
	lx->token_line = lx->line;
	if (lx->pos == lx->len) {
		lx->token = TOKEN_END;
		lx->length = 0;
		return;
	}
	c = text[lx->pos++];
	if (c == '#' || c == '\n') {
		while (c != '\n' && lx->pos < lx->len)
			c = text[lx->pos++];
		lx->line++;
		lx->token = TOKEN_NEWLINE;
	} else if (c >= 'a' && c <= 'z') {
		while (lx->pos < lx->len && ident_char(text[lx->pos]))
			lx->pos++;
		lx->token = TOKEN_IDENT;
	} else if (c >= '0' && c <= '9') {
		while (lx->pos < lx->len && number_char(text[lx->pos]))
			lx->pos++;
		lx->token = TOKEN_NUMBER;
	} else if (c == '\'' || c == '"') {
		lx->pos--;
		lx->token = lex_string(lx);
	} else if (c == '+' && lx->pos < lx->len && text[lx->pos] == '=') {
		lx->pos++;
		lx->token = TOKEN_APPEND;
	} else if (strchr("=;,[]", c) != NULL) {
		lx->token = c == '=' ? TOKEN_ASSIGN : c == ';' ?
		    TOKEN_SEMICOLON : c == ',' ? TOKEN_COMMA : c == '[' ?
		    TOKEN_OPEN : TOKEN_CLOSE;
	} else {
		snprintf(lx->why, sizeof lx->why, c == '\r' ?
		    "unexpected carriage return (DOS line ends?)" :
		    "unexpected character");
		lx->token = TOKEN_ERROR;
	}
	lx->length = (size_t)(text + lx->pos - lx->start);
}

static bool syntax_error(struct lexer *lx, const char *expected)
{
	if (lx->token != TOKEN_ERROR)
		snprintf(lx->why, sizeof lx->why, "expected %s", expected);
	return false;
}

static void skip_newlines(struct lexer *lx)
{
	while (lx->token == TOKEN_NEWLINE)
		next_token(lx);
}

/* A value, starting at the current token; leaves the token after it. */
static bool parse_value(struct lexer *lx, int depth, bool *is_list)
{
	bool nested;

	*is_list = lx->token == TOKEN_OPEN;
	if (lx->token == TOKEN_STRING || lx->token == TOKEN_NUMBER) {
		next_token(lx);
		return true;
	}
	if (lx->token != TOKEN_OPEN)
		return syntax_error(lx, "a string, a number or '['");
	if (depth == XL_MAX_DEPTH) {
		snprintf(lx->why, sizeof lx->why, "lists nested too deep");
		return false;
	}
	next_token(lx);
	skip_newlines(lx);
	while (lx->token != TOKEN_CLOSE) {
		if (!parse_value(lx, depth + 1, &nested))
			return false;
		skip_newlines(lx);
		if (lx->token == TOKEN_CLOSE)
			break;
		if (lx->token != TOKEN_COMMA)
			return syntax_error(lx, "',' or ']'");
		next_token(lx);
		skip_newlines(lx);
	}
	next_token(lx);
	return true;
}

static void add_key(struct parse *p, const char *name, size_t len, int line,
    bool is_list)
{
	struct key_seen *keys;

	keys = realloc(p->keys, (p->nkeys + 1) * sizeof *keys);
	if (keys == NULL)
		abort();
	p->keys = keys;
	p->keys[p->nkeys].name = strndup(name, len);
	if (p->keys[p->nkeys].name == NULL)
		abort();
	p->keys[p->nkeys].line = line;
	p->keys[p->nkeys].is_list = is_list;
	p->nkeys++;
}

static const struct key_seen *last_key(const struct parse *p, const char *name,
    size_t len)
{
	for (size_t i = p->nkeys; i-- > 0;)
		if (strncmp(p->keys[i].name, name, len) == 0 &&
		    p->keys[i].name[len] == '\0')
			return &p->keys[i];
	return NULL;
}

/* Checks the syntax and records the key of every statement. */
static struct err *check_syntax(struct parse *p, const char *text, size_t len)
{
	struct lexer lx = { .text = text, .len = len, .line = 1 };
	const struct key_seen *previous;
	const char *key;
	size_t key_len, shown;
	int key_line;
	bool append, is_list;

	next_token(&lx);
	while (lx.token != TOKEN_END) {
		if (lx.token == TOKEN_NEWLINE || lx.token == TOKEN_SEMICOLON) {
			next_token(&lx);
			continue;
		}
		if (lx.token != TOKEN_IDENT) {
			syntax_error(&lx, "a key");
			goto fail;
		}
		key = lx.start;
		key_len = lx.length;
		key_line = lx.token_line;
		if (find_supported(key, key_len) == NULL)
			return err_new(ERR_INVALID_ARGUMENT, "unsupported key "
			    "'%.*s%s' in " SOURCE " line %d",
			    (int)(key_len < 64 ? key_len : 64), key,
			    key_len > 64 ? "..." : "", key_line);
		if (p->nkeys == XL_MAX_STATEMENTS)
			return err_new(ERR_INVALID_ARGUMENT, SOURCE " has more "
			    "than %d assignments", XL_MAX_STATEMENTS);
		next_token(&lx);
		if (lx.token != TOKEN_ASSIGN && lx.token != TOKEN_APPEND) {
			syntax_error(&lx, "'=' or '+='");
			goto fail;
		}
		append = lx.token == TOKEN_APPEND;
		next_token(&lx);
		if (!parse_value(&lx, 0, &is_list))
			goto fail;
		previous = last_key(p, key, key_len);
		if (append && previous != NULL && previous->is_list != is_list)
			return err_new(ERR_INVALID_ARGUMENT, SOURCE " line %d: "
			    "'+=' cannot add a %s to a %s", key_line,
			    is_list ? "list" : "string",
			    previous->is_list ? "list" : "string");
		add_key(p, key, key_len, key_line, is_list);
		if (lx.token != TOKEN_NEWLINE && lx.token != TOKEN_SEMICOLON &&
		    lx.token != TOKEN_END) {
			syntax_error(&lx, "a newline or ';'");
			goto fail;
		}
	}
	return NULL;

fail:
	/* Quote the token only as far as it is printable ASCII. */
	for (shown = 0; shown < lx.length && shown < 24; shown++)
		if ((unsigned char)lx.start[shown] < 0x20 ||
		    (unsigned char)lx.start[shown] >= 0x7f)
			break;
	if (shown == 0)
		return err_new(ERR_INVALID_ARGUMENT, SOURCE " line %d: syntax "
		    "error: %s", lx.token_line, lx.why);
	return err_new(ERR_INVALID_ARGUMENT, SOURCE " line %d: syntax error "
	    "near '%.*s': %s", lx.token_line, (int)shown, lx.start, lx.why);
}

static bool key_seen(const struct parse *p, const char *key)
{
	for (size_t i = 0; i < p->nkeys; i++)
		if (strcmp(p->keys[i].name, key) == 0)
			return true;
	return false;
}

/* The line of the assignment that counts (the last one). */
static int key_line(const struct parse *p, const char *key)
{
	int line = 0;

	for (size_t i = 0; i < p->nkeys; i++)
		if (strcmp(p->keys[i].name, key) == 0)
			line = p->keys[i].line;
	return line;
}

/* ------------------------------------------------------------------------
 * Errors.  They quote the config, which is valid UTF-8 of any length:
 * quotes are shortened, never inside a UTF-8 sequence. */

#define QUOTE_MAX 200

/* len, or less than max without cutting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

static struct err *bad_value(const struct parse *p, const char *key,
    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct err *bad_value(const struct parse *p, const char *key,
    const char *fmt, ...)
{
	struct err *e;
	va_list ap;
	char *why;

	size_t len, cut;

	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		abort();
	va_end(ap);
	len = strlen(why);
	cut = utf8_cut(why, len, QUOTE_MAX);
	e = err_new(ERR_INVALID_ARGUMENT,
	    "invalid value for '%s' in " SOURCE " line %d: %.*s%s", key,
	    key_line(p, key), (int)cut, why, cut < len ? "..." : "");
	free(why);
	return e;
}

/* libxlutil's disk messages quote bytes, not characters, so they can end
 * inside a UTF-8 sequence: such bytes, and control characters, become
 * '?'. */
static void sanitize(char *msg)
{
	unsigned char *s = (unsigned char *)msg;
	size_t n, left = strlen(msg);

	while (left > 0) {
		n = *s >= 0x80 ? utf8_length(s, left) : 1;
		if (n == 0 || *s < 0x20 || *s == 0x7f) {
			*s = '?';
			n = 1;
		}
		s += n;
		left -= n;
	}
}

/* The first line libxlutil printed since the last call, without the
 * "xl_config: " it starts some messages with; fallback if none. */
static void take_report(struct xlu *x, char *buf, size_t size,
    const char *fallback)
{
	const char *msg = "";
	size_t len;

	fflush(x->report);
	if (x->report_buf != NULL && x->report_used < x->report_size)
		msg = x->report_buf + x->report_used;
	x->report_used = x->report_size;
	if (strncmp(msg, SOURCE ": ", strlen(SOURCE ": ")) == 0)
		msg += strlen(SOURCE ": ");
	len = strcspn(msg, "\n");
	if (len == 0) {
		msg = fallback;
		len = strlen(fallback);
	}
	snprintf(buf, size, "%.*s", (int)utf8_cut(msg, len, size - 1), msg);
	sanitize(buf);
}

static void xlu_open(struct xlu *x)
{
	memset(x, 0, sizeof *x);
	x->report = open_memstream(&x->report_buf, &x->report_size);
	if (x->report == NULL)
		abort();
	x->cfg = xlu_cfg_init(x->report, SOURCE);
	if (x->cfg == NULL)
		abort();
}

static void xlu_close(struct xlu *x)
{
	xlu_cfg_destroy(x->cfg);
	fclose(x->report);
	free(x->report_buf);
}

/* ------------------------------------------------------------------------
 * Typed access.  Keys are looked up with dont_warn set: the errors are
 * ours, with the key and its line. */

static bool has(const struct parse *p, const char *key)
{
	return xlu_cfg_get_list(p->xlu.cfg, key, NULL, NULL, 1) != ESRCH;
}

/* *value is NULL when the key is absent. */
static struct err *get_string(const struct parse *p, const char *key,
    const char **value)
{
	int rc;

	*value = NULL;
	rc = xlu_cfg_get_string(p->xlu.cfg, key, value, 1);
	if (rc == ESRCH)
		return NULL;
	if (rc != 0) {
		*value = NULL;
		return bad_value(p, key, "expected a string, not a list");
	}
	return NULL;
}

/* Only for keys that are present. */
static struct err *get_long(const struct parse *p, const char *key, int64_t min,
    int64_t max, long *value)
{
	int rc = xlu_cfg_get_long(p->xlu.cfg, key, value, 1);

	if (rc == ERANGE)
		return bad_value(p, key, "number out of range");
	if (rc != 0)
		return bad_value(p, key, "expected one integer");
	if (*value < min || *value > max)
		return bad_value(p, key, "%ld is not between %" PRId64 " and %"
		    PRId64, *value, min, max);
	return NULL;
}

/* A boolean as xl reads it: any integer, non-zero is true. */
static struct err *get_bool(const struct parse *p, const char *key,
    libxl_defbool *value)
{
	struct err *e;
	long l;

	if (!has(p, key))
		return NULL;
	if ((e = get_long(p, key, INT64_MIN, INT64_MAX, &l)) != NULL)
		return e;
	libxl_defbool_set(value, l != 0);
	return NULL;
}

/* Entry i of a list, which must be a string (libxlutil lists nest). */
static struct err *list_string(const struct parse *p, const char *key,
    XLU_ConfigList *list, int i, const char **value)
{
	XLU_ConfigValue *item = xlu_cfg_get_listitem2(list, i);

	if (item == NULL || xlu_cfg_value_type(item) != XLU_STRING)
		return bad_value(p, key, "entry %d is not a string", i + 1);
	*value = xlu_cfg_get_listitem(list, i);
	return NULL;
}

static struct err *list_to_string_list(const struct parse *p, const char *key,
    XLU_ConfigList *list, int n, libxl_string_list *out)
{
	libxl_string_list sl = xcalloc(n + 1, sizeof *sl);
	const char *s;
	struct err *e;

	for (int i = 0; i < n; i++) {
		if ((e = list_string(p, key, list, i, &s)) != NULL) {
			libxl_string_list_dispose(&sl);
			return e;
		}
		sl[i] = xstrdup(s);
	}
	libxl_string_list_dispose(out);
	*out = sl;
	return NULL;
}

/* ------------------------------------------------------------------------
 * Keys */

static struct err *check_keys(const struct parse *p)
{
	/* A key the syntax check missed would be ignored silently. */
	for (size_t i = 0; i < NSUPPORTED; i++)
		if (has(p, supported_keys[i].name) &&
		    !key_seen(p, supported_keys[i].name))
			return err_new(ERR_INTERNAL, "xl_config syntax check "
			    "missed key '%s'", supported_keys[i].name);
	return NULL;
}

static struct err *check_scopes(const struct parse *p, libxl_domain_type type)
{
	const struct supported_key *k;

	for (size_t i = 0; i < p->nkeys; i++) {
		k = find_supported(p->keys[i].name, strlen(p->keys[i].name));
		if (k->scope == SCOPE_HVM && type != LIBXL_DOMAIN_TYPE_HVM)
			return err_new(ERR_INVALID_ARGUMENT, "key '%s' in "
			    SOURCE " line %d is only valid for type hvm",
			    k->name, p->keys[i].line);
		if (k->scope == SCOPE_NOT_PVH && type == LIBXL_DOMAIN_TYPE_PVH)
			return err_new(ERR_INVALID_ARGUMENT, "key '%s' in "
			    SOURCE " line %d is not valid for type pvh",
			    k->name, p->keys[i].line);
	}
	return NULL;
}

static struct err *parse_type(struct parse *p)
{
	libxl_domain_type type = LIBXL_DOMAIN_TYPE_INVALID, builder_type;
	const char *s;
	struct err *e;

	if ((e = get_string(p, "type", &s)) != NULL)
		return e;
	if (s != NULL) {
		if (strcmp(s, "pv") == 0)
			type = LIBXL_DOMAIN_TYPE_PV;
		else if (strcmp(s, "pvh") == 0)
			type = LIBXL_DOMAIN_TYPE_PVH;
		else if (strcmp(s, "hvm") == 0)
			type = LIBXL_DOMAIN_TYPE_HVM;
		else
			return bad_value(p, "type", "'%s' is not pv, pvh or hvm",
			    s);
	}
	if ((e = get_string(p, "builder", &s)) != NULL)
		return e;
	if (s != NULL) {
		if (strcmp(s, "generic") == 0)
			builder_type = LIBXL_DOMAIN_TYPE_PV;
		else if (strcmp(s, "hvm") == 0)
			builder_type = LIBXL_DOMAIN_TYPE_HVM;
		else
			return bad_value(p, "builder", "'%s' is not generic or "
			    "hvm", s);
		if (type != LIBXL_DOMAIN_TYPE_INVALID && type != builder_type)
			return bad_value(p, "builder", "'%s' contradicts type",
			    s);
		type = builder_type;
	}
	if (type == LIBXL_DOMAIN_TYPE_INVALID)
		type = LIBXL_DOMAIN_TYPE_PV;
	p->d->c_info.type = type;
	libxl_domain_build_info_init_type(&p->d->b_info, type);
	return check_scopes(p, type);
}

static struct err *parse_identity(struct parse *p)
{
	libxl_domain_create_info *c = &p->d->c_info;
	const char *s;
	struct err *e;

	if ((e = get_string(p, "name", &s)) != NULL)
		return e;
	if (s == NULL)
		return err_new(ERR_INVALID_ARGUMENT,
		    SOURCE " has no 'name'");
	if (!domain_config_name_valid(s))
		return bad_value(p, "name", "'%s' is not 1 to %d characters "
		    "from [A-Za-z0-9_.+-], not all digits", s,
		    DOMAIN_NAME_MAX);
	replace_string(&c->name, s);

	if ((e = get_string(p, "uuid", &s)) != NULL)
		return e;
	if (s == NULL)
		libxl_uuid_generate(&c->uuid);
	else if (libxl_uuid_from_string(&c->uuid, s) != 0)
		return bad_value(p, "uuid", "'%s' is not a UUID", s);
	return NULL;
}

static struct err *parse_resources(struct parse *p)
{
	libxl_domain_build_info *b = &p->d->b_info;
	struct err *e;
	long l, vcpus = 0;

	if (has(p, "cpu_weight")) {
		if ((e = get_long(p, "cpu_weight", 1, 65535, &l)) != NULL)
			return e;
		b->sched_params.weight = (int)l;
	}
	if (has(p, "cap")) {
		if ((e = get_long(p, "cap", 0, 65535, &l)) != NULL)
			return e;
		b->sched_params.cap = (int)l;
	}

	if (has(p, "memory")) {
		if ((e = get_long(p, "memory", 1, DOMAIN_MAX_MEMORY_MIB, &l)))
			return e;
		b->target_memkb = (uint64_t)l * 1024;
	}
	if (has(p, "maxmem")) {
		if ((e = get_long(p, "maxmem", 1, DOMAIN_MAX_MEMORY_MIB, &l)))
			return e;
		b->max_memkb = (uint64_t)l * 1024;
	}
	if (b->max_memkb == LIBXL_MEMKB_DEFAULT)
		b->max_memkb = b->target_memkb;
	else if (b->target_memkb != LIBXL_MEMKB_DEFAULT &&
	    b->max_memkb < b->target_memkb)
		return bad_value(p, "maxmem", "%" PRIu64 " MiB is less than "
		    "memory (%" PRIu64 " MiB)", b->max_memkb / 1024,
		    b->target_memkb / 1024);

	if (has(p, "vcpus")) {
		if ((e = get_long(p, "vcpus", 1, DOMAIN_MAX_VCPUS, &vcpus)))
			return e;
		if (libxl_cpu_bitmap_alloc(p->ctx, &b->avail_vcpus,
		    (int)vcpus) != 0)
			return err_new(ERR_INTERNAL, "cannot allocate a bitmap");
		libxl_bitmap_set_none(&b->avail_vcpus);
		for (int i = 0; i < vcpus; i++)
			libxl_bitmap_set(&b->avail_vcpus, i);
	}
	if (has(p, "maxvcpus")) {
		if ((e = get_long(p, "maxvcpus", 1, DOMAIN_MAX_VCPUS, &l)))
			return e;
		b->max_vcpus = (int)l;
	}
	if (b->max_vcpus == 0)
		b->max_vcpus = (int)vcpus;
	if (b->max_vcpus < vcpus)
		return bad_value(p, "maxvcpus", "%d is less than vcpus (%ld)",
		    b->max_vcpus, vcpus);
	return NULL;
}

/* "a" or "a-b" with b >= a; decimal digits only. */
static bool parse_cpu_range(const char *s, unsigned long *a, unsigned long *b)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*a = *b = strtoul(s, &end, 10);
	if (*end == '-') {
		s = end + 1;
		if (*s < '0' || *s > '9')
			return false;
		*b = strtoul(s, &end, 10);
	}
	return errno == 0 && *end == '\0' && *b >= *a;
}

/* One cpu set in xl's syntax: comma-separated items, each "all", a cpu
 * or a range, "^" in front to remove instead of add, left to right. */
static bool parse_cpu_set(const char *spec, int max_cpus, libxl_bitmap *map,
    char *why, size_t whylen)
{
	char *copy = xstrdup(spec), *item, *save = NULL;
	unsigned long a, b;
	bool remove, ok = false;

	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		item = trim(item);
		if (*item == '\0')
			continue;
		remove = *item == '^';
		if (remove)
			item++;
		if (strncmp(item, "node:", 5) == 0 ||
		    strncmp(item, "nodes:", 6) == 0) {
			snprintf(why, whylen, "NUMA node sets are not "
			    "supported");
			goto out;
		}
		if (strcmp(item, "all") == 0) {
			if (remove) {
				snprintf(why, whylen, "'^all' is not allowed");
				goto out;
			}
			libxl_bitmap_set_any(map);
			continue;
		}
		if (!parse_cpu_range(item, &a, &b)) {
			snprintf(why, whylen, "'%.*s' is not a cpu or a range",
			    (int)utf8_cut(item, strlen(item), 64), item);
			goto out;
		}
		if (b >= (unsigned long)max_cpus) {
			snprintf(why, whylen, "cpu %lu does not exist (the host "
			    "has %d)", b, max_cpus);
			goto out;
		}
		for (; a <= b; a++) {
			if (remove)
				libxl_bitmap_reset(map, (int)a);
			else
				libxl_bitmap_set(map, (int)a);
		}
	}
	ok = !libxl_bitmap_is_empty(map);
	if (!ok)
		snprintf(why, whylen, "'%.*s' selects no cpu",
		    (int)utf8_cut(spec, strlen(spec), 64), spec);
out:
	free(copy);
	return ok;
}

/* Hard affinity.  A string applies to every vcpu; a list gives one set per
 * vcpu, and then libxl's automatic NUMA placement is off (as in xl). */
static struct err *parse_cpus(struct parse *p)
{
	libxl_domain_build_info *b = &p->d->b_info;
	XLU_ConfigList *list = NULL;
	const char *spec = NULL;
	int n, max_cpus, nvcpus = b->max_vcpus > 0 ? b->max_vcpus : 1;
	char why[160];
	struct err *e;

	if (!has(p, "cpus"))
		return NULL;
	if (xlu_cfg_get_list(p->xlu.cfg, "cpus", &list, &n, 1) != 0) {
		list = NULL;
		if ((e = get_string(p, "cpus", &spec)) != NULL)
			return e;
		n = nvcpus;
	} else if (n == 0) {
		return bad_value(p, "cpus", "empty list");
	} else if (n > nvcpus) {
		n = nvcpus;	/* entries for vcpus that do not exist */
	}
	max_cpus = libxl_get_max_cpus(p->ctx);
	if (max_cpus <= 0)
		return err_new(ERR_HYPERVISOR, "cannot read the host's number "
		    "of cpus (libxl error %d)", max_cpus);

	b->vcpu_hard_affinity = xcalloc(n, sizeof *b->vcpu_hard_affinity);
	b->num_vcpu_hard_affinity = n;
	for (int i = 0; i < n; i++) {
		libxl_bitmap *map = &b->vcpu_hard_affinity[i];
		const char *item = spec;

		if (list == NULL && i > 0) {
			libxl_bitmap_copy_alloc(p->ctx, map,
			    &b->vcpu_hard_affinity[0]);
			continue;
		}
		if (libxl_cpu_bitmap_alloc(p->ctx, map, max_cpus) != 0)
			return err_new(ERR_INTERNAL, "cannot allocate a bitmap");
		if (list == NULL) {
			if (!parse_cpu_set(item, max_cpus, map, why, sizeof why))
				return bad_value(p, "cpus", "%s", why);
			continue;
		}
		if ((e = list_string(p, "cpus", list, i, &item)) != NULL)
			return e;
		if (!parse_cpu_set(item, max_cpus, map, why, sizeof why))
			return bad_value(p, "cpus", "entry %d: %s", i + 1, why);
	}
	if (list != NULL)
		libxl_defbool_set(&b->numa_placement, false);
	return NULL;
}

static const char *const action_names[] = {
	[LIBXL_ACTION_ON_SHUTDOWN_DESTROY] = "destroy",
	[LIBXL_ACTION_ON_SHUTDOWN_RESTART] = "restart",
	[LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME] = "rename-restart",
	[LIBXL_ACTION_ON_SHUTDOWN_PRESERVE] = "preserve",
	[LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY] = "coredump-destroy",
	[LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART] = "coredump-restart",
	[LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET] = "soft-reset",
};

static struct err *parse_actions(struct parse *p)
{
	libxl_domain_config *d = p->d;
	const struct {
		const char *key;
		const char *fallback;
		libxl_action_on_shutdown *field;
	} actions[] = {
		{ "on_poweroff", "destroy", &d->on_poweroff },
		{ "on_reboot", "restart", &d->on_reboot },
		{ "on_watchdog", "destroy", &d->on_watchdog },
		{ "on_crash", "destroy", &d->on_crash },
		{ "on_soft_reset", "soft-reset", &d->on_soft_reset },
	};
	const char *s;
	struct err *e;
	size_t i, j;

	for (i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		if ((e = get_string(p, actions[i].key, &s)) != NULL)
			return e;
		if (s == NULL)
			s = actions[i].fallback;
		for (j = 0; j < sizeof action_names / sizeof action_names[0];
		    j++)
			if (action_names[j] && strcmp(action_names[j], s) == 0)
				break;
		if (j == sizeof action_names / sizeof action_names[0])
			return bad_value(p, actions[i].key, "unknown action "
			    "'%s'", s);
		*actions[i].field = (libxl_action_on_shutdown)j;
	}
	return NULL;
}

static struct err *parse_boot(struct parse *p)
{
	libxl_domain_build_info *b = &p->d->b_info;
	const char *cmdline, *root, *extra, *s, *base;
	XLU_ConfigList *list;
	struct err *e;
	int n;

	if ((e = get_string(p, "kernel", &s)) != NULL)
		return e;
	if (s != NULL) {
		base = strrchr(s, '/');
		base = base != NULL ? base + 1 : s;
		/* xl drops an HVM "kernel" naming the firmware. */
		if (b->type != LIBXL_DOMAIN_TYPE_HVM ||
		    strcmp(base, "hvmloader") != 0)
			replace_string(&b->kernel, s);
	}
	if ((e = get_string(p, "ramdisk", &s)) != NULL)
		return e;
	if (s != NULL)
		replace_string(&b->ramdisk, s);

	if ((e = get_string(p, "cmdline", &cmdline)) != NULL ||
	    (e = get_string(p, "root", &root)) != NULL ||
	    (e = get_string(p, "extra", &extra)) != NULL)
		return e;
	free(b->cmdline);
	b->cmdline = NULL;
	if (cmdline != NULL)
		b->cmdline = xstrdup(cmdline);
	else if (root != NULL && extra != NULL) {
		if (asprintf(&b->cmdline, "root=%s %s", root, extra) < 0)
			abort();
	} else if (root != NULL) {
		if (asprintf(&b->cmdline, "root=%s", root) < 0)
			abort();
	} else if (extra != NULL)
		b->cmdline = xstrdup(extra);

	if ((e = get_string(p, "bootloader", &s)) != NULL)
		return e;
	if (s != NULL)
		replace_string(&b->bootloader, s);
	if (xlu_cfg_get_list(p->xlu.cfg, "bootloader_args", &list, &n, 1) == 0)
		return list_to_string_list(p, "bootloader_args", list, n,
		    &b->bootloader_args);
	if ((e = get_string(p, "bootloader_args", &s)) != NULL)
		return e;
	if (s != NULL) {
		/* The old form: one string, split at blanks. */
		char *copy = xstrdup(s), *arg, *save = NULL;
		int count = 0;

		libxl_string_list_dispose(&b->bootloader_args);
		b->bootloader_args = xcalloc(strlen(s) / 2 + 2,
		    sizeof *b->bootloader_args);
		for (arg = strtok_r(copy, " \t\n", &save); arg != NULL;
		    arg = strtok_r(NULL, " \t\n", &save))
			b->bootloader_args[count++] = xstrdup(arg);
		free(copy);
	}
	return NULL;
}

/* disk, fresh from libxl_device_disk_init, from one xl disk spec. */
static bool disk_from_spec(struct xlu *x, const char *spec,
    libxl_device_disk *disk, char *why, size_t whylen)
{
	if (xlu_disk_parse(x->cfg, 1, &spec, disk) == 0)
		return true;
	take_report(x, why, whylen, "bad disk spec");
	return false;
}

static struct err *parse_disks(struct parse *p)
{
	libxl_domain_config *d = p->d;
	XLU_ConfigList *list;
	libxl_device_disk *disks;
	const char *spec;
	char why[512];
	struct err *e;
	int n;

	if (!has(p, "disk"))
		return NULL;
	if (xlu_cfg_get_list(p->xlu.cfg, "disk", &list, &n, 1) != 0)
		return bad_value(p, "disk", "expected a list of disk specs");
	for (int i = 0; i < n; i++) {
		if ((e = list_string(p, "disk", list, i, &spec)) != NULL)
			return e;
		disks = realloc(d->disks, (d->num_disks + 1) * sizeof *disks);
		if (disks == NULL)
			abort();
		d->disks = disks;
		libxl_device_disk_init(&d->disks[d->num_disks]);
		d->num_disks++;
		if (!disk_from_spec(&p->xlu, spec, &d->disks[d->num_disks - 1],
		    why, sizeof why))
			return bad_value(p, "disk", "entry %d: %s", i + 1, why);
	}
	return NULL;
}

/* xx:xx:xx:xx:xx:xx, one or two hex digits each. */
static bool parse_mac(const char *s, libxl_mac mac)
{
	for (int i = 0; i < 6; i++) {
		int digits = 0, value = 0;

		for (; digits < 2; digits++, s++) {
			if (*s >= '0' && *s <= '9')
				value = value * 16 + (*s - '0');
			else if (*s >= 'a' && *s <= 'f')
				value = value * 16 + (*s - 'a' + 10);
			else if (*s >= 'A' && *s <= 'F')
				value = value * 16 + (*s - 'A' + 10);
			else
				break;
		}
		if (digits == 0 || *s != (i < 5 ? ':' : '\0'))
			return false;
		mac[i] = (uint8_t)value;
		if (i < 5)
			s++;
	}
	return true;
}

/* One "option=value" of a vif spec; false with why set if it is bad. */
static bool nic_option(struct xlu *x, libxl_device_nic *nic, char *option,
    char *why, size_t whylen)
{
	char *value = strchr(option, '='), *end;
	unsigned long mtu;
	const struct {
		const char *name;
		char **field;
	} strings[] = {
		{ "bridge", &nic->bridge },
		{ "ip", &nic->ip },
		{ "script", &nic->script },
		{ "backend", &nic->backend_domname },
		{ "vifname", &nic->ifname },
		{ "model", &nic->model },
		{ "gatewaydev", &nic->gatewaydev },
	};

	if (value == NULL) {
		snprintf(why, whylen, "option '%.*s' has no value",
		    (int)utf8_cut(option, strlen(option), 64), option);
		return false;
	}
	*value++ = '\0';
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
		if (strcmp(option, strings[i].name) == 0) {
			replace_string(strings[i].field, value);
			return true;
		}
	}
	if (strcmp(option, "mac") == 0) {
		if (parse_mac(value, nic->mac))
			return true;
		snprintf(why, whylen, "'%.*s' is not a MAC address",
		    (int)utf8_cut(value, strlen(value), 64), value);
	} else if (strcmp(option, "type") == 0) {
		if (strcmp(value, "vif") == 0 || strcmp(value, "ioemu") == 0) {
			nic->nictype = value[0] == 'v' ? LIBXL_NIC_TYPE_VIF :
			    LIBXL_NIC_TYPE_VIF_IOEMU;
			return true;
		}
		snprintf(why, whylen, "type '%.*s' is not vif or ioemu",
		    (int)utf8_cut(value, strlen(value), 64), value);
	} else if (strcmp(option, "rate") == 0) {
		errno = 0;	/* libxlutil tests errno without setting it */
		if (xlu_vif_parse_rate(x->cfg, value, nic) == 0)
			return true;
		take_report(x, why, whylen, "bad rate");
	} else if (strcmp(option, "mtu") == 0) {
		errno = 0;
		mtu = strtoul(value, &end, 10);
		if (*value >= '0' && *value <= '9' && *end == '\0' &&
		    errno == 0 && mtu >= 68 && mtu <= 65535) {
			nic->mtu = (int)mtu;
			return true;
		}
		snprintf(why, whylen, "mtu '%.*s' is not between 68 and 65535",
		    (int)utf8_cut(value, strlen(value), 64), value);
	} else {
		snprintf(why, whylen, "unsupported option '%.*s'",
		    (int)utf8_cut(option, strlen(option), 64), option);
	}
	return false;
}

/* nic, fresh from libxl_device_nic_init, from one xl vif spec: options
 * separated by commas. */
static bool nic_from_spec(struct xlu *x, const char *spec,
    libxl_device_nic *nic, char *why, size_t whylen)
{
	char *copy = xstrdup(spec), *option, *save = NULL;
	bool ok = true;

	for (option = strtok_r(copy, ",", &save); option != NULL && ok;
	    option = strtok_r(NULL, ",", &save)) {
		option = trim(option);
		if (*option != '\0')
			ok = nic_option(x, nic, option, why, whylen);
	}
	free(copy);
	return ok;
}

static struct err *parse_vifs(struct parse *p)
{
	libxl_domain_config *d = p->d;
	XLU_ConfigList *list;
	libxl_device_nic *nics, *nic;
	const char *spec;
	char why[512];
	struct err *e;
	int n;

	if (!has(p, "vif"))
		return NULL;
	if (xlu_cfg_get_list(p->xlu.cfg, "vif", &list, &n, 1) != 0)
		return bad_value(p, "vif", "expected a list of vif specs");
	for (int i = 0; i < n; i++) {
		if ((e = list_string(p, "vif", list, i, &spec)) != NULL)
			return e;
		nics = realloc(d->nics, (d->num_nics + 1) * sizeof *nics);
		if (nics == NULL)
			abort();
		d->nics = nics;
		nic = &d->nics[d->num_nics];
		libxl_device_nic_init(nic);
		nic->devid = d->num_nics;
		d->num_nics++;
		if (!nic_from_spec(&p->xlu, spec, nic, why, sizeof why))
			return bad_value(p, "vif", "entry %d: %s", i + 1, why);
	}
	return NULL;
}

static struct err *parse_device_model(struct parse *p)
{
	libxl_domain_build_info *b = &p->d->b_info;
	const char *s;
	struct err *e;

	if ((e = get_string(p, "device_model_version", &s)) != NULL)
		return e;
	if (s == NULL)
		return NULL;
	if (strcmp(s, "qemu-xen") == 0)
		b->device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
	else if (strcmp(s, "qemu-xen-traditional") == 0)
		b->device_model_version =
		    LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
	else
		return bad_value(p, "device_model_version", "'%s' is not "
		    "qemu-xen or qemu-xen-traditional", s);
	return NULL;
}

static struct err *parse_vnc(struct parse *p)
{
	static const char *const details[] = {
		"vnclisten", "vncdisplay", "vncpasswd", "vncunused",
	};
	libxl_domain_config *d = p->d;
	libxl_vnc_info *vnc;
	const char *s;
	struct err *e;
	long l, enable = 0;

	if (has(p, "vnc") &&
	    (e = get_long(p, "vnc", INT64_MIN, INT64_MAX, &enable)) != NULL)
		return e;
	switch (d->c_info.type) {
	case LIBXL_DOMAIN_TYPE_HVM:
		vnc = &d->b_info.u.hvm.vnc;
		if (has(p, "vnc"))
			libxl_defbool_set(&vnc->enable, enable != 0);
		break;
	case LIBXL_DOMAIN_TYPE_PV:
		/* xl gives a pv guest with vnc a framebuffer and keyboard. */
		if (enable == 0) {
			for (size_t i = 0; i < 4; i++)
				if (has(p, details[i]))
					return bad_value(p, details[i],
					    "needs vnc = 1 for a pv guest");
			return NULL;
		}
		d->vfbs = xcalloc(1, sizeof *d->vfbs);
		libxl_device_vfb_init(&d->vfbs[0]);
		d->num_vfbs = 1;
		d->vkbs = xcalloc(1, sizeof *d->vkbs);
		libxl_device_vkb_init(&d->vkbs[0]);
		d->num_vkbs = 1;
		vnc = &d->vfbs[0].vnc;
		libxl_defbool_set(&vnc->enable, true);
		break;
	default:
		return NULL;	/* refused by check_scopes */
	}

	if ((e = get_string(p, "vnclisten", &s)) != NULL)
		return e;
	if (s != NULL)
		replace_string(&vnc->listen, s);
	if ((e = get_string(p, "vncpasswd", &s)) != NULL)
		return e;
	if (s != NULL)
		replace_string(&vnc->passwd, s);
	if (has(p, "vncdisplay")) {
		if ((e = get_long(p, "vncdisplay", 0, 65535, &l)) != NULL)
			return e;
		vnc->display = (int)l;
	}
	return get_bool(p, "vncunused", &vnc->findunused);
}

static struct err *parse_hvm(struct parse *p)
{
	libxl_domain_build_info *b = &p->d->b_info;
	XLU_ConfigList *list;
	const char *s;
	struct err *e;
	int n;

	if (b->type != LIBXL_DOMAIN_TYPE_HVM)
		return NULL;
	if (xlu_cfg_get_list(p->xlu.cfg, "serial", &list, &n, 1) == 0) {
		e = list_to_string_list(p, "serial", list, n,
		    &b->u.hvm.serial_list);
		if (e != NULL)
			return e;
	} else {
		if ((e = get_string(p, "serial", &s)) != NULL)
			return e;
		if (s != NULL)
			replace_string(&b->u.hvm.serial, s);
	}
	if ((e = get_string(p, "boot", &s)) != NULL)
		return e;
	if (s != NULL)
		replace_string(&b->u.hvm.boot, s);
	return NULL;
}

/* In the order of xl's parse_config_data, which some keys depend on
 * (type before everything, vcpus before cpus). */
static struct err *parse_all(struct parse *p)
{
	struct err *(*const steps[])(struct parse *) = {
		parse_type, parse_identity, parse_resources, parse_cpus,
		parse_actions, parse_boot, parse_disks, parse_vifs,
		parse_device_model, parse_vnc, parse_hvm,
	};
	struct err *e;

	if ((e = check_keys(p)) != NULL)
		return e;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if ((e = steps[i](p)) != NULL)
			return e;
	if ((e = get_bool(p, "localtime", &p->d->b_info.localtime)) != NULL)
		return e;
	return domain_config_validate(p->d);
}

struct err *xl_config_parse(libxl_ctx *ctx, const char *text, size_t len,
    libxl_domain_config *out)
{
	struct parse p = { .ctx = ctx, .d = out };
	const char *problem;
	char *data, why[512];
	struct err *e;
	int line;

	if (out->c_info.type != LIBXL_DOMAIN_TYPE_INVALID ||
	    out->b_info.type != LIBXL_DOMAIN_TYPE_INVALID)
		return err_new(ERR_INTERNAL,
		    "xl_config_parse needs a freshly initialised config");
	if (len > XL_CONFIG_MAX_LEN)
		return err_new(ERR_INVALID_ARGUMENT, SOURCE " is too long "
		    "(%zu bytes, at most %d)", len, XL_CONFIG_MAX_LEN);
	if ((problem = text_problem(text, len, &line)) != NULL)
		return err_new(ERR_INVALID_ARGUMENT, SOURCE " line %d %s", line,
		    problem);

	/* libxlutil's grammar wants a newline after a final comment. */
	data = malloc(len + 2);
	if (data == NULL)
		abort();
	memcpy(data, text, len);
	if (len == 0 || data[len - 1] != '\n')
		data[len++] = '\n';
	data[len] = '\0';

	if ((e = check_syntax(&p, data, len)) != NULL)
		goto out;
	xlu_open(&p.xlu);
	if (xlu_cfg_readdata(p.xlu.cfg, data, (int)len) == 0) {
		e = parse_all(&p);
	} else {
		take_report(&p.xlu, why, sizeof why, "no message");
		e = err_new(ERR_INTERNAL, "libxlutil refused an xl config that "
		    "passed the syntax check: %s", why);
	}
	xlu_close(&p.xlu);
out:
	for (size_t i = 0; i < p.nkeys; i++)
		free(p.keys[i].name);
	free(p.keys);
	free(data);
	return e;
}

/* ------------------------------------------------------------------------
 * Single device specs (device attach) */

/* A spec is one line of UTF-8, at most XL_SPEC_MAX_LEN bytes. */
static struct err *check_spec(const char *what, const char *spec)
{
	const char *problem;
	size_t len = strlen(spec);
	int line;

	if (len > XL_SPEC_MAX_LEN)
		return err_new(ERR_INVALID_ARGUMENT, "invalid %s spec: longer "
		    "than %d bytes", what, XL_SPEC_MAX_LEN);
	if ((problem = text_problem(spec, len, &line)) != NULL)
		return err_new(ERR_INVALID_ARGUMENT, "invalid %s spec: it %s",
		    what, problem);
	if (line > 1)
		return err_new(ERR_INVALID_ARGUMENT, "invalid %s spec: it "
		    "contains a newline", what);
	return NULL;
}

struct err *xl_config_parse_disk(const char *spec, libxl_device_disk *disk)
{
	struct err *e;
	struct xlu x;
	char why[512];

	if ((e = check_spec("disk", spec)) != NULL)
		return e;
	xlu_open(&x);
	if (!disk_from_spec(&x, spec, disk, why, sizeof why))
		e = err_new(ERR_INVALID_ARGUMENT, "invalid disk spec: %s", why);
	xlu_close(&x);
	return e;
}

struct err *xl_config_parse_nic(const char *spec, libxl_device_nic *nic)
{
	struct err *e;
	struct xlu x;
	char why[512];

	if ((e = check_spec("vif", spec)) != NULL)
		return e;
	xlu_open(&x);
	if (!nic_from_spec(&x, spec, nic, why, sizeof why))
		e = err_new(ERR_INVALID_ARGUMENT, "invalid vif spec: %s", why);
	xlu_close(&x);
	return e;
}
